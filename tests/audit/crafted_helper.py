"""The crafted artifacts of ``fixtures/build_crafted.py``, built once per test session."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
_NAME = "reglint_build_crafted"


def builder():
    """``fixtures/build_crafted.py``, imported once (its build cache is shared)."""
    if _NAME not in sys.modules:
        spec = importlib.util.spec_from_file_location(_NAME, ROOT / "fixtures" / "build_crafted.py")
        module = importlib.util.module_from_spec(spec)
        sys.modules[_NAME] = module
        spec.loader.exec_module(module)
    return sys.modules[_NAME]


def crafted_dir(tmp_path_factory, models: Path, marker: Path) -> Path:
    return builder().build_once(tmp_path_factory.mktemp("crafted"), models, marker)
