"""Layers whose weights the audit cannot see: the "incomplete" outcome.

A subclassed model or a custom layer stores only its own arguments in the
saved config, not the layers and weights it creates, so ``--config-only``
cannot see them; a live inspection cannot see kernel-type weights a custom
layer creates itself (``add_weight``) rather than through a Keras layer. An
audit with opaque layers never "passes".
"""

from __future__ import annotations

from typing import Any

from ..catalog import ALL_LAYERS
from .layer_configs import iter_layer_configs
from .policy import AuditOptions, is_allowed

#: Keras classes whose config lists their layers, and tf_keras op layers (no weights).
_CONTAINERS = frozenset({"Functional", "Sequential", "Model"})
_BUILTIN = frozenset({*ALL_LAYERS, *_CONTAINERS, "TFOpLambda", "SlicingOpLambda"})
#: How an opaque root model (path ``""``) is named.
ROOT = "<model>"


def opaque_layers(config: Any, options: AuditOptions) -> list[str]:
    """Paths of the layers whose weights the stored ``config`` does not describe.

    Opaque: a custom (non-Keras) class without a ``layers`` list (a subclassed
    model, a custom layer that may hold sublayers or weights), and any config
    whose ``layers`` is not a list. Layers exempted by ``--allow`` are left out.
    """
    if not isinstance(config, dict):
        return [ROOT]
    out = []
    for path, layer in iter_layer_configs(config):
        inner = layer.get("config") if isinstance(layer.get("config"), dict) else {}
        layers = inner.get("layers")
        if isinstance(layers, list):
            continue
        cls = layer.get("class_name")
        if layers is None and _builtin(layer) and cls not in _CONTAINERS:
            continue
        name = path or ROOT
        if not is_allowed(name, options.allow):
            out.append(name)
    return out


def _builtin(layer: dict[str, Any]) -> bool:
    """A Keras class by its config: a known layer name from a Keras module, not registered."""
    module, registered = layer.get("module"), layer.get("registered_name")
    if isinstance(module, str) and not module.startswith(("keras", "tf_keras")):
        return False
    if isinstance(registered, str) and registered != layer.get("class_name"):
        return False
    return layer.get("class_name") in _BUILTIN


def opaque_live_layers(model: Any, options: AuditOptions) -> list[str]:
    """Paths of custom layers of a loaded model that own trainable weights directly.

    Weights a custom layer creates itself (not through a Keras layer the catalog
    knows) are invisible to the inspection, which cannot tell what they are.
    """
    from .inspection import layer_spec

    out: list[str] = []
    seen: set[int] = set()

    def visit(layer: Any, path: str) -> None:
        if id(layer) in seen:
            return
        seen.add(id(layer))
        if layer_spec(layer) is not None:
            return
        children = _children(layer)
        if path and not type(layer).__module__.startswith(("keras", "tf_keras")):
            inner = {id(w) for c in children for w in getattr(c, "weights", ())}
            own = [w for w in getattr(layer, "trainable_weights", ()) if id(w) not in inner]
            if own and not is_allowed(path, options.allow):
                out.append(path)
        for c in children:
            visit(c, f"{path}/{c.name}" if path else c.name)

    visit(model, "")
    return out


def _children(layer: Any) -> list[Any]:
    try:
        return list(layer._flatten_layers(include_self=False, recursive=False))
    except Exception:
        return list(getattr(layer, "layers", None) or ())
