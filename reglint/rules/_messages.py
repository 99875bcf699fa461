"""Wording shared by RL001's own findings and those made at a helper's call site."""

from __future__ import annotations

from collections.abc import Sequence


def missing_phrase(missing: Sequence[str], set_to_none: Sequence[str] = ()) -> str:
    """``is built without `a``` / ``has `a` set to `None``` (or both), for ``missing``
    arguments, of which ``set_to_none`` are passed as ``None``."""
    absent = [m for m in missing if m not in set_to_none]
    parts = []
    if absent:
        parts.append("is built without " + " and ".join(f"`{m}`" for m in absent))
    if set_to_none:
        names = " and ".join(f"`{m}`" for m in set_to_none)
        parts.append(f"has {names} set to `None`")
    return " and ".join(parts)
