"""The libcst check of RL005 and its examples (the package says what the rule is)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import ClassVar

import libcst as cst

from ... import catalog
from ...names import dotted_name
from ...rule import Invalid, Rule, Valid
from . import INFO

# Calls that rebuild a model from its (changed) config: the working recipe.
_REBUILDS = frozenset(
    {
        "clone_model",
        "model_from_json",
        "model_from_config",
        "model_from_yaml",
        "load_model",
        "from_config",
        "deserialize_keras_object",
    }
)
# ``cfg.kernel_regularizer = "l2"`` sets a setting, not a layer's attribute.
_SETTINGS_OBJECT = re.compile(
    r"(?:^|_)(?:config|cfg|conf|args|params|hparams|hp|opts|options|flags|settings|kwargs)$",
    re.IGNORECASE,
)
# ``self.kernel_regularizer = ...`` in these methods runs before the weights exist.
_CONSTRUCTION_METHODS = frozenset({"__init__", "build"})


class RegularizerSetAfterBuild(Rule):
    info = INFO

    VALID: ClassVar[Sequence[Valid]] = [
        Valid(
            "from keras import layers\n"
            "class MyDense(layers.Layer):\n"
            "    def __init__(self, kernel_regularizer=None):\n"
            "        super().__init__()\n"
            "        self.kernel_regularizer = kernel_regularizer\n"
        ),
        Valid("for layer in model.layers:\n    layer.activity_regularizer = 'l2'\n"),
        Valid(
            "import keras\n"
            "def add_l2(model):\n"
            "    for layer in model.layers:\n"
            "        layer.kernel_regularizer = keras.regularizers.L2(1e-4)\n"
            "    return keras.models.model_from_json(model.to_json())\n"
        ),
        Valid(
            "import keras\n"
            "for layer in base.layers:\n"
            "    layer.kernel_regularizer = 'l2'\n"
            "model = keras.models.clone_model(base)\n"
        ),
        Valid(
            "for layer in model.layers:\n"
            "    layer.kernel_regularizer = 'l2'\n"
            "model.save('m.keras')\n"
            "model = keras.saving.load_model('m.keras')\n"
        ),
        Valid("config.kernel_regularizer = 'l2'\nargs.bias_regularizer = None\n"),
        Valid(
            "layer_config['kernel_regularizer'] = {'class_name': 'L2', 'config': {'l2': 1e-4}}\n"
        ),
        Valid("setattr(layer, 'activity_regularizer', reg)\n"),
        Valid("for layer in model.layers:\n    layer.kernel_regularizer = reg  # noqa: RL005\n"),
    ]
    INVALID: ClassVar[Sequence[Invalid]] = [
        Invalid(
            "import keras\n"
            "model = keras.applications.MobileNetV2(weights=None)\n"
            "for layer in model.layers:\n"
            "    if hasattr(layer, 'kernel_regularizer'):\n"
            "        layer.kernel_regularizer = keras.regularizers.L2(1e-4)\n",
            at=["5:9"],
            message="`layer.kernel_regularizer`",
        ),
        Invalid(
            "model.layers[0].bias_regularizer = 'l2'\n",
            at=["1:1"],
            message="no effect on a built layer",
        ),
        Invalid(
            "for layer in model.layers:\n"
            "    for attr in ['kernel_regularizer']:\n"
            "        pass\n"
            "    setattr(layer, 'depthwise_regularizer', reg)\n",
            at=["4:5"],
            message="layer.depthwise_regularizer`",
        ),
        Invalid(
            "dense.kernel_regularizer = emb.embeddings_regularizer = 'l2'\n", at=["1:1", "1:28"]
        ),
        Invalid(
            "class Trainer:\n    def regularize(self):\n        self.kernel_regularizer = 'l2'\n",
            at=["3:9"],
        ),
        Invalid(
            "import keras\n"
            "model = keras.models.load_model('base.keras')\n"
            "model.layers[-1].kernel_regularizer = keras.regularizers.L2(1e-4)\n"
            "model.compile('adam', 'mse')\n",
            at=["3:1"],
            message="rebuild",
        ),
    ]

    def __init__(self, context) -> None:
        super().__init__(context)
        self._order = 0
        self._rebuilds: list[tuple[int | None, int]] = []  # (scope, order); None: the module
        # (node, what is shown, the scopes it is in, order)
        self._candidates: list[tuple[cst.CSTNode, str, tuple[int | None, ...], int]] = []

    # --- facts --------------------------------------------------------------
    def visit_Call(self, node: cst.Call) -> None:
        self._order += 1
        callee = (
            dotted_name(node.func) if isinstance(node.func, (cst.Name, cst.Attribute)) else None
        )
        if callee is None and isinstance(node.func, cst.Attribute):
            callee = node.func.attr.value  # type(model).from_config(...)
        last = callee.rsplit(".", 1)[-1] if callee else None
        if last in _REBUILDS:
            self._rebuilds.append((self.context.imports.scope_chain[-1], self._order))
        elif callee == "setattr" and len(node.args) >= 2:
            attr = node.args[1].value
            if isinstance(attr, cst.SimpleString) and attr.raw_value in (
                catalog.WEIGHT_REGULARIZER_ARGS
            ):
                self._candidate(node, node.args[0].value, attr.raw_value)

    def visit_Assign(self, node: cst.Assign) -> None:
        for target in node.targets:
            self._target(target.target)

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        if node.value is not None:
            self._target(node.target)

    def _target(self, target: cst.BaseExpression) -> None:
        if isinstance(target, (cst.Tuple, cst.List)):
            for element in target.elements:
                self._target(element.value)
            return
        if (
            isinstance(target, cst.Attribute)
            and target.attr.value in catalog.WEIGHT_REGULARIZER_ARGS
        ):
            self._candidate(target, target.value, target.attr.value)

    def _candidate(self, node: cst.CSTNode, obj: cst.BaseExpression, attr: str) -> None:
        self._order += 1
        obj_name = dotted_name(obj)
        if obj_name == "self" and self.context.imports.method in _CONSTRUCTION_METHODS:
            return
        if obj_name is not None and _SETTINGS_OBJECT.search(obj_name.rsplit(".", 1)[-1]):
            return
        shown = f"{obj_name}.{attr}" if obj_name else attr
        self._candidates.append((node, shown, self.context.imports.scope_chain, self._order))

    # --- decision -----------------------------------------------------------
    def _rebuilt_after(self, chain: tuple[int | None, ...], order: int) -> bool:
        """A rebuild later in the same function or enclosing code, or in another
        function (a helper such as ``rebuild(model)`` that the code calls)."""
        scope, enclosing = chain[-1], set(chain)
        for rebuild_scope, rebuild_order in self._rebuilds:
            if rebuild_scope == scope and scope is not None:
                return True  # same function: a loop may run it after the assignment
            if rebuild_scope not in enclosing or rebuild_order > order:
                return True
        return False

    def leave_Module(self, original_node: cst.Module) -> None:
        for node, shown, scope, order in self._candidates:
            if self._rebuilt_after(scope, order):
                continue
            self.report(
                node,
                f"`{shown}` set on an existing object has no effect on a built layer: "
                "its config changes but `model.losses` stays without the penalty; "
                "rebuild the model from its config (`clone_model`, "
                "`model_from_json(model.to_json())`) or pass the regularizer when "
                "the layer is built",
            )
