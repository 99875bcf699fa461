"""The libcst check of RL003 and its examples (the package says what the rule is)."""

from __future__ import annotations

import math

import libcst as cst

from ... import catalog
from ...rule import Invalid, Rule, Valid
from .._regularizers import (
    FACTOR_PARAMS,
    default_factors,
    judged_flavors,
    labels,
    literal_number,
    literal_string,
    none_factor,
    regularizer_arguments,
    regularizer_call,
)
from . import INFO

#: What the string identifiers each Keras accepts mean (factor values).
_STRING_FACTORS = {
    "l1": {"l1": 0.01},
    "L1": {"l1": 0.01},
    "l2": {"l2": 0.01},
    "L2": {"l2": 0.01},
    "L1L2": {"l1": 0.0, "l2": 0.0},
    "l1l2": {"l1": 0.0, "l2": 0.0},
    "l1_l2": {"l1": 0.01, "l2": 0.01},  # tf_keras only
    "orthogonal_regularizer": {"factor": 0.01},
    "OrthogonalRegularizer": {"factor": 0.01},
}
_CONFIG_CLASSES = ("L1", "L2", "L1L2", "OrthogonalRegularizer")

Factors = dict[str, "float | None"]  # None: not known statically


class IneffectiveRegularizationFactor(Rule):
    info = INFO

    VALID = (
        Valid("from keras import regularizers\nregularizers.L2(1e-4)\nregularizers.l2()\n"),
        Valid("from keras import regularizers\nregularizers.l1_l2(l1=0, l2=1e-4)\n"),
        Valid("from keras.regularizers import L1L2\nL1L2(1e-5)\nL1L2(l2=1e-4)\n"),
        Valid("from tf_keras import regularizers\nregularizers.l1_l2()\n"),
        Valid(
            "import os\nos.environ['TF_USE_LEGACY_KERAS'] = '1'\nimport tensorflow as tf\n"
            "reg = tf.keras.regularizers.l1_l2()\n"
        ),
        Valid("from keras import regularizers\nregularizers.L2(rate)\nregularizers.L2(**cfg)\n"),
        Valid("from keras import regularizers\nregularizers.L1L2(*factors)\n"),
        Valid("from keras import layers\nlayers.Dense(4, kernel_regularizer='l2')\n"),
        Valid(
            "from keras import layers\n"
            "layers.Dense(4, kernel_regularizer={'class_name': 'L2', 'config': {'l2': 1e-4}})\n"
        ),
        Valid(
            "from keras.regularizers import L2\nL2(1e-4)\n",
            options={"factor-min": 1e-6, "factor-max": 1e-2},
        ),
        Valid("import keras\ndef l2(x):\n    return x\nl2(0)\n"),
        Valid("import torch\nl2 = torch.tensor(0)\n"),
        # a helper's factor parameter: judged at each call, never at the helper
        Valid(
            "from keras import layers, regularizers\n"
            "def fc(x, decay=1e-4):\n"
            "    return layers.Dense(4, kernel_regularizer=regularizers.l2(decay))(x)\n"
            "fc(x)\nfc(x, 1e-3)\n",
            options={"cross-calls": True},
        ),
    )
    INVALID = (
        # across calls (issue 9): the call leaves the factor 0, the layer is a related location
        Invalid(
            "from keras import layers, regularizers\n"
            "DECAY = 0.0\n"
            "def fc(x, decay=1e-4):\n"
            "    return layers.Dense(4, kernel_regularizer=regularizers.l2(decay))(x)\n"
            "fc(x)\nfc(x, decay=DECAY)\n",
            at=["6:1"],
            message="`fc(...)` gives the `Dense` it builds `l2(l2=0.0)`",
            options={"cross-calls": True},
        ),
        Invalid(
            "from keras import layers, regularizers\n"
            "def fc(x, decay=0.0):\n"
            "    return layers.Dense(4, kernel_regularizer=regularizers.L2(decay))(x)\n"
            "fc(x)\n",
            at=["4:1"],
            options={"cross-calls": True},
        ),
        Invalid(
            "from keras import layers, regularizers\nRATE = -1e-4\n"
            "layers.Dense(4, kernel_regularizer=regularizers.L2(RATE))\n",
            at=["3:1"],
            message="rewards large weights",
            options={"cross-calls": True},
        ),
        Invalid(
            "from keras import regularizers\nreg = regularizers.l2(0)\n",
            at=["2:7"],
            message="adds no penalty",
        ),
        Invalid(
            "from keras.regularizers import L2\nL2(0.0)\nL2(-0.0)\nL2(l2=0e-3)\n",
            at=["2:1", "3:1", "4:1"],
        ),
        Invalid(
            "import tensorflow as tf\n"
            "tf.keras.layers.Dense(4, kernel_regularizer="
            "tf.keras.regularizers.l1_l2(l1=0, l2=0))\n",
            at=["2:45"],
            message="every factor is 0",
        ),
        Invalid(
            "from tf_keras import regularizers\nregularizers.l2(-1e-4)\n",
            message="rewards large weights",
            options={"cross-calls": True},
        ),
        Invalid(
            "from keras import regularizers\nregularizers.L1L2(l1=-0.01, l2=0.01)\n",
            message="Keras 3 rejects it",
        ),
        Invalid("from keras import regularizers\nregularizers.L1L2()\n", message="default to 0"),
        Invalid("from tf_keras import regularizers\nregularizers.L1L2()\n", message="no penalty"),
        Invalid(
            "from keras import regularizers\nregularizers.l1_l2()\n",
            message="tf_keras's `l1_l2` defaults to 0.01",
        ),
        Invalid(
            "import tensorflow as tf\nreg = tf.keras.regularizers.l1_l2(None)\n",
            message="in Keras 3",
        ),
        Invalid(
            "from keras import layers\nlayers.Dense(4, kernel_regularizer='L1L2')\n",
            at=["2:36"],
            message="`L1L2(l1=0, l2=0)`",
        ),
        Invalid(
            "import tensorflow as tf\ntf.keras.layers.Dense(4, kernel_regularizer='l1l2')\n",
            message="Keras 3",
        ),
        Invalid(
            "from keras import layers\n"
            "layers.Dense(4, kernel_regularizer={'class_name': 'L2', 'config': {'l2': 0.0}})\n",
            at=["2:36"],
        ),
        Invalid(
            "from keras.regularizers import OrthogonalRegularizer as Ortho\n"
            "Ortho(factor=0, mode='columns')\n",
            at=["2:1"],
        ),
        Invalid(
            "from keras.regularizers import L2\nL2(0.5)\n",
            options={"factor-max": 0.01},
            message="above `factor-max`",
        ),
        Invalid(
            "from keras import layers\nlayers.Dense(4, kernel_regularizer='l2')\n",
            options={"factor-max": 1e-3},
            message="0.01",
        ),
        Invalid(
            "from keras.regularizers import L1L2\nL1L2(l1=1e-9, l2=1e-4)\n",
            options={"factor-min": 1e-6},
            message="`l1=1e-09` is below `factor-min`",
        ),
        # A literal too large for a double reads as inf (it used to crash the message).
        Invalid(
            "from keras.regularizers import L2\nL2(1e999)\n",
            options={"factor-max": 0.01},
            message="`l2=inf` is above",
        ),
    )

    def visit_Call(self, node: cst.Call) -> None:
        if not isinstance(node.func, (cst.Name, cst.Attribute)):
            return
        symbol = self.context.imports.symbol(node.func)
        if symbol is None:
            return
        if symbol.is_regularizer:
            found = regularizer_call(self.context.imports, node)
            if found is None:
                return
            flavors = judged_flavors(self.context, symbol.flavor)
            by_flavor = {f: self._call_factors(found, f) for f in flavors}
            self._judge(node, found.name, by_flavor, flavors, defaulted=self._defaulted(found))
        elif symbol.is_layer:
            flavors = judged_flavors(self.context, symbol.flavor)
            for _, arg in regularizer_arguments(node, symbol.name, flavors):
                self._check_value(arg.value, flavors)

    # --- what each factor is ---------------------------------------------------

    @staticmethod
    def _defaulted(found) -> list[str]:
        if found.opaque:
            return []
        return [p for p, expr in found.factors.items() if expr is None]

    @staticmethod
    def _call_factors(found, flavor: str) -> Factors:
        defaults = default_factors(found.name, flavor)
        values: Factors = {}
        for param, expr in found.factors.items():
            if expr is None:
                values[param] = None if found.opaque else defaults.get(param)
            elif isinstance(expr, cst.Name) and expr.value == "None":
                values[param] = none_factor(found.name)
            else:
                values[param] = literal_number(expr)
        return values

    def _check_value(self, value: cst.BaseExpression, flavors: tuple[str, ...]) -> None:
        text = literal_string(value)
        if isinstance(text, str):
            by_flavor = {
                f: dict(_STRING_FACTORS[text])
                for f in flavors
                if text in catalog.STRING_IDENTIFIERS[f] and text in _STRING_FACTORS
            }
            if by_flavor:
                self._judge(
                    value,
                    repr(text),
                    by_flavor,
                    flavors,
                    defaulted=list(_STRING_FACTORS[text]),
                    string=True,
                )
        elif isinstance(value, cst.Dict):
            config = _config_factors(value)
            if config is not None:
                name, values = config
                self._judge(value, name, dict.fromkeys(flavors, values), flavors, defaulted=[])

    # --- the verdict -------------------------------------------------------------

    def _judge(
        self,
        node: cst.CSTNode,
        name: str,
        by_flavor: dict[str, Factors],
        judged: tuple[str, ...],
        *,
        defaulted: list[str],
        string: bool = False,
    ) -> None:
        """Report ``node`` when its factors (per Keras judged) are negative, all zero
        in some Keras, or outside the configured range."""
        if not by_flavor:
            return
        flavors = list(judged)
        any_values = next(iter(by_flavor.values()))
        negative = {p: v for p, v in any_values.items() if v is not None and v < 0}
        if negative:
            factors = ", ".join(f"`{p}={_num(v)}`" for p, v in negative.items())
            effects = []
            if catalog.KERAS3 in flavors:
                effects.append(
                    "Keras 3 rejects it (`ValueError: ... expected a non-negative float`)"
                )
            if catalog.KERAS2 in flavors:
                effects.append(
                    "tf_keras accepts it and the negative penalty rewards large "
                    "weights (the training loss drops below the data loss)"
                )
            self.report(
                node,
                f"`{self._code(node)}`: negative factor {factors}: {'; '.join(effects)}; "
                f"pass a positive factor",
            )
            return
        zero = [
            f
            for f, values in by_flavor.items()
            if values and all(v is not None and v == 0 for v in values.values())
        ]
        if zero:
            code = self._code(node)
            self.report(node, self._zero_message(code, name, zero, flavors, defaulted, string))
            return
        self._check_range(node, any_values)

    def _zero_message(
        self,
        code: str,
        name: str,
        zero: list[str],
        flavors: list[str],
        defaulted: list[str],
        string: bool,
    ) -> str:
        where = "" if zero == flavors else f" in {labels(zero)}"
        if string:
            unknown = [f for f in flavors if f not in zero]
            note = f" ({labels(unknown)} does not know it)" if unknown else ""
            return (
                f"`{code}`{where} means `L1L2(l1=0, l2=0)`{note}: the regularizer adds no "
                f"penalty; pass `L1L2(l1=..., l2=...)` with the factors you mean, or `'l2'`"
            )
        if defaulted:
            note = ""
            if name == "l1_l2" and catalog.KERAS3 in zero:
                note = " (in Keras 3 `l1_l2` is `L1L2`; only tf_keras's `l1_l2` defaults to 0.01)"
            omitted = " and ".join(f"`{p}`" for p in defaulted)
            verb = "defaults" if len(defaulted) == 1 else "default"
            return (
                f"`{code}`{where}: every factor is 0, {omitted} {verb} to 0: the "
                f"regularizer adds no penalty; pass the factors you mean{note}"
            )
        return (
            f"`{code}`{where}: every factor is 0: the regularizer adds no penalty; pass a "
            f"positive factor, or remove the regularizer on purpose"
        )

    def _check_range(self, node: cst.CSTNode, values: Factors) -> None:
        low, high = _bound(self.options.get("factor-min")), _bound(self.options.get("factor-max"))
        if low is None and high is None:
            return
        for param, value in values.items():
            if value is None or value <= 0:
                continue
            if low is not None and value < low:
                self.report(
                    node,
                    f"`{self._code(node)}`: `{param}={_num(value)}` is below `factor-min` "
                    f"({_num(low)}) configured for this project",
                )
                return
            if high is not None and value > high:
                self.report(
                    node,
                    f"`{self._code(node)}`: `{param}={_num(value)}` is above `factor-max` "
                    f"({_num(high)}) configured for this project",
                )
                return

    def _code(self, node: cst.CSTNode) -> str:
        module = self.context.module or cst.Module(body=())
        text = " ".join(module.code_for_node(node).split())
        return text if len(text) <= 60 else text[:57] + "..."


