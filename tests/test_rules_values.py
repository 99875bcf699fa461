"""Regularizer-value rules (RL002, RL003, RL004, RL007) beyond their examples:
the regression snippets under ``fixtures/snippets`` and option handling."""

from __future__ import annotations

from pathlib import Path

import pytest

from reglint.config import DEFAULT_OPTIONS, Settings
from reglint.engine import lint_source

SNIPPETS = Path(__file__).resolve().parent.parent / "fixtures" / "snippets"

#: Rows each snippet must report its own code on.
EXPECTED_ROWS = {
    "rl002_invalid_regularizer.py": ("RL002", [11, 22, 25, 27, 31, 38]),
    "rl003_ineffective_regularization_factor.py": ("RL003", [7, 8, 14, 18, 24]),
    "rl004_legacy_regularizer_keyword.py": ("RL004", [8, 11, 12]),
    "rl007_regularizer_argument_not_accepted.py": ("RL007", [12, 13, 16, 26, 33, 36]),
}


@pytest.mark.parametrize("name", sorted(EXPECTED_ROWS))
def test_snippet_reports_its_code(name):
    code, rows = EXPECTED_ROWS[name]
    path = SNIPPETS / name
    findings = lint_source(path.read_text(encoding="utf-8"), str(path), Settings())
    assert [f.location.row for f in findings if f.code == code] == rows


def _codes(source: str, **options) -> list[str]:
    settings = Settings(extend_select=("ALL",), options={**DEFAULT_OPTIONS, **options})
    return [f.code for f in lint_source(source, "example.py", settings)]


@pytest.mark.parametrize("bound", ["not a number", True, float("nan")])
def test_unusable_factor_range_is_ignored(bound):
    source = "from keras.regularizers import L2\nL2(0.5)\n"
    assert "RL003" not in _codes(source, **{"factor-max": bound})


def test_factor_range_accepts_toml_integers():
    source = "from keras.regularizers import L2\nL2(5)\n"
    assert _codes(source, **{"factor-max": 1}) == ["RL003"]


def test_negative_factor_is_not_also_a_range_finding():
    source = "from keras.regularizers import L2\nL2(-1e-4)\n"
    assert _codes(source, **{"factor-min": 1e-6}) == ["RL003"]
