"""Models that need the user's code (fixtures/build_custom_models.py), built once per session.

Built in child processes, so the test process never registers their classes.
Both test modules that use them share one build through the session's base
temporary directory.
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
REGLINT = str(Path(sys.executable).with_name("reglint"))


def build_custom_models(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.getbasetemp() / "custom_models"
    if not (out / "legacy_custom.h5").is_file():
        spec = importlib.util.spec_from_file_location(
            "build_custom_models", ROOT / "fixtures" / "build_custom_models.py"
        )
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        module.build(out)
    return out


def reglint(*args: object, cwd: Path, env: dict[str, str] | None = None):
    """The real CLI in a child process: ``reglint audit ARGS``."""
    return subprocess.run(
        [REGLINT, "audit", *map(str, args)],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=600,
        env={**os.environ, **(env or {})},
    )


def error_lines(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.startswith("reglint: error:")]