def _config_factors(value: cst.Dict) -> tuple[str, Factors] | None:
    """``("L2", {"l2": 0.0})`` for ``{"class_name": "L2", "config": {"l2": 0.0}}``."""
    entries = _literal_dict(value)
    if entries is None or "class_name" not in entries or "config" not in entries:
        return None
    name = literal_string(entries["class_name"])
    config = entries["config"]
    if name not in _CONFIG_CLASSES or not isinstance(config, cst.Dict):
        return None
    given = _literal_dict(config)
    if given is None:
        return None
    defaults = default_factors(name, catalog.KERAS3)
    values: Factors = {}
    for param in FACTOR_PARAMS[name]:
        values[param] = literal_number(given[param]) if param in given else defaults.get(param)
    return name, values


def _literal_dict(value: cst.Dict) -> dict[str, cst.BaseExpression] | None:
    out = {}
    for element in value.elements:
        if not isinstance(element, cst.DictElement):
            return None
        key = literal_string(element.key)
        if not isinstance(key, str):
            return None
        out[key] = element.value
    return out


def _bound(value) -> float | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        bound = float(value)
    except (TypeError, ValueError):
        return None
    return bound if math.isfinite(bound) else None


def _num(value: float) -> str:
    if math.isfinite(value) and value == int(value) and abs(value) < 1e15:
        return repr(int(value))
    return repr(value)
