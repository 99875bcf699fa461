"""rules/RA00N.md: the sections exist, the Example fires exactly its code, Use instead passes."""

from __future__ import annotations

import pytest

from reglint import ruledocs
from reglint.audit.report import CODES

#: A loss without the penalty has no penalty gradient either.
COMPANIONS = {"RA004": ("RA005",)}
DOCS = {doc.code: doc for doc in ruledocs.all_docs()}


@pytest.mark.parametrize("code", sorted(CODES))
def test_document_sections(code):
    doc = DOCS[code]
    assert doc.name == CODES[code]
    for section in ("What it does", "Why is this bad?", "Example", "Use instead", "Fix"):
        assert section in doc.sections, f"rules/{code}.md lacks '## {section}'"


def _audit(source: str, tmp_path, monkeypatch):
    from reglint.audit.api import audit_model, audit_path

    monkeypatch.chdir(tmp_path)
    namespace: dict = {}
    exec(compile(source, "example.py", "exec"), namespace)
    if (tmp_path / "exported_model").is_dir():
        return audit_path(tmp_path / "exported_model")
    if (tmp_path / "model.keras").is_file():
        return audit_path(tmp_path / "model.keras")
    return audit_model(namespace["model"])


@pytest.mark.tensorflow
@pytest.mark.parametrize("code", sorted(CODES))
def test_document_examples(code, tmp_path, monkeypatch):
    doc = DOCS[code]
    (tmp_path / "bad").mkdir()
    bad = _audit(doc.bad_example, tmp_path / "bad", monkeypatch)
    assert {f.code for f in bad.findings} == {code, *COMPANIONS.get(code, ())}, bad.summary()
    (tmp_path / "good").mkdir()
    good = _audit(doc.good_example, tmp_path / "good", monkeypatch)
    assert good.passed, good.summary()
