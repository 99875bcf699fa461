"""Render audit reports: ``text``, ``json`` and ``junit``. No rule knowledge here."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from collections.abc import Sequence

from .report import AuditReport, Verification, clean_text

FORMATS = ("text", "json", "junit", "sarif", "github")


def render(reports: Sequence[AuditReport], fmt: str) -> str:
    if fmt in ("sarif", "github"):
        from ..formats.sarif_audit import render_audit, render_audit_github

        return (render_audit if fmt == "sarif" else render_audit_github)(reports)
    return {"text": to_text, "json": to_json, "junit": to_junit}[fmt](reports)


def to_json(reports: Sequence[AuditReport]) -> str:
    return json.dumps({"models": [r.to_dict() for r in reports]}, indent=2) + "\n"


def _penalty(value: float | None) -> str:
    return "-" if value is None else f"{value:.6g}"


def _policy_note(verdict: dict[str, str]) -> str:
    """``exempt (exempt-layers = "head*")`` or ``covered by weight-decay``."""
    from ..policy import Verdict

    return Verdict(**verdict).describe()


def _table(report: AuditReport) -> list[str]:
    rows = [("layer", "class", "weight", "regularizer", "penalty", "note")]
    for w in report.weights:
        notes = []
        if not w.trainable:
            notes.append("frozen")
        if w.policy is not None and w.policy.get("status") in ("exempt", "covered"):
            notes.append(_policy_note(w.policy))
        elif w.allowed:
            notes.append("allowed")
        elif not w.required:
            notes.append("not required")
        if w.in_losses is False:
            notes.append("not in model.losses")
        rows.append(
            (
                w.layer,
                w.layer_class,
                w.weight,
                str(w.regularizer or "-"),
                _penalty(w.penalty),
                ", ".join(notes),
            )
        )
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    return [
        "  " + "  ".join(c.ljust(n) for c, n in zip(r, widths, strict=True)).rstrip() for r in rows
    ]


def _verification(v: Verification | None) -> list[str]:
    if v is None:
        return []
    if not v.ran:
        return [f"  verification: not run: {v.reason}"]
    lines = [
        f"  verification ({v.steps} step(s), batch {v.batch_size}, seed {v.seed}, loss {v.loss}):",
        f"    training loss {v.training_loss:.6g} vs data loss {v.data_loss:.6g} + penalty "
        f"{v.penalty:.6g}: error {v.loss_error:.3g} (tolerance {v.loss_tolerance:.3g}) "
        f"{'ok' if v.loss_ok else 'MISMATCH'}",
    ]
    ok = sum(1 for g in v.gradients if g.ok)
    worst = max((g.max_error for g in v.gradients), default=0.0)
    lines.append(
        f"    gradients: {ok}/{len(v.gradients)} regularized weights match data gradient "
        f"+ d(penalty)/dW (max error {worst:.3g})"
    )
    unresolved = [g.weight for g in v.gradients if not g.resolvable]
    if unresolved:
        lines.append(f"    below float32 resolution (not judged): {', '.join(unresolved)}")
    return lines


def to_text(reports: Sequence[AuditReport]) -> str:
    out: list[str] = []
    for r in reports:
        if r.error is not None:
            continue
        version = f", Keras {r.keras_version}" if r.keras_version else ""
        out.append(f"{r.name} ({r.format}{version})")
        if r.weights:
            out.extend(_table(r))
        out.extend(_verification(r.verification))
        if r.opaque:
            out.append(f"  {_incomplete(r)}")
        out.extend(f"  note: {n}" for n in r.notes)
        out.append("")
    for r in reports:
        for f in r.findings:
            out.append(f"{r.name}: {f.code} {f.target}: {f.message}")
        if r.opaque and r.error is None:
            out.append(f"{r.name}: {_incomplete(r)}")
    n_findings = sum(len(r.findings) for r in reports)
    errors = sum(1 for r in reports if r.error is not None)
    passed = sum(1 for r in reports if r.status == "passed")
    incomplete = sum(1 for r in reports if r.status == "incomplete")
    summary = (
        f"Found {n_findings} finding(s) in {len(reports)} model(s): {passed} passed, "
        f"{len(reports) - passed - incomplete - errors} failed"
    )
    if incomplete:
        summary += f", {incomplete} incomplete"
    if errors:
        summary += f", {errors} could not be audited"
    out.append(summary + ".")
    return "\n".join(out) + "\n"


def _incomplete(report: AuditReport) -> str:
    allowed = " (allowed by --allow-incomplete)" if report.incomplete_allowed else ""
    return f"{report.incomplete_message}{allowed}"


def to_junit(reports: Sequence[AuditReport]) -> str:
    suite = ET.Element(
        "testsuite",
        name="reglint audit",
        tests=str(len(reports)),
        failures=str(sum(1 for r in reports if r.error is None and not r.passed)),
        errors=str(sum(1 for r in reports if r.error is not None)),
    )
    for r in reports:
        case = ET.SubElement(suite, "testcase", classname="reglint.audit", name=r.name)
        if r.error is not None:
            ET.SubElement(case, "error", message=r.error, type="load-error").text = r.error
        elif r.findings:
            codes = sorted({f.code for f in r.findings})
            failure = ET.SubElement(
                case, "failure", type=",".join(codes), message=f"{len(r.findings)} finding(s)"
            )
            failure.text = "\n".join(
                [f"{f.code} {f.target}: {f.message}" for f in r.findings]
                + ([_incomplete(r)] if r.opaque else [])
            )
        elif not r.passed:
            ET.SubElement(
                case, "failure", type="incomplete", message=_incomplete(r)
            ).text = _incomplete(r)
        notes = [*r.notes, *([_incomplete(r)] if r.opaque and r.passed else [])]
        if notes:
            ET.SubElement(case, "system-out").text = clean_text("\n".join(notes))
    root = ET.Element("testsuites")
    root.append(suite)
    ET.indent(root)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
