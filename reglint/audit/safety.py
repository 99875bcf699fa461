"""Refuse artifacts that would run arbitrary code while loading.

tf_keras runs a Lambda's code while loading ``.h5`` and SavedModel files
without any check (keras-facts.md §6), so ``safe_mode`` is not enough: the
stored config is scanned first, and nothing is loaded if it carries code.
"""

from __future__ import annotations

from .layer_configs import walk_objects
from .stored_config import StoredModel

#: Serialized class names that carry Python code (marshalled bytecode).
CODE_CLASS_NAMES = frozenset({"Lambda", "__lambda__"})


def unsafe_reasons(stored: StoredModel) -> list[str]:
    """Why loading ``stored`` could execute code from the file; empty when safe."""
    reasons: list[str] = []
    seen: set[str] = set()
    for obj in walk_objects([stored.config, stored.extra_configs]):
        cls = obj.get("class_name")
        if cls not in CODE_CLASS_NAMES:
            continue
        cfg = obj.get("config") if isinstance(obj.get("config"), dict) else {}
        name = cfg.get("name") or obj.get("name") or cls
        what = (
            f"Lambda layer '{name}'" if cls == "Lambda" else "a Python lambda (marshalled bytecode)"
        )
        if what not in seen:
            seen.add(what)
            reasons.append(what)
    if any(r.startswith("Lambda") for r in reasons):
        reasons = [r for r in reasons if r.startswith("Lambda")]
    return reasons


def refusal_message(reasons: list[str]) -> str:
    return (
        f"refused to load: the model contains {', '.join(reasons)} whose code would run "
        "while loading; pass --unsafe (unsafe=True) only if you trust this file"
    )
