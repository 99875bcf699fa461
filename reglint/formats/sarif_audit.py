"""SARIF 2.1.0 (and GitHub annotations) for ``reglint audit`` reports.

Each audit finding becomes a result located in the model file (``.keras``,
``.h5`` or a SavedModel directory, relative to ``%SRCROOT%``) with the layer or
weight as its logical location (``dense_1/kernel``). GitHub code scanning needs
``region.startLine`` on every result, so a model file is pointed at line 1.
A model that could not be read is a tool execution notification (the run's
``executionSuccessful`` is then false), not a result. An incomplete audit
(layers whose weights were not seen) is a result of the rule ``incomplete``:
an error, or a note when ``--allow-incomplete`` allows it.

Imports no TensorFlow: it reads the plain dataclasses of ``reglint.audit.report``.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ..audit.report import CODES, AuditReport
from ..audit.report import Finding as AuditFinding
from .github_format import _escape_data, _escape_property
from .sarif_format import artifact_location, driver, original_uri_base_ids, sarif_log

#: The rule id of the "incomplete" outcome.
INCOMPLETE = "incomplete"

#: One line per audit check (design.md), for ``shortDescription``.
SUMMARIES: dict[str, str] = {
    "RA001": "A trainable kernel-type weight has no regularizer.",
    "RA002": "The layer names a regularizer but model.losses carries no penalty for that weight.",
    "RA003": "A penalty is zero, negative, NaN or infinite.",
    "RA004": "The verification step's training loss is not data loss + penalty.",
    "RA005": "A regularized weight's gradient differs from data gradient + d(penalty)/dW.",
    "RA006": "The artifact cannot be trained; the audit says what it could and could not check.",
    INCOMPLETE: "Some layers' weights could not be seen (opaque layers): the audit is incomplete.",
}


def _rule(code: str) -> dict[str, Any]:
    from .. import ruledocs

    doc = ruledocs.load(code)
    summary = SUMMARIES.get(code, code)
    descriptor: dict[str, Any] = {
        "id": code,
        "name": CODES.get(code, code.lower()),
        "shortDescription": {"text": summary},
        "fullDescription": {"text": (doc.what_it_does if doc else "") or summary},
        "defaultConfiguration": {"level": "error"},
        "properties": {"tags": ["keras", "regularization", "audit"]},
    }
    if doc is not None:
        descriptor["help"] = {"text": doc.text, "markdown": doc.text}
        descriptor["helpUri"] = doc.url
    return descriptor


def _logical(finding: AuditFinding) -> dict[str, Any]:
    if finding.weight:
        return {
            "name": finding.weight.rsplit("/", 1)[-1],
            "fullyQualifiedName": finding.weight,
            "kind": "variable",
        }
    if finding.layer:
        return {"name": finding.layer, "fullyQualifiedName": finding.layer, "kind": "object"}
    return {"name": "model", "kind": "module"}


def _location(path: str | None, root: Path) -> dict[str, Any]:
    if path is None:
        return {}
    return {
        "physicalLocation": {
            "artifactLocation": artifact_location(path, root),
            "region": {"startLine": 1},
        }
    }


def _result(finding: AuditFinding, report: AuditReport, index: int, root: Path) -> dict[str, Any]:
    location = {**_location(report.path, root), "logicalLocations": [_logical(finding)]}
    properties = {
        k: v
        for k, v in (
            ("layer", finding.layer),
            ("weight", finding.weight),
            ("format", report.format),
            ("flavor", report.flavor),
        )
        if v
    }
    return {
        "ruleId": finding.code,
        "ruleIndex": index,
        "level": "error",
        "message": {"text": f"{finding.target}: {finding.message}"},
        "locations": [location],
        "properties": properties,
    }


def _incomplete_result(report: AuditReport, index: int, root: Path) -> dict[str, Any]:
    return {
        "ruleId": INCOMPLETE,
        "ruleIndex": index,
        "level": "note" if report.incomplete_allowed else "error",
        "message": {"text": report.incomplete_message},
        "locations": [_location(report.path, root)] if report.path else [],
        "properties": {"opaque": list(report.opaque), "format": report.format},
    }


def build_audit(reports: Sequence[AuditReport], root: Path | None = None) -> dict[str, Any]:
    """The SARIF log of audit ``reports`` as a JSON-able dict."""
    root = Path.cwd() if root is None else root
    codes = sorted({*CODES, *(f.code for r in reports for f in r.findings)})
    incomplete = [r for r in reports if r.opaque and r.error is None]
    if incomplete:
        codes.append(INCOMPLETE)
    index = {c: i for i, c in enumerate(codes)}
    results = [_result(f, r, index[f.code], root) for r in reports for f in r.findings]
    results += [_incomplete_result(r, index[INCOMPLETE], root) for r in incomplete]
    notifications = [
        {
            "level": "error",
            "message": {"text": f"{r.name}: {r.error}"},
            **({"locations": [_location(r.path, root)]} if r.path else {}),
        }
        for r in reports
        if r.error is not None
    ]
    run = {
        "tool": {"driver": driver([_rule(c) for c in codes])},
        "originalUriBaseIds": original_uri_base_ids(root),
        "invocations": [
            {"executionSuccessful": not notifications, "toolExecutionNotifications": notifications}
        ],
        "results": results,
    }
    return sarif_log([run])


def render_audit(reports: Sequence[AuditReport]) -> str:
    return json.dumps(build_audit(reports), indent=2, ensure_ascii=False) + "\n"


def render_audit_github(reports: Sequence[AuditReport]) -> str:
    """GitHub Actions ``::error`` annotations, one per audit finding or unreadable model.

    An incomplete audit is an ``::error`` too (a ``::notice`` when allowed).
    """
    lines = []
    for r in reports:
        where = f"file={_escape_property(r.path)},line=1," if r.path else ""
        if r.error is not None:
            lines.append(f"::error {where}title=reglint audit::{_escape_data(r.error)}\n")
        for f in r.findings:
            text = f"{f.code} {f.target}: {f.message}"
            lines.append(f"::error {where}title={f.code}::{_escape_data(text)}\n")
        if r.opaque and r.error is None:
            kind = "notice" if r.incomplete_allowed else "error"
            text = _escape_data(r.incomplete_message or "")
            lines.append(f"::{kind} {where}title=reglint audit incomplete::{text}\n")
    return "".join(lines)
