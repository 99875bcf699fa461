"""The libcst check of RL010 and its examples (the package says what the rule is)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar

import libcst as cst

from ... import catalog
from ...names import KerasSymbol
from ...rule import Invalid, Rule, Valid
from .._calls import argument, called_symbol
from .._regularizers import literal_string
from . import INFO

LEGACY_ENV = catalog.LEGACY_KERAS_ENV
KERAS_2 = "Keras 2"
KERAS_3 = "Keras 3"
_BASES = frozenset({"Layer", "Model", "Sequential"})


@dataclass(frozen=True)
class _Build:
    node: cst.CSTNode
    symbol: KerasSymbol
    spelled: str


class MixedKerasFlavors(Rule):
    info = INFO

    VALID: ClassVar[Sequence[Valid]] = [
        Valid(
            "import tf_keras\nimport keras\n"
            "model = tf_keras.Sequential([tf_keras.layers.Dense(4)])  # noqa: RL001\n"
        ),
        Valid(
            "import os\nos.environ['TF_USE_LEGACY_KERAS'] = '1'\n"
            "import tensorflow as tf\nimport tf_keras\n"
            "a = tf.keras.layers.Dropout(0.5)\nb = tf_keras.layers.Dropout(0.5)\n"
        ),
        Valid(
            "import tensorflow as tf\nimport keras\n"
            "a = tf.keras.layers.Dropout(0.5)\nb = keras.layers.Dropout(0.5)\n"
        ),
        Valid(
            "import os\nos.environ.setdefault('TF_USE_LEGACY_KERAS', 'True')\n"
            "import tensorflow as tf\nfrom tf_keras import layers\n"
            "m = tf.keras.Sequential([layers.Dropout(0.5)])\n"
        ),
        Valid(
            "import os\nos.environ.update({'TF_USE_LEGACY_KERAS': '1'})\n"
            "import tensorflow as tf, tf_keras\n"
            "class Block(tf_keras.layers.Layer):\n    pass\n"
            "m = tf.keras.Sequential([tf.keras.layers.Dropout(0.5)])\n"
        ),
        # ``tensorflow.python`` for something else than Keras: no Keras 2 here.
        Valid(
            "import tensorflow as tf\nimport keras\n"
            "from tensorflow.python.eager import context\n"
            "a = keras.layers.Dropout(0.5)\nb = tf.keras.layers.Dropout(0.5)\n"
        ),
    ]
    INVALID: ClassVar[Sequence[Invalid]] = [
        Invalid(
            "import keras\nimport tf_keras\n"
            "inputs = keras.Input((4,))\n"
            "x = keras.layers.Dropout(0.5)(inputs)\n"
            "y = tf_keras.layers.Dropout(0.5)(x)\n",
            at=["5:5"],
            message="line 3",
        ),
        Invalid(
            "import tensorflow as tf\nfrom tf_keras import layers\n"
            "m = tf.keras.Sequential([layers.Dropout(0.5)])\n",
            at=["3:26"],
            message="Keras 2",
        ),
        Invalid(
            "import os\nos.environ['TF_USE_LEGACY_KERAS'] = '1'\n"
            "import keras\nimport tensorflow as tf\n"
            "a = tf.keras.layers.Dropout(0.5)\nb = tf.keras.layers.Dropout(0.5)\n"
            "c = keras.layers.Dropout(0.5)\n",
            at=["7:5"],
            message="TF_USE_LEGACY_KERAS",
        ),
        Invalid(
            "import os\nos.environ['TF_USE_LEGACY_KERAS'] = '0'\n"
            "import tensorflow as tf, tf_keras\n"
            "class Block(tf_keras.layers.Layer):\n    pass\n"
            "m = tf.keras.Sequential()\n",
            at=["6:5"],
        ),
        Invalid(
            "import tensorflow as tf\n"
            "a = tf.keras.layers.Dropout(0.5)\nb = tf.keras.layers.Dropout(0.5)\n"
            "c = tf.python.keras.layers.Dropout(0.5)\n",
            at=["4:5"],
            message="Keras 2",
        ),
        Invalid(
            "import tensorflow as tf\nfrom tensorflow.python import keras as legacy\n"
            "a = tf.keras.layers.Dropout(0.5)\nb = legacy.layers.Dropout(0.5)\n",
            at=["4:5"],
        ),
        Invalid(
            "import tensorflow as tf\nfrom tensorflow import python  # internal\n"
            "a = tf.keras.layers.Dropout(0.5)\nb = python.keras.layers.Dropout(0.5)\n",
            at=["4:5"],
        ),
    ]

    def __init__(self, context) -> None:
        super().__init__(context)
        self._builds: list[_Build] = []
        self._legacy = False

    def visit_Call(self, node: cst.Call) -> None:
        symbol = called_symbol(self.context.imports, node)
        if symbol is not None and _builds_object(symbol):
            self._add(node, node.func, symbol)
        elif _environ_method(node.func, ("setdefault", "__setitem__")):
            key, value = argument(node, "key", 0), argument(node, "default", 1)
            if key is not None and value is not None:
                self._setting(key.value, value.value)
        elif _environ_method(node.func, ("update",)):
            for arg in node.args:
                if arg.keyword is not None and arg.keyword.value == LEGACY_ENV:
                    self._setting(cst.SimpleString(repr(LEGACY_ENV)), arg.value)
                elif arg.keyword is None and not arg.star and isinstance(arg.value, cst.Dict):
                    for element in arg.value.elements:
                        if isinstance(element, cst.DictElement):
                            self._setting(element.key, element.value)

    def visit_Assign(self, node: cst.Assign) -> None:
        for target in node.targets:
            sub = target.target
            if (
                isinstance(sub, cst.Subscript)
                and _is_environ(sub.value)
                and len(sub.slice) == 1
                and isinstance(sub.slice[0].slice, cst.Index)
            ):
                self._setting(sub.slice[0].slice.value, node.value)

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        for base in node.bases:
            if base.keyword is None and isinstance(base.value, (cst.Name, cst.Attribute)):
                symbol = self.context.imports.symbol(base.value)
                if symbol is not None and (symbol.is_layer or symbol.name in _BASES):
                    self._add(base.value, base.value, symbol)

    def _add(self, node: cst.CSTNode, func: cst.BaseExpression, symbol: KerasSymbol) -> None:
        module = self.context.module
        spelled = module.code_for_node(func) if module is not None else symbol.name
        self._builds.append(_Build(node, symbol, spelled))

    def _setting(self, key: cst.BaseExpression, value: cst.BaseExpression) -> None:
        legacy = literal_string(value) in catalog.LEGACY_KERAS_VALUES
        if literal_string(key) == LEGACY_ENV and legacy:
            self._legacy = True

    def _keras(self, symbol: KerasSymbol) -> str:
        if symbol.flavor == catalog.KERAS2:
            return KERAS_2
        if symbol.flavor == catalog.TF_KERAS and self._legacy:
            return KERAS_2
        return KERAS_3

    def leave_Module(self, original_node: cst.Module) -> None:
        groups: dict[str, list[_Build]] = {}
        for build in self._builds:
            groups.setdefault(self._keras(build.symbol), []).append(build)
        if len(groups) < 2:
            return
        first, second = sorted(groups.values(), key=lambda g: self._builds.index(g[0]))
        # Report where the fewer objects are built (on a tie: the later flavor).
        minority, majority = (first, second) if len(first) < len(second) else (second, first)
        where, other = minority[0], majority[0]
        self.report(
            where.node,
            f"`{where.spelled}` is {self._describe(where.symbol)} but this module also "
            f"builds {self._describe(other.symbol)} objects (`{other.spelled}`, line "
            f"{self.context.line_of(other.node)}): layers and models of the two Kerases "
            "do not mix; build everything with one",
        )

    def _describe(self, symbol: KerasSymbol) -> str:
        keras = self._keras(symbol)
        if symbol.flavor == catalog.TF_KERAS:
            if keras == KERAS_2:
                return f"{keras} (`tf.keras` with {LEGACY_ENV}=1)"
            return f"{keras} (`tf.keras`)"
        if symbol.flavor == catalog.KERAS2:
            return f"{keras} (`tf_keras`)"
        return f"{keras} (`keras`)"


def _builds_object(symbol: KerasSymbol) -> bool:
    if symbol.module == "layers":
        return symbol.name[:1].isupper()
    if symbol.module == "applications":  # not ``applications.resnet.preprocess_input``
        return symbol.name[:1].isupper()
    return symbol.is_model_factory or (symbol.module == "" and symbol.name == "Input")


def _is_environ(expr: cst.BaseExpression) -> bool:
    if isinstance(expr, cst.Attribute):
        return expr.attr.value == "environ"
    return isinstance(expr, cst.Name) and expr.value == "environ"


def _environ_method(func: cst.BaseExpression, names: tuple[str, ...]) -> bool:
    return isinstance(func, cst.Attribute) and func.attr.value in names and _is_environ(func.value)
