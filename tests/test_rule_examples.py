"""Every rule's own VALID/INVALID examples and its document's examples, as tests.

The examples live next to the rule (``reglint/rules/rl*.py``) and in its
document (``rules/RL*.md``); this one generic test runs them all through the
real engine, as Fixit does.
"""

from __future__ import annotations

import ast

import pytest

from reglint import ruledocs
from reglint.config import DEFAULT_OPTIONS, Settings
from reglint.engine import lint_source
from reglint.fixes import fix_source
from reglint.rules import ALL_RULES


def _settings(options) -> Settings:
    return Settings(extend_select=("ALL",), options={**DEFAULT_OPTIONS, **options})


def _cases(kind):
    for code, rule in ALL_RULES.items():
        for i, example in enumerate(getattr(rule, kind)):
            yield pytest.param(code, example, id=f"{code}-{kind.lower()}-{i}")


@pytest.mark.parametrize(("code", "example"), list(_cases("VALID")))
def test_valid_example(code, example):
    findings = lint_source(example.code, "example.py", _settings(example.options))
    assert [f for f in findings if f.code == code] == []


@pytest.mark.parametrize(("code", "example"), list(_cases("INVALID")))
def test_invalid_example(code, example):
    settings = _settings(example.options)
    findings = [f for f in lint_source(example.code, "example.py", settings) if f.code == code]
    assert findings, f"{code} did not fire on:\n{example.code}"
    if example.at:
        got = [f"{f.location.row}:{f.location.column}" for f in findings]
        assert got == list(example.at)
    if example.message:
        for f in findings:
            assert example.message in f.message
    if example.expected_fix is not None:
        unsafe = any(f.fix is not None and f.fix.applicability == "unsafe" for f in findings)
        if unsafe:
            # plain --fix leaves an unsafe fix alone; --unsafe-fixes applies it
            plain, applied = fix_source(example.code, "example.py", settings)
            assert all(f.fix.applicability == "safe" for f in applied)
            assert plain != example.expected_fix
            settings = settings.with_overrides(options={"unsafe-fixes": True})
        fixed, applied = fix_source(example.code, "example.py", settings)
        assert fixed == example.expected_fix
        assert applied
        ast.parse(fixed)
        again, applied_again = fix_source(fixed, "example.py", settings)
        assert again == fixed and not applied_again, "a second --fix must change nothing"


DOCS = {doc.code: doc for doc in ruledocs.all_docs()}
LINT_CODES = sorted(ALL_RULES)


def test_every_rule_has_a_document():
    assert set(LINT_CODES) <= set(DOCS)
    for code, rule in ALL_RULES.items():
        assert DOCS[code].name == rule.name


@pytest.mark.parametrize("code", LINT_CODES)
def test_document_bad_example_raises_exactly_its_code(code):
    doc = DOCS[code]
    assert doc.bad_example, f"rules/{code}.md has no Example block"
    findings = lint_source(doc.bad_example, "example.py", _settings({}))
    assert findings, f"the Example of rules/{code}.md raises nothing"
    assert {f.code for f in findings} == {code}


@pytest.mark.parametrize("code", LINT_CODES)
def test_document_good_example_raises_nothing(code):
    doc = DOCS[code]
    assert doc.good_example, f"rules/{code}.md has no 'Use instead' block"
    assert lint_source(doc.good_example, "example.py", _settings({})) == []


@pytest.mark.parametrize("code", LINT_CODES)
def test_document_has_required_sections(code):
    for section in ("What it does", "Why is this bad?", "Example", "Use instead", "Fix"):
        assert section in DOCS[code].sections, f"rules/{code}.md lacks '## {section}'"
