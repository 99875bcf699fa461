"""Turn a regularizer as Keras serializes it into a :class:`Regularizer`."""

from __future__ import annotations

from typing import Any

from ..catalog import KERAS3, REGULARIZER_DEFAULTS, canonical_regularizer
from .report import Regularizer


def parse_regularizer(value: Any, flavor: str = KERAS3) -> Regularizer | None:
    """``{"class_name": "L2", "config": {"l2": 0.01}}``, ``"l2"`` or None."""
    if value is None:
        return None
    if isinstance(value, str):
        name = canonical_regularizer(value)
        if value == "l1_l2":
            name = "l1_l2"
        defaults = REGULARIZER_DEFAULTS.get(flavor, {}).get(name, {})
        return Regularizer(canonical_regularizer(name), {k: float(v) for k, v in defaults.items()})
    if isinstance(value, dict) and "class_name" in value:
        cfg = value.get("config")
        factors = {}
        if isinstance(cfg, dict):
            factors = {
                k: float(v)
                for k, v in cfg.items()
                if isinstance(v, (int, float)) and not isinstance(v, bool)
            }
        return Regularizer(canonical_regularizer(str(value["class_name"])), factors)
    return Regularizer(type(value).__name__)


def regularizer_from_object(obj: Any) -> Regularizer | None:
    """A live regularizer object (or callable) as a :class:`Regularizer`."""
    if obj is None:
        return None
    try:
        cfg = obj.get_config()
    except Exception:
        cfg = None
    return parse_regularizer({"class_name": type(obj).__name__, "config": cfg})
