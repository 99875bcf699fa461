"""Helpers the CLI-level tests share."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"


def run_reglint(*args: str, cwd: Path | str | None = None, **kwargs) -> subprocess.CompletedProcess:
    """Run the real ``reglint`` command in a subprocess, as a user would."""
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    env.pop("REGLINT_DEBUG", None)
    return subprocess.run(
        [sys.executable, "-m", "reglint", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        **kwargs,
    )
