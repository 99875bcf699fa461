"""SARIF 2.1.0 for ``reglint check --format sarif`` (GitHub code scanning, IDE viewers).

One run; ``tool.driver.rules`` describes every lint rule from its class
(``summary``) and its document in ``rules/`` (``What it does``, the whole
document as help, its URL). Each finding is a result pointing at the file
relative to ``%SRCROOT%`` (the directory reglint ran in), with 1-based
columns counted in Unicode code points (``run.columnKind``) and an exclusive
``endColumn``, as reglint's own locations are. A finding with a fix carries it
as a SARIF ``fix`` (the same text edits ``--fix`` applies).

Notebook findings keep ruff's convention: the region is relative to the cell;
the cell is named in the message, in ``properties.cell`` (1-based, as the text
and JSON formats show it; ``properties.cellIndex`` is the 0-based nbformat
index) and in a logical location ``cell N``.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Sequence
from pathlib import Path, PurePath
from typing import Any
from urllib.parse import quote

from .. import __version__
from ..findings import Edit, Finding, Fix, Location
from . import printable

SCHEMA_URI = (
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
)
INFORMATION_URI = "https://github.com/reglint/reglint"
SRCROOT = "%SRCROOT%"


def artifact_location(path: str, root: Path | None = None) -> dict[str, str]:
    """``{"uri", "uriBaseId"}`` for ``path``: relative to ``root`` (the working
    directory) when it lies under it, an absolute ``file://`` URI otherwise."""
    root = Path.cwd() if root is None else root
    candidate = Path(path)
    if candidate.is_absolute():
        try:
            candidate = candidate.resolve().relative_to(root.resolve())
        except ValueError:
            return {"uri": candidate.as_uri()}
    parts = [p for p in PurePath(os.path.normpath(candidate)).parts if p != "."]
    if not parts or parts[0] == "..":
        return {"uri": candidate.resolve().as_uri()}
    # Percent-encoded bytes: a file name that is not valid UTF-8 keeps its bytes.
    return {"uri": quote(os.fsencode("/".join(parts))), "uriBaseId": SRCROOT}


def original_uri_base_ids(root: Path | None = None) -> dict[str, Any]:
    uri = (Path.cwd() if root is None else root).resolve().as_uri()
    return {SRCROOT: {"uri": uri if uri.endswith("/") else uri + "/"}}


def region(start: Location, end: Location) -> dict[str, int]:
    """A SARIF region; SARIF lines and columns start at 1, ``endColumn`` is exclusive."""
    start_line, start_column = max(start.row, 1), max(start.column, 1)
    end_line = max(end.row, start_line)
    end_column = max(end.column, 1)
    if end_line == start_line:
        end_column = max(end_column, start_column)
    return {
        "startLine": start_line,
        "startColumn": start_column,
        "endLine": end_line,
        "endColumn": end_column,
    }


def _rule_descriptor(code: str) -> dict[str, Any]:
    from .. import ruledocs
    from ..rules import ALL_RULES

    rule = ALL_RULES.get(code)
    doc = ruledocs.load(code)
    name = rule.name if rule is not None else (doc.name if doc is not None else code)
    summary = rule.summary if rule is not None else (doc.what_it_does if doc else code)
    descriptor: dict[str, Any] = {
        "id": code,
        "name": name,
        "shortDescription": {"text": summary},
    }
    if doc is not None:
        descriptor["fullDescription"] = {"text": doc.what_it_does or summary}
        descriptor["help"] = {"text": doc.text, "markdown": doc.text}
        descriptor["helpUri"] = doc.url
    descriptor["defaultConfiguration"] = {
        "level": "error",
        "enabled": bool(rule.default_enabled) if rule is not None else True,
    }
    descriptor["properties"] = {"tags": ["keras", "regularization"]}
    return descriptor


def rule_descriptors(codes: Iterable[str]) -> tuple[list[dict[str, Any]], dict[str, int]]:
    """Descriptors of every lint rule (and of any other code in ``codes``), with
    the index of each code in the returned list (``result.ruleIndex``)."""
    from ..rules import ALL_RULES

    ordered = sorted({*ALL_RULES, *codes})
    return [_rule_descriptor(c) for c in ordered], {c: i for i, c in enumerate(ordered)}


def _replacement(edit: Edit) -> dict[str, Any]:
    return {
        "deletedRegion": region(edit.location, edit.end_location),
        "insertedContent": {"text": edit.content},
    }


def _fix(fix: Fix, location: dict[str, str]) -> dict[str, Any]:
    return {
        "description": {"text": fix.message},
        "artifactChanges": [
            {
                "artifactLocation": location,
                "replacements": [_replacement(e) for e in fix.edits],
            }
        ],
        "properties": {"applicability": fix.applicability},
    }


def _result(finding: Finding, index: int, root: Path) -> dict[str, Any]:
    location = artifact_location(finding.filename, root)
    where = f"cell {finding.cell + 1}: " if finding.cell is not None else ""
    result: dict[str, Any] = {
        "ruleId": finding.code,
        "ruleIndex": index,
        "level": "error",
        "message": {"text": where + printable(finding.message)},
        "locations": [
            {
                "physicalLocation": {
                    "artifactLocation": location,
                    "region": region(finding.location, finding.end_location),
                },
            }
        ],
    }
    if finding.related:
        result["relatedLocations"] = [
            {
                "id": number,
                "physicalLocation": {
                    "artifactLocation": artifact_location(name, root),
                    "region": {"startLine": loc.row, "startColumn": loc.column},
                },
                "message": {"text": printable(message)},
            }
            for number, (name, loc, message) in enumerate(finding.related)
        ]
    if finding.cell is not None:
        cell = finding.cell + 1
        result["locations"][0]["logicalLocations"] = [
            {"name": f"cell {cell}", "fullyQualifiedName": f"{location['uri']}:cell {cell}"}
        ]
        result["properties"] = {"cell": cell, "cellIndex": finding.cell}
    elif finding.fix is not None:
        # Notebook edits are relative to a cell, not to the file: only plain files get fixes.
        result["fixes"] = [_fix(finding.fix, location)]
    return result


def sarif_log(runs: list[dict[str, Any]]) -> dict[str, Any]:
    return {"$schema": SCHEMA_URI, "version": "2.1.0", "runs": runs}


def driver(rules: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "name": "reglint",
        "version": __version__,
        "semanticVersion": __version__,
        "informationUri": INFORMATION_URI,
        "rules": rules,
    }


def build(findings: Sequence[Finding], root: Path | None = None) -> dict[str, Any]:
    """The SARIF log of ``findings`` as a JSON-able dict."""
    root = Path.cwd() if root is None else root
    rules, index = rule_descriptors(f.code for f in findings)
    run = {
        "tool": {"driver": driver(rules)},
        "originalUriBaseIds": original_uri_base_ids(root),
        "columnKind": "unicodeCodePoints",
        "results": [
            _result(f, index[f.code], root) for f in sorted(findings, key=Finding.sort_key)
        ],
    }
    return sarif_log([run])


def render(findings: Sequence[Finding]) -> str:
    return json.dumps(build(findings), indent=2, ensure_ascii=False) + "\n"
