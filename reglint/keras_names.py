"""Keras names as dotted strings: which Keras (flavor), module and name a
qualified name such as ``tf.keras.layers.Dense`` means.

Plain string logic, without libcst: the libcst rules (through
:mod:`reglint.names`) and the ``ast``-based cross-call analysis both use it.
"""

from __future__ import annotations

from dataclasses import dataclass

from . import catalog

# ``keras_core`` is Keras 3 under its preview name (``import keras_core as keras``).
_KERAS_ROOTS = {"keras": catalog.KERAS3, "keras_core": catalog.KERAS3, "tf_keras": catalog.KERAS2}
_SKIPPED_PARTS = {"src", "api", "_api", "v1", "v2", "_tf_keras", "compat", "python"}
# Submodules whose public names are re-exported at the top of keras.
_TOP_LEVEL_MODULES = {
    "models",
    "engine",
    "saving",
    "functional",
    "sequential",
    "training",
    "model",
    "layers",
}
MODEL_NAMES = frozenset(
    {
        "Model",
        "Sequential",
        "Functional",
        "load_model",
        "clone_model",
        "model_from_json",
        "model_from_config",
        "model_from_yaml",
    }
)


@dataclass(frozen=True)
class KerasSymbol:
    """A resolved Keras name: ``flavor`` plus a canonical ``module`` and ``name``.

    ``keras.src.layers.core.dense.Dense`` and ``tf.keras.layers.Dense`` both
    have module ``layers`` and name ``Dense``; ``keras.Model`` has module ``""``.
    """

    flavor: str
    module: str
    name: str

    @property
    def is_layer(self) -> bool:
        return self.module == "layers" and self.name in catalog.ALL_LAYERS

    @property
    def is_regularizer(self) -> bool:
        return self.module == "regularizers"

    @property
    def is_model_factory(self) -> bool:
        return self.module in ("", "applications") and (
            self.name in MODEL_NAMES or self.module == "applications"
        )


def keras_symbol(qualified: str | None) -> KerasSymbol | None:
    """Map a dotted name to a :class:`KerasSymbol`, or None if not Keras."""
    if not qualified:
        return None
    parts = qualified.split(".")
    root = parts[0]
    if root == "tensorflow":
        if "keras" not in parts:
            return None
        at = parts.index("keras")
        flavor = catalog.KERAS2 if "python" in parts[:at] else catalog.TF_KERAS
    elif root in _KERAS_ROOTS:
        at, flavor = 0, _KERAS_ROOTS[root]
    else:
        return None
    rest = [p for p in parts[at + 1 :] if p not in _SKIPPED_PARTS]
    if rest[:1] == ["keras"]:  # keras._tf_keras.keras.layers
        rest = rest[1:]
    if not rest:
        return KerasSymbol(flavor, "", "")
    name = rest[-1]
    module = rest[0] if len(rest) > 1 else ""
    if module in _TOP_LEVEL_MODULES and name in MODEL_NAMES:
        module = ""
    return KerasSymbol(flavor, module, name)


#: ``keras_applications``' convention, which model libraries built on it follow
#: (segmentation_models, classification_models, efficientnet): a function takes
#: Keras's submodules from its caller, ``backend, layers, models, utils =
#: get_submodules_from_kwargs(kwargs)``, and a module that does so declares them
#: ``layers = None`` at the top, to be filled in when the library is imported.
#: Either binding is read as tf.keras's submodule (both Kerases judged).
SUBMODULES_FROM_KWARGS = "get_submodules_from_kwargs"
#: What the call returns, in order.
INJECTED = ("backend", "layers", "models", "utils")
#: The module globals such a module declares, and the submodule each stands for.
INJECTED_NAMES = {
    "backend": "backend",
    "layers": "layers",
    "models": "models",
    "utils": "utils",
    "keras_utils": "utils",
}


def injected(submodule: str) -> str:
    """The dotted name an injected ``submodule`` is read as."""
    return f"tensorflow.keras.{submodule}"
