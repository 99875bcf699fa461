"""The libcst check of RL009 and its examples (the package says what the rule is)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

import libcst as cst

from ... import catalog
from ...rule import Invalid, Rule, Valid
from .._calls import argument, called_symbol, has_star_args
from .._regularizers import default_factors, literal_number, literal_string, regularizer_call
from . import INFO

#: Measured on Keras 3.15.1 and tf_keras 2.21.0: ``AdamW(weight_decay=0.004)``
#: is the default, and ``optimizers.get("adamw")`` builds it.
ADAMW_DEFAULT = 0.004
_ADAMW_DECAY_POSITION = 1  # AdamW(learning_rate, weight_decay, ...) in both Kerases
#: TensorFlow Addons' decoupled weight decay optimizers (``weight_decay`` first).
_ADDONS = {"tensorflow_addons.optimizers.AdamW", "tensorflow_addons.optimizers.SGDW"}
_L2_STRINGS = frozenset({"l2", "L2"})


class L2WithWeightDecay(Rule):
    info = INFO

    VALID: ClassVar[Sequence[Valid]] = [
        Valid(
            "from keras import layers, optimizers\n"
            "layers.Dense(4, kernel_regularizer='l2')\n"
            "opt = optimizers.Adam(1e-3)\n"
        ),
        Valid(
            "from keras import layers, optimizers\n"
            "layers.Dense(4, kernel_regularizer='l1')\n"
            "opt = optimizers.AdamW()\n"
        ),
        Valid(
            "from keras import layers, optimizers\n"
            "layers.Dense(4, kernel_regularizer='l2')\n"
            "opt = optimizers.AdamW(weight_decay=0.0)\n"
        ),
        Valid(
            "from keras import layers, optimizers, regularizers\n"
            "layers.Dense(4, kernel_regularizer=regularizers.L2(0))\n"
            "opt = optimizers.SGD(weight_decay=1e-4)\n"
        ),
        Valid(
            "from keras import layers, optimizers, regularizers\n"
            "layers.Dense(4, kernel_regularizer=regularizers.L1L2(l1=1e-4))\n"
            "opt = optimizers.AdamW()\n"
        ),
        Valid(
            "from keras import layers, regularizers\n"
            "layers.Dense(4, activity_regularizer=regularizers.L2(1e-4))\n"
            "model.compile(optimizer='adamw', loss='mse')\n"
        ),
        Valid(
            "import tensorflow as tf\n"
            "layers = [tf.keras.layers.Dense(4, kernel_regularizer='l2')]\n"
            "opt = tf.keras.optimizers.SGD(weight_decay=None)\n"
        ),
        Valid(
            "from keras import layers\n"
            "layers.Dense(4, kernel_regularizer='l2')\n"
            "opt = torch.optim.AdamW(params, weight_decay=0.01)\n"
        ),
    ]
    INVALID: ClassVar[Sequence[Invalid]] = [
        Invalid(
            "from keras import layers, optimizers\n"
            "layers.Dense(4, kernel_regularizer='l2')\n"
            "opt = optimizers.AdamW(1e-3)\n",
            at=["3:7"],
            message="0.004 by default",
        ),
        Invalid(
            "import tensorflow as tf\n"
            "opt = tf.keras.optimizers.SGD(0.1, weight_decay=5e-4)\n"
            "reg = tf.keras.regularizers.l2(1e-4)\n"
            "x = tf.keras.layers.Conv2D(8, 3, kernel_regularizer=reg)\n",
            at=["2:7"],
            message="line 3",
        ),
        Invalid(
            "from keras import layers, regularizers\n"
            "layers.Dense(4, kernel_regularizer=regularizers.L1L2(1e-5, 1e-4))\n"
            "model.compile(optimizer='adamw', loss='mse')\n",
            at=["3:25"],
            message='"adamw"',
        ),
        Invalid(
            "from tf_keras import layers, regularizers, optimizers\n"
            "layers.Dense(4, kernel_regularizer=regularizers.l1_l2(l1=1e-5))\n"
            "opt = optimizers.AdamW(1e-3, 1e-2)\n",
            at=["3:7"],
            message="`weight_decay=1e-2`",
        ),
        Invalid(
            "from keras.optimizers import AdamW\n"
            "from keras.layers import Dense\n"
            "def build(wd):\n"
            "    Dense(4, kernel_regularizer='L2')\n"
            "    return AdamW(weight_decay=wd)\n",
            at=["5:12"],
        ),
    ]

    def __init__(self, context) -> None:
        super().__init__(context)
        self._l2: list[cst.CSTNode] = []
        self._decays: list[tuple[cst.CSTNode, str]] = []
        self._activity: set[int] = set()  # ids of activity_regularizer values

    def visit_Arg(self, node: cst.Arg) -> None:
        if node.keyword is None:
            return
        keyword = node.keyword.value
        if keyword == catalog.ACTIVITY:
            self._activity.add(id(node.value))
        elif (
            keyword in catalog.WEIGHT_REGULARIZER_ARGS and literal_string(node.value) in _L2_STRINGS
        ):
            self._l2.append(node.value)

    def visit_Call(self, node: cst.Call) -> None:
        imports = self.context.imports
        if id(node) not in self._activity:
            reg = regularizer_call(imports, node)
            if reg is not None:
                if _penalizes_l2(reg.canonical, reg.name, reg.factors, reg.symbol.flavor):
                    self._l2.append(node)
                return
        if isinstance(node.func, cst.Attribute) and node.func.attr.value == "compile":
            self._string_optimizer(argument(node, "optimizer", 0))
            return
        symbol = called_symbol(imports, node)
        if symbol is not None and symbol.module == "optimizers":
            if symbol.name == "get":
                self._string_optimizer(argument(node, "identifier", 0))
            elif symbol.name[:1].isupper():
                self._optimizer(node, symbol.name)
        elif (
            isinstance(node.func, (cst.Name, cst.Attribute))
            and imports.resolve(node.func) in _ADDONS
        ):
            self._optimizer(node, imports.resolve(node.func).rsplit(".", 1)[1], position=0)

    def _string_optimizer(self, arg: cst.Arg | None) -> None:
        if arg is None:
            return
        text = literal_string(arg.value)
        if isinstance(text, str) and text.lower() == "adamw":
            self._decays.append(
                (arg.value, f'`"{text}"` is AdamW, with weight decay {ADAMW_DEFAULT} by default')
            )

    def _optimizer(self, node: cst.Call, name: str, position: int | None = None) -> None:
        is_adamw = name == "AdamW"
        if is_adamw and position is None:
            position = _ADAMW_DECAY_POSITION
        arg = argument(node, "weight_decay", position)
        if arg is None:
            if is_adamw and not has_star_args(node):
                self._decays.append(
                    (node, f"`{name}` applies weight decay ({ADAMW_DEFAULT} by default)")
                )
            return
        value = literal_number(arg.value)
        if value is not None and value <= 0:
            return
        if isinstance(arg.value, cst.Name) and arg.value.value == "None":
            return
        code = self.context.module.code_for_node(arg.value) if self.context.module else "..."
        self._decays.append((node, f"`{name}` applies weight decay (`weight_decay={code}`)"))

    def leave_Module(self, original_node: cst.Module) -> None:
        if not self._l2 or not self._decays:
            return
        line = self.context.line_of(self._l2[0])
        for node, what in self._decays:
            self.report(
                node,
                f"{what} and this module also regularizes weights with L2 (line {line}): "
                "the weights are penalized twice; keep one of the two",
            )


def _penalizes_l2(canonical: str, name: str, factors: dict, flavor: str) -> bool:
    """Whether a regularizer construction puts a positive L2 factor on its weight."""
    if canonical not in ("L2", "L1L2"):
        return False
    expr = factors.get("l2")
    if expr is None:
        judged = catalog.KERAS3 if flavor == catalog.TF_KERAS else flavor
        return default_factors(name, judged).get("l2", 0.0) > 0
    if isinstance(expr, cst.Name) and expr.value == "None":
        return canonical == "L2"  # L2(None) is 0.01; L1L2(l2=None) is 0
    value = literal_number(expr)
    return value is None or value > 0
