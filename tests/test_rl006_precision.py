"""RL005, RL006 and RL008 on realistic code: exactly the marked lines fire.

Each fixture ``fixtures/snippets/rl00{5,6,8}_*.py`` marks every line where its
rule must report with a trailing ``# expect: RLnnn``; a file whose name ends in
``_ok.py`` must raise nothing of its rule. Only the fixture's own code is
compared (the tutorial-style code also raises RL001 and others).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from reglint.config import Settings
from reglint.engine import lint_source

SNIPPETS = Path(__file__).resolve().parent.parent / "fixtures" / "snippets"
FIXTURES = sorted(
    p for p in SNIPPETS.glob("rl00*_*.py") if p.name[:5] in ("rl005", "rl006", "rl008")
)
_EXPECT = re.compile(r"#\s*expect:\s*(?P<codes>RL\d{3}(?:\s*,\s*RL\d{3})*)")


def _expected(source: str, code: str) -> set[int]:
    rows = set()
    for row, line in enumerate(source.splitlines(), start=1):
        match = _EXPECT.search(line)
        if match and code in re.split(r"\s*,\s*", match.group("codes")):
            rows.add(row)
    return rows


def test_there_are_fixtures():
    assert len([p for p in FIXTURES if p.name.startswith("rl006")]) >= 8
    assert any(p.name.endswith("_ok.py") for p in FIXTURES)


@pytest.mark.parametrize("path", FIXTURES, ids=lambda p: p.name)
def test_fixture_fires_exactly_on_marked_rows(path: Path):
    code = "RL" + path.name[2:5]
    source = path.read_text(encoding="utf-8")
    findings = lint_source(source, str(path), Settings(extend_select=("ALL",)))
    got = {f.location.row for f in findings if f.code == code}
    expected = _expected(source, code)
    if path.name.endswith("_ok.py"):
        assert not expected, "an _ok fixture must not mark expected findings"
    assert got == expected, (
        f"{path.name}: unexpected rows {sorted(got - expected)}, "
        f"missed rows {sorted(expected - got)}"
    )


def test_rl006_precision_and_recall_over_all_fixtures():
    tp = fp = fn = 0
    for path in FIXTURES:
        if not path.name.startswith("rl006"):
            continue
        source = path.read_text(encoding="utf-8")
        findings = lint_source(source, str(path), Settings(extend_select=("ALL",)))
        got = {f.location.row for f in findings if f.code == "RL006"}
        expected = _expected(source, "RL006")
        tp += len(got & expected)
        fp += len(got - expected)
        fn += len(expected - got)
    assert tp >= 12
    assert tp / (tp + fp) >= 0.98
    assert tp / (tp + fn) >= 0.98


def test_rl006_messages_say_which_case():
    path = SNIPPETS / "rl006_scratch_loop.py"
    findings = [
        f
        for f in lint_source(
            path.read_text(encoding="utf-8"), str(path), Settings(extend_select=("ALL",))
        )
        if f.code == "RL006"
    ]
    assert any("the model built at line 11 is regularized" in f.message for f in findings)
    assert any("before the tape opens" in f.message for f in findings)
    path = SNIPPETS / "rl006_dcgan_loop.py"
    findings = [
        f
        for f in lint_source(
            path.read_text(encoding="utf-8"), str(path), Settings(extend_select=("ALL",))
        )
        if f.code == "RL006"
    ]
    assert findings and all("no regularizer is visible" in f.message for f in findings)
