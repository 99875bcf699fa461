"""Walk a stored model config: every layer config, with its path of names."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

#: Keys under which a layer config holds other layer configs.
_CHILD_KEYS = ("layers", "layer", "backward_layer", "cell", "cells")


def iter_layer_configs(config: Any, prefix: str = "") -> Iterator[tuple[str, dict[str, Any]]]:
    """Yield ``(path, {"class_name", "config"})`` for every nested layer.

    The root model itself is yielded with path ``""``; a layer's path is the
    ``/``-joined names below the root (``outer/inner/dense``).
    """
    if not isinstance(config, dict) or "class_name" not in config:
        return
    yield prefix, config
    inner = config.get("config")
    if not isinstance(inner, dict):
        return
    for key in _CHILD_KEYS:
        child = inner.get(key)
        children = child if isinstance(child, list) else [child]
        for c in children:
            if not isinstance(c, dict) or "class_name" not in c:
                continue
            ccfg = c.get("config") if isinstance(c.get("config"), dict) else {}
            name = ccfg.get("name") or c.get("name") or c["class_name"].lower()
            if key == "backward_layer" and not name.startswith("backward"):
                name = f"backward_{name}"
            yield from iter_layer_configs(c, f"{prefix}/{name}" if prefix else name)


def walk_objects(value: Any) -> Iterator[dict[str, Any]]:
    """Every dict anywhere inside ``value`` (configs nest in many shapes)."""
    stack = [value]
    while stack:
        v = stack.pop()
        if isinstance(v, dict):
            yield v
            stack.extend(v.values())
        elif isinstance(v, list):
            stack.extend(v)
