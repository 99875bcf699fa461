"""The libcst check of RL002 and its examples (the package says what the rule is)."""

from __future__ import annotations

import difflib
import re

import libcst as cst

from ... import catalog
from ...rule import Invalid, Rule, Valid
from .._regularizers import (
    FACTOR_PARAMS,
    array_scalar,
    judged_flavors,
    literal_bool,
    literal_number,
    literal_string,
    none_factor,
    nonfinite,
    regularizer_arguments,
    regularizer_call,
    regularizer_symbol,
)
from . import INFO

_NUMBER_TEXT = re.compile(r"\s*(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?\s*")
_UNCALLED_K3 = {
    "L1": "`L1(0.01)`",
    "L2": "`L2(0.01)`",
    "L1L2": "`L1L2(l1=0, l2=0)`, which adds no penalty at all",
    "OrthogonalRegularizer": "`OrthogonalRegularizer(0.01)`",
}
_CONTAINERS = {
    cst.List: "list",
    cst.Tuple: "tuple",
    cst.Set: "set",
    cst.ListComp: "list",
    cst.SetComp: "set",
    cst.GeneratorExp: "generator",
}
#: The factor Keras 3 silently gives an uncalled ``l1``/``l2``/``L1``/``L2``.
_UNCALLED_FACTOR = 0.01
_UNINTERPRETED = "Keras raises `ValueError: Could not interpret regularizer identifier`"


