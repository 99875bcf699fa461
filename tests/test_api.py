"""The static half's Python API."""

from __future__ import annotations

import subprocess
import sys

import reglint


def test_lint_source_is_public_and_returns_findings():
    findings = reglint.lint_source("import keras\nlayer = keras.layers.Dense(3)\n", "m.py")
    assert [(f.code, f.filename, f.location.row, f.location.column) for f in findings] == [
        ("RL001", "m.py", 2, 9)
    ]


def test_importing_reglint_is_cheap():
    probe = (
        "import sys, reglint; print(sorted(m for m in sys.modules "
        "if m.split('.')[0] in ('libcst', 'tensorflow', 'keras', 'numpy')))"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
