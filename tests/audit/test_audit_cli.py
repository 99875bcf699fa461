"""``reglint audit``: formats, exit codes, progress, config, and no TF for --config-only."""

from __future__ import annotations

import json
import subprocess
import sys
import xml.etree.ElementTree as ET

import pytest
from click.testing import CliRunner

from reglint.audit.command import audit

pytestmark = pytest.mark.tensorflow

SCHEMA = {
    "type": "object",
    "required": ["models"],
    "properties": {
        "models": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["path", "format", "passed", "findings", "weights", "verification"],
                "properties": {
                    "path": {"type": ["string", "null"]},
                    "format": {"type": "string"},
                    "passed": {"type": "boolean"},
                    "findings": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "required": ["code", "layer", "weight", "message"],
                            "properties": {
                                "code": {"type": "string", "pattern": "^RA00[1-6]$"},
                                "message": {"type": "string"},
                            },
                        },
                    },
                    "weights": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "required": ["layer", "weight", "regularizer", "penalty", "trainable"],
                        },
                    },
                    "verification": {"type": ["object", "null"]},
                },
            },
        }
    },
}


def run(*args):
    return CliRunner().invoke(audit, [str(a) for a in args])


def test_text_report_and_exit_1(models):
    r = run(models / "mlp_reg.keras", models / "partial_allow.keras")
    assert r.exit_code == 1, r.output
    out = r.stdout
    assert "layer" in out and "regularizer" in out and "penalty" in out
    assert "hidden/kernel" in out and "L2(l2=0.001)" in out
    assert "training loss" in out and "gradients: 1/1" in out
    assert f"{models / 'partial_allow.keras'}: RA001 head/kernel: " in out
    assert out.rstrip().endswith("1 passed, 1 failed.")
    progress = [line for line in r.stderr.splitlines() if "auditing" in line]
    assert len(progress) == 2 and progress[0].startswith("reglint: [1/2] auditing ")


def test_exit_0_single_model_no_progress(models):
    r = run(models / "mlp_reg.keras")
    assert r.exit_code == 0 and "auditing" not in r.stderr


def test_exit_zero_and_allow(models):
    assert run("--exit-zero", "--no-train", models / "mlp_unreg.keras").exit_code == 0
    assert run("--allow", "head", "--no-train", models / "partial_allow.keras").exit_code == 0


def test_json_shape(models, tmp_path):
    import jsonschema

    out = tmp_path / "audit.json"
    r = run("--format", "json", "-o", out, models / "mlp_reg.keras", models / "mlp_unreg.keras")
    assert r.exit_code == 1 and r.stdout == ""
    data = json.loads(out.read_text())
    jsonschema.validate(data, SCHEMA)
    first, second = data["models"]
    assert first["passed"] and first["verification"]["loss_ok"]
    assert [f["code"] for f in second["findings"]] == ["RA001", "RA001"]


def test_junit(models):
    r = run(
        "--format",
        "junit",
        "--no-train",
        models / "mlp_reg.keras",
        models / "l2_zero.keras",
        models / "lambda.keras",
    )
    assert r.exit_code == 2
    suite = ET.fromstring(r.stdout).find("testsuite")
    assert suite.get("tests") == "3" and suite.get("failures") == "1" and suite.get("errors") == "1"
    cases = suite.findall("testcase")
    assert [c.find("failure") is not None for c in cases] == [False, True, False]
    assert "RA003 zero/kernel" in cases[1].find("failure").text
    assert "refused to load" in cases[2].find("error").get("message")


def test_sarif_and_github(models):
    r = run("--format", "sarif", "--no-train", models / "mlp_unreg.keras", models / "lambda.keras")
    assert r.exit_code == 2
    sarif = json.loads(r.stdout)
    results = sarif["runs"][0]["results"]
    assert [x["ruleId"] for x in results] == ["RA001", "RA001"]
    r = run("--format", "github", "--config-only", models / "mlp_unreg.keras")
    assert r.exit_code == 1 and r.stdout.count("::error") == 2


def test_usage_errors():
    assert run().exit_code == 2
    assert run("--format", "sarif-nope", "x.keras").exit_code == 2


def test_pyproject_audit_table(models, tmp_path, monkeypatch):
    (tmp_path / "pyproject.toml").write_text('[tool.reglint.audit]\nallow = ["head"]\n')
    monkeypatch.chdir(tmp_path)
    assert run("--config-only", models / "partial_allow.keras").exit_code == 0
    (tmp_path / "pyproject.toml").write_text('[tool.reglint.audit]\nallow = "head"\n')
    r = run("--config-only", models / "partial_allow.keras")
    assert r.exit_code == 2 and "allow must be a list" in r.stderr
    (tmp_path / "pyproject.toml").write_text("[tool.reglint.audit]\nunsafe = true\n")
    assert run("--config-only", models / "lambda.keras").exit_code == 2


def test_config_only_never_imports_tensorflow(models):
    code = (
        "import sys\n"
        "from reglint.audit.command import audit\n"
        "try:\n"
        "    audit.main(sys.argv[1:], standalone_mode=False)\n"
        "except SystemExit as e:\n"
        "    print('EXIT', e.code)\n"
        "heavy = ('tensorflow', 'keras', 'tf_keras')\n"
        "print('HEAVY', sorted(m for m in heavy if m in sys.modules))\n"
    )
    paths = [
        str(models / n)
        for n in (
            "mlp_unreg.keras",
            "l2_zero.keras",
            "tfk_negative.h5",
            "tfk_reg_sm",
            "export_dir",
            "rnn.keras",
            "lambda.keras",
        )
    ]
    proc = subprocess.run(
        [sys.executable, "-c", code, "--config-only", *paths],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert "HEAVY []" in proc.stdout, proc.stdout + proc.stderr
    assert "EXIT 1" in proc.stdout
    assert proc.stdout.count(": RA001 ") == 2 and proc.stdout.count(": RA003 ") == 3
    assert ": RA006 " in proc.stdout


def test_import_is_light():
    code = (
        "import sys, reglint.audit, reglint.audit.command, reglint.pytest_plugin\n"
        "print(sorted(m for m in ('tensorflow', 'keras', 'tf_keras', 'h5py', 'numpy')"
        " if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.stdout.strip() == "[]", out.stderr
