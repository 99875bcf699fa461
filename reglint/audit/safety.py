"""Refuse artifacts that would run arbitrary code while loading.

tf_keras runs a Lambda's code while loading ``.h5`` and SavedModel files
without any check (keras-facts.md §6), so ``safe_mode`` is not enough: the
stored config is scanned first, and nothing is loaded if it carries code.
SavedModel graphs (the artifact's own, or one a ``TFSMLayer`` points to) are
scanned for file, network and Python ops (:mod:`.graph_scan`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .graph_scan import scan_saved_model_dir
from .layer_configs import walk_objects
from .stored_config import ArtifactError, StoredModel

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
    reasons.extend(stored.graph_reasons)
    for obj in walk_objects([stored.config, stored.extra_configs]):
        if obj.get("class_name") == "TFSMLayer":
            reasons.extend(_tfsm_reasons(obj))
    return reasons


def _tfsm_reasons(obj: dict[str, Any]) -> list[str]:
    """A ``TFSMLayer`` loads the SavedModel at its ``filepath`` (relative to the cwd)."""
    cfg = obj.get("config") if isinstance(obj.get("config"), dict) else {}
    target = cfg.get("filepath")
    if not isinstance(target, str) or not Path(target).is_dir():
        return []
    try:
        found = scan_saved_model_dir(target)
    except ArtifactError as e:
        found = [f"an unscannable SavedModel ({e})"]
    return [f"{r} of the SavedModel '{target}' its TFSMLayer loads" for r in found]


def refusal_message(reasons: list[str]) -> str:
    return (
        f"refused to load: the model contains {'; '.join(reasons)}, which would run while "
        "loading or when the model is called; pass --unsafe (unsafe=True) only if you trust "
        "this file"
    )