class InvalidRegularizer(Rule):
    info = INFO

    VALID = (
        Valid(
            "from keras import layers, regularizers\n"
            "layers.Dense(4, kernel_regularizer=regularizers.L2(1e-4))\n"
        ),
        Valid(
            "from keras import layers\n"
            "layers.Dense(4, kernel_regularizer='l2', activity_regularizer='l1')\n"
        ),
        Valid("from tf_keras import layers\nlayers.Dense(4, kernel_regularizer='l1_l2')\n"),
        Valid(
            "import os\nos.environ['TF_USE_LEGACY_KERAS'] = '1'\nimport tensorflow as tf\n"
            "tf.keras.layers.Dense(4, kernel_regularizer='l1_l2')\n"
        ),
        Valid(
            "from keras import layers\n"
            "layers.Dense(4, kernel_regularizer={'class_name': 'L2', 'config': {'l2': 0.01}})\n"
        ),
        Valid(
            "from keras import layers\nlayers.Dense(4, kernel_regularizer={'class_name': 'L2'})\n"
        ),
        Valid(
            "import numpy as np\nfrom keras import regularizers\n"
            "regularizers.L2(np.float64(0.01))\nregularizers.L2(1)\n"
        ),
        Valid(
            "import numpy as np\nfrom keras.regularizers import L2\nL2(float(np.float32(1e-3)))\n"
        ),
        Valid("from keras.regularizers import L1L2\nL1L2(l1=None, l2=1e-4)\n"),
        Valid("from keras import layers\nlayers.Dense(4, kernel_regularizer=make_reg(0.01))\n"),
        Valid("from keras import layers\nlayers.Dense(4, kernel_regularizer=lambda w: 0.01)\n"),
        # not a Keras layer, not a Keras regularizer
        Valid("class Dense:\n    pass\nDense(4, kernel_regularizer=0.01)\n"),
        Valid("import torch\ntorch.nn.Linear(4, 4)\nl2 = 0.01\n"),
        # a reassigned name is not judged
        Valid(
            "from keras import layers\nreg = 0.01\nreg = 'l2'\n"
            "layers.Dense(4, kernel_regularizer=reg)\n"
        ),
        Valid(
            "from keras import layers\nreg = 0.01\nprint(reg)\n"
            "layers.Dense(4, kernel_regularizer=reg)\n"
        ),
        Valid(
            "from keras import layers\nclass Block:\n    reg = 0.01\n"
            "    dense = layers.Dense(4, kernel_regularizer=reg)\n"
        ),
        Valid(
            "from keras import layers\n"
            "layers.Dense(4, None, True, 'glorot_uniform', 'zeros', 'l2')\n"
        ),
    )
    INVALID = (
        Invalid(
            "from keras import layers\nlayers.Dense(4, kernel_regularizer=0.01)\n",
            at=["2:36"],
            message="a number is not a regularizer",
        ),
        Invalid(
            "import tensorflow as tf\ntf.keras.layers.Conv2D(8, 3, kernel_regularizer=-1e-4)\n",
            at=["2:49"],
            message="number",
        ),
        Invalid(
            "from keras import layers\nlayers.Dense(4, bias_regularizer=True)\n", message="a bool"
        ),
        Invalid(
            "from keras import layers, regularizers\n"
            "layers.Dense(4, kernel_regularizer=[regularizers.L1(1e-5), regularizers.L2(1e-4)])\n",
            at=["2:36"],
            message="list",
        ),
        Invalid(
            "from keras import layers\nlayers.Dense(4, kernel_regularizer=('l1', 'l2'))\n",
            message="tuple",
        ),
        Invalid(
            "from keras import layers\nlayers.Dense(4, kernel_regularizer='l1_l2')\n",
            at=["2:36"],
            message="unknown to Keras 3",
        ),
        Invalid(
            "import tensorflow as tf\ntf.keras.layers.Dense(4, kernel_regularizer='l1_l2')\n",
            message="L1L2(l1=0.01, l2=0.01)",
        ),
        Invalid(
            "from tf_keras import layers\nlayers.Dense(4, kernel_regularizer='l1l2')\n",
            message="unknown to tf_keras",
        ),
        Invalid(
            "from keras import layers\nlayers.Dense(4, kernel_regularizer='L2 ')\n",
            message="did you mean 'L2'",
        ),
        Invalid(
            "from keras import layers\nlayers.Dense(4, kernel_regularizer={'l2': 0.01})\n",
            message="class_name",
        ),
        Invalid(
            "from tf_keras import layers\n"
            "layers.Dense(4, kernel_regularizer={'class_name': 'L2'})\n",
            message="Improper config format",
        ),
        Invalid(
            "from keras.layers import Dense\n"
            "Dense(4, None, True, 'glorot_uniform', 'zeros', 0.01)\n",
            at=["2:49"],
        ),
        Invalid(
            "from keras import layers, regularizers\n"
            "layers.Dense(4, kernel_regularizer=regularizers.l2)\n",
            at=["2:36"],
            message="Keras 3 silently uses `L2(0.01)`",
            expected_fix="from keras import layers, regularizers\n"
            "layers.Dense(4, kernel_regularizer=regularizers.l2(0.0001))\n",
        ),
        Invalid(
            "import tensorflow as tf\n"
            "tf.keras.layers.Embedding(10, 4, embeddings_regularizer=tf.keras.regularizers.L1L2)\n",
            message="no penalty at all",
            expected_fix="import tensorflow as tf\n"
            "tf.keras.layers.Embedding(10, 4, "
            "embeddings_regularizer=tf.keras.regularizers.L1L2(l1=0.0001, l2=0.0001))\n",
        ),
        Invalid(
            "from keras.regularizers import OrthogonalRegularizer\nfrom keras import layers\n"
            "layers.Dense(4, kernel_regularizer=OrthogonalRegularizer)\n",
            expected_fix="from keras.regularizers import OrthogonalRegularizer\n"
            "from keras import layers\n"
            "layers.Dense(4, kernel_regularizer=OrthogonalRegularizer())\n",
        ),
        Invalid(
            "from keras import layers, regularizers\n"
            "layers.Dense(4, kernel_regularizer=regularizers.l2)\n",
            options={"fix-factor": 0.001},
            expected_fix="from keras import layers, regularizers\n"
            "layers.Dense(4, kernel_regularizer=regularizers.l2(0.001))\n",
        ),
        Invalid(
            "import numpy as np\nfrom keras import regularizers\n"
            "reg = regularizers.L2(np.float32(0.01))\n",
            at=["3:23"],
            message="np.float32",
            expected_fix="import numpy as np\nfrom keras import regularizers\n"
            "reg = regularizers.L2(0.01)\n",
        ),
        Invalid(
            "import numpy\nimport tensorflow as tf\n"
            "tf.keras.regularizers.l1_l2(l1=numpy.int64(rate), l2=tf.constant(1e-4))\n",
            at=["3:32", "3:54"],
            expected_fix="import numpy\nimport tensorflow as tf\n"
            "tf.keras.regularizers.l1_l2(l1=float(rate), l2=1e-4)\n",
        ),
        Invalid(
            "from keras.regularizers import L2\nL2('0.01')\n",
            at=["2:4"],
            message="string",
            expected_fix="from keras.regularizers import L2\nL2(0.01)\n",
        ),
        Invalid(
            "import math\nfrom keras.regularizers import L2\nL2(math.inf)\n", message="infinite"
        ),
        Invalid(
            "import numpy as np\nfrom keras.regularizers import l1\nl1(l1=-np.inf)\n",
            message="infinite",
        ),
        Invalid("from keras.regularizers import L2\nL2(float('nan'))\n", message="NaN"),
        Invalid("from keras.regularizers import L2\nL2(1e400)\n", message="infinite"),
        Invalid(
            "from keras.regularizers import L2\nL2(None)\n",
            at=["2:4"],
            message="silently means `L2(0.01)`",
        ),
        Invalid(
            "from keras.regularizers import OrthogonalRegularizer\n"
            "OrthogonalRegularizer(factor=None)\n",
            message="rejects",
        ),
        Invalid("from keras.regularizers import L2\nL2(True)\n", message="read as 1.0"),
        # a name assigned once, then passed as the regularizer
        Invalid(
            "from keras import layers\n\nWEIGHT_DECAY = 5e-4\n\n"
            "def block(x):\n"
            "    return layers.Dense(4, kernel_regularizer=WEIGHT_DECAY)(x)\n",
            at=["6:47"],
            message="`WEIGHT_DECAY` is assigned `5e-4`",
        ),
        Invalid(
            "from keras import layers\n"
            "def block(x):\n    reg = 'l1_l2'\n"
            "    return layers.Dense(4, kernel_regularizer=reg)(x)\n",
            at=["4:47"],
        ),
    )

    def __init__(self, context) -> None:
        super().__init__(context)
        self._stars = 0
        # name -> (assigned value, its scope (None: the module), star imports seen)
        self._assigned: dict[str, tuple[cst.BaseExpression, int | None, int]] = {}
        # (name node, argument name, the scopes it is in, flavors judged)
        self._uses: list[tuple[cst.Name, str, tuple[int | None, ...], tuple[str, ...]]] = []

    # --- simple assignments ----------------------------------------------------

    def visit_ImportFrom(self, node: cst.ImportFrom) -> None:
        if isinstance(node.names, cst.ImportStar):
            self._stars += 1

    def visit_Assign(self, node: cst.Assign) -> None:
        if len(node.targets) == 1 and isinstance(node.targets[0].target, cst.Name):
            self._remember(node.targets[0].target.value, node.value)

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        if node.value is not None and isinstance(node.target, cst.Name):
            self._remember(node.target.value, node.value)

    def _remember(self, name: str, value: cst.BaseExpression) -> None:
        names = self.context.imports
        if names.in_class_body:
            return  # a class attribute is not visible in the methods' bodies
        self._assigned.setdefault(name, (value, names.scope_chain[-1], self._stars))

    # --- calls -----------------------------------------------------------------

    def visit_Call(self, node: cst.Call) -> None:
        if not isinstance(node.func, (cst.Name, cst.Attribute)):
            return
        symbol = self.context.imports.symbol(node.func)
        if symbol is None:
            return
        if symbol.is_layer:
            flavors = judged_flavors(self.context, symbol.flavor)
            for arg_name, arg in regularizer_arguments(node, symbol.name, flavors):
                self._check_value(arg_name, arg.value, flavors)
        elif symbol.is_regularizer:
            found = regularizer_call(self.context.imports, node)
            if found is not None:
                flavors = judged_flavors(self.context, symbol.flavor)
                for param, expr in found.factors.items():
                    if expr is not None:
                        self._check_factor(found.name, param, expr, flavors)

    def _check_value(
        self, arg_name: str, value: cst.BaseExpression, flavors: tuple[str, ...]
    ) -> None:
        symbol = regularizer_symbol(self.context.imports, value)
        if symbol is not None:
            self._uncalled(value, symbol.name, flavors)
            return
        if isinstance(value, cst.Name) and value.value not in ("None", "True", "False"):
            if self.context.imports.resolve(value) is None:
                self._uses.append((value, arg_name, self.context.imports.scope_chain, flavors))
            return
        problem = self._literal_problem(value, flavors)
        if problem is not None:
            self.report(value, f"`{arg_name}={self._code(value)}`: {problem}")

    def _literal_problem(self, value: cst.BaseExpression, flavors: tuple[str, ...]) -> str | None:
        """Why a literal regularizer value is wrong, or None."""
        number = literal_number(value)
        if number is not None or isinstance(value, cst.Imaginary):
            factor = self._code(value) if number is not None and number > 0 else "..."
            return (
                f"a number is not a regularizer ({_UNINTERPRETED}); pass "
                f"`L2({factor})` or `L1({factor})`"
            )
        if literal_bool(value) is not None:
            return f"a bool is not a regularizer ({_UNINTERPRETED}); pass `None` or a regularizer"
        kind = _CONTAINERS.get(type(value))
        if kind is not None:
            return (
                f"a {kind} is not a regularizer and Keras does not combine its items "
                f"({_UNINTERPRETED}); pass one regularizer, e.g. `L1L2(l1=..., l2=...)`"
            )
        if isinstance(value, cst.Dict):
            return self._dict_problem(value, flavors)
        text = literal_string(value)
        if isinstance(text, bytes):
            return f"bytes are not a regularizer identifier ({_UNINTERPRETED})"
        if isinstance(text, str):
            return self._string_problem(text, flavors)
        return None

    def _string_problem(self, text: str, flavors: tuple[str, ...]) -> str | None:
        unknown = [f for f in flavors if text not in catalog.STRING_IDENTIFIERS[f]]
        if not unknown:
            return None
        if text in catalog.ZERO_STRING_IDENTIFIERS and any(f not in unknown for f in flavors):
            return None  # a zero penalty where it is known: RL003 says so
        errors = {
            catalog.KERAS3: "Keras 3 (`ValueError: Could not interpret regularizer identifier`)",
            catalog.KERAS2: "tf_keras (`TypeError: 'str' object is not callable`)",
        }
        message = f"{text!r} is unknown to {' and '.join(errors[f] for f in unknown)}"
        if text == "l1_l2":
            return f"{message}; tf_keras reads it as `L1L2(l1=0.01, l2=0.01)`: write that instead"
        known = sorted(set.intersection(*(set(catalog.STRING_IDENTIFIERS[f]) for f in flavors)))
        close = difflib.get_close_matches(text.strip(), known, n=1, cutoff=0.6)
        hint = (
            f"did you mean {close[0]!r}?" if close else f"use one of {', '.join(map(repr, known))}"
        )
        return f"{message}; {hint}"

    def _dict_problem(self, value: cst.Dict, flavors: tuple[str, ...]) -> str | None:
        keys = set()
        for element in value.elements:
            if not isinstance(element, cst.DictElement):
                return None  # ``**spread``: the keys are not known
            key = literal_string(element.key)
            if not isinstance(key, str):
                return None
            keys.add(key)
        if "class_name" not in keys:
            return (
                "a dict is read as a serialized regularizer and needs `class_name` and "
                '`config` (Keras raises `ValueError`); pass `{"class_name": "L2", '
                '"config": {"l2": 0.01}}` or a regularizer object'
            )
        if "config" not in keys and catalog.KERAS2 in flavors:
            return (
                "tf_keras needs both `class_name` and `config` in a serialized regularizer "
                "(`ValueError: Improper config format`; Keras 3 accepts it); add "
                '`"config": {...}`'
            )
        return None

    def _uncalled(self, value: cst.BaseExpression, name: str, flavors: tuple[str, ...]) -> None:
        canonical = catalog.canonical_regularizer(name)
        effects = []
        if catalog.KERAS3 in flavors:
            effects.append(f"Keras 3 silently uses {_UNCALLED_K3[canonical]}")
        if catalog.KERAS2 in flavors:
            effects.append(
                "Keras 2 (tf_keras) raises when the layer is built (`ValueError: "
                "... is not a valid regularization penalty number`)"
            )
        code = self._code(value)
        fix_factor = float(self.options.get("fix-factor", 1e-4))
        factor = repr(fix_factor)
        if canonical == "L1L2":
            args = f"l1={factor}, l2={factor}"
        elif canonical == "OrthogonalRegularizer":
            args = ""  # its own default, which Keras 3 uses today
        else:
            args = factor
        replacement = cst.Call(func=value, args=cst.parse_expression(f"f({args})").args)
        shown = f"`{code}`" if code.rpartition(".")[2] == name else f"`{code}` (Keras' `{name}`)"
        # Safe only when the call is what Keras 3, the only Keras judged, already
        # ran: any other factor changes training, and in tf_keras the model now trains.
        same = canonical == "OrthogonalRegularizer" or (
            canonical in ("L1", "L2") and fix_factor == _UNCALLED_FACTOR
        )
        self.report(
            value,
            f"{shown} is passed uncalled: {'; '.join(effects)}; call it with the factor you mean",
            replacement=replacement,
            fix_message=f"call it: `{code}({args})`",
            unsafe=not (same and flavors == (catalog.KERAS3,)),
        )

    # --- factors ---------------------------------------------------------------

    def _check_factor(
        self, name: str, param: str, expr: cst.BaseExpression, flavors: tuple[str, ...]
    ) -> None:
        code = self._code(expr)
        where = f"`{name}({param}={code})`" if len(FACTOR_PARAMS[name]) > 1 else f"`{name}({code})`"
        if isinstance(expr, cst.Name) and expr.value == "None":
            default = none_factor(name)
            if default is None:
                self.report(
                    expr, f"{where}: Keras rejects `None` as a factor (`ValueError`); pass a number"
                )
            elif default > 0:
                self.report(
                    expr,
                    f"{where} silently means `{name}({default})`: pass the factor "
                    f"you mean, or no regularizer at all (`None` in the layer)",
                )
            return
        flag = literal_bool(expr)
        if flag is not None:
            self.report(
                expr, f"{where}: the bool is read as {float(flag)}; pass the factor as a number"
            )
            return
        kind = nonfinite(self.context.imports, expr)
        if kind is not None:
            what = "NaN" if kind == "nan" else "infinite"
            self.report(expr, f"{where}: the factor is {what}; Keras rejects it (`ValueError`)")
            return
        text = literal_string(expr)
        if text is not None or isinstance(expr, cst.FormattedString):
            fix = None
            if isinstance(text, str) and _NUMBER_TEXT.fullmatch(text):
                fix = cst.parse_expression(text.strip())
            self.report(
                expr,
                f"{where}: a string factor is rejected ({_rejected(param, flavors)}); "
                f"pass the number",
                replacement=fix,
                fix_message="pass the number",
            )
            return
        maker = array_scalar(self.context.imports, expr)
        if maker is not None:
            self.report(
                expr,
                f"{where}: `{self._code(expr.func)}` is not a Python float; "
                f"{_rejected(param, flavors)}; pass a float (`np.float64` and "
                f"`float(...)` work)",
                replacement=_as_float(expr),
                fix_message="pass a Python float",
            )
            return
        if (
            isinstance(expr, cst.Imaginary)
            or type(expr) in _CONTAINERS
            or isinstance(expr, cst.Dict)
        ):
            self.report(
                expr,
                f"{where}: the factor must be a non-negative float; Keras rejects "
                f"it (`ValueError`)",
            )

    # --- names assigned once -----------------------------------------------------

    def leave_Module(self, original_node: cst.Module) -> None:
        if not self._uses:
            return
        uses_of: dict[str, int] = {}
        for name_node, *_ in self._uses:
            uses_of[name_node.value] = uses_of.get(name_node.value, 0) + 1
        occurrences: dict[str, int] = {}
        for name_node, arg_name, scopes, flavors in self._uses:
            name = name_node.value
            found = self._assigned.get(name)
            if found is None:
                continue
            value, scope, stars = found
            if scope is not None and scope not in scopes:
                continue
            if stars != self._stars:
                continue  # a later ``import *`` may rebind it
            # Exact: the name occurs nowhere else in the text (no other binding, no
            # other use that could reassign it through ``global``).
            if name not in occurrences:
                pattern = rf"\b{re.escape(name)}\b"
                occurrences[name] = len(re.findall(pattern, self.context.source))
            if occurrences[name] != 1 + uses_of[name]:
                continue
            problem = self._literal_problem(value, flavors)
            if problem is not None:
                self.report(
                    name_node,
                    f"`{arg_name}={name}`: `{name}` is assigned `{self._code(value)}`: {problem}",
                )

    def _code(self, node: cst.CSTNode) -> str:
        module = self.context.module or cst.Module(body=())
        text = " ".join(module.code_for_node(node).split())
        return text if len(text) <= 60 else text[:57] + "..."


def _rejected(param: str, flavors: tuple[str, ...]) -> str:
    """How each judged Keras rejects a factor that is not a Python number."""
    errors = []
    if catalog.KERAS3 in flavors:
        errors.append(f"Keras 3 raises `ValueError: Invalid value for argument {param}`")
    if catalog.KERAS2 in flavors:
        errors.append(
            "tf_keras (Keras 2) raises `ValueError: ... is not a valid regularization "
            "penalty number`"
        )
    return ", ".join(errors)


def _as_float(expr: cst.Call) -> cst.BaseExpression | None:
    """``np.float32(x)`` -> ``x`` for a number literal, else ``float(x)``."""
    if len(expr.args) != 1 or expr.args[0].star or expr.args[0].keyword is not None:
        return None
    inner = expr.args[0].value
    if literal_number(inner) is not None:
        return inner
    return cst.Call(func=cst.Name("float"), args=[cst.Arg(inner)])
