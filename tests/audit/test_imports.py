"""``--import`` / ``[tool.reglint.audit] imports``: registered custom layers and subclassed models.

The models come from fixtures/build_custom_models.py; this process never
imports their modules except in ``test_api_imports``.
"""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import pytest
from custom_helper import build_custom_models, error_lines, reglint

pytestmark = [pytest.mark.tensorflow, pytest.mark.slow]

NEEDS = "model needs the custom class '{}' that is not registered: pass --import MODULE"


@pytest.fixture(scope="module")
def custom(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_custom_models(tmp_path_factory)


def _verdicts(stdout: str) -> dict[str, tuple[bool, list[str]]]:
    models = json.loads(stdout)["models"]
    return {
        Path(m["path"]).name: (m["passed"], [f"{f['code']} {f['weight']}" for f in m["findings"]])
        for m in models
    }


def test_without_import_one_line_names_the_class(custom):
    proc = reglint("sub_bad.keras", "func_custom.keras", "legacy_custom.h5", cwd=custom)
    assert proc.returncode == 2, proc.stderr
    errors = error_lines(proc.stderr)
    assert errors == [
        f"reglint: error: sub_bad.keras: {NEEDS.format('my_pkg>Tiny')}"
        " (or [tool.reglint.audit] imports)",
        f"reglint: error: func_custom.keras: {NEEDS.format('my_pkg>ResidualBlock')}"
        " (or [tool.reglint.audit] imports)",
        f"reglint: error: legacy_custom.h5: {NEEDS.format('legacy>Scaled')}"
        " (or [tool.reglint.audit] imports)",
    ]
    assert "Traceback" not in proc.stderr


def test_import_path_loads_and_gives_the_verdict(custom, tmp_path):
    proc = reglint(
        "--import",
        custom / "src" / "my_layers.py",
        "--import",
        "src/legacy_layers.py",  # relative to the working directory
        "--format",
        "json",
        "sub_bad.keras",
        "sub_good.keras",
        "func_custom.keras",
        "legacy_custom.h5",  # audited in the tf_keras worker, which imports too
        cwd=custom,
    )
    assert proc.returncode == 1, proc.stderr
    assert not error_lines(proc.stderr)
    got = _verdicts(proc.stdout)
    assert got["sub_bad.keras"][0] is False
    assert [f.split()[0] for f in got["sub_bad.keras"][1]] == ["RA001"]
    assert got["sub_good.keras"] == (True, [])
    assert got["func_custom.keras"] == (True, [])
    assert got["legacy_custom.h5"] == (True, [])
    models = {Path(m["path"]).name: m for m in json.loads(proc.stdout)["models"]}
    inner = [w["weight"] for w in models["func_custom.keras"]["weights"] if w["kind"] == "kernel"]
    assert any(w.startswith("residual_block/") for w in inner), inner
    assert models["legacy_custom.h5"]["flavor"] == "keras2"


def test_import_module_name_from_cwd_and_pythonpath(custom, tmp_path):
    proc = reglint(
        "--import",
        "my_layers",
        "--no-train",
        "--format",
        "json",
        custom / "sub_bad.keras",
        cwd=custom / "src",
    )
    assert proc.returncode == 1, proc.stderr
    assert _verdicts(proc.stdout)["sub_bad.keras"][0] is False
    proc = reglint(
        "--import",
        "my_layers",
        "--no-train",
        "--format",
        "json",
        custom / "sub_good.keras",
        cwd=tmp_path,
        env={"PYTHONPATH": str(custom / "src")},
    )
    assert proc.returncode == 0, proc.stderr
    assert _verdicts(proc.stdout)["sub_good.keras"] == (True, [])


def test_config_imports_are_relative_to_pyproject(custom, tmp_path):
    project = tmp_path / "project"
    shutil.copytree(custom, project)
    (project / "pyproject.toml").write_text(
        '[tool.reglint.audit]\nimports = ["src/my_layers.py"]\ntrain = false\n'
    )
    (project / "models").mkdir()
    shutil.move(project / "sub_bad.keras", project / "models" / "sub_bad.keras")
    proc = reglint("--format", "json", "sub_bad.keras", cwd=project / "models")
    assert proc.returncode == 1, proc.stderr
    assert _verdicts(proc.stdout)["sub_bad.keras"][0] is False
    (project / "pyproject.toml").write_text(
        '[tool.reglint.audit]\nimports = ["my_layers"]\ntrain = false\n'
    )
    shutil.move(project / "src" / "my_layers.py", project / "my_layers.py")
    proc = reglint("--format", "json", "sub_good.keras", cwd=project / "models")
    assert proc.returncode == 2  # sub_good.keras is not in models/: proves cwd is models/
    proc = reglint("--format", "json", "../sub_good.keras", cwd=project / "models")
    assert proc.returncode == 0, proc.stderr
    assert _verdicts(proc.stdout)["sub_good.keras"] == (True, [])


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ("no_such_module_xyz", "cannot import 'no_such_module_xyz': ModuleNotFoundError"),
        ("broken.py", "cannot import '{dir}/broken.py': ZeroDivisionError"),
        ("missing.py", "cannot import '{dir}/missing.py': no such file"),
    ],
)
def test_failing_import_is_one_line_exit_2(custom, tmp_path, spec, expected):
    (tmp_path / "broken.py").write_text("x = 1 / 0\n")
    proc = reglint("--import", spec, custom / "sub_good.keras", cwd=tmp_path)
    assert proc.returncode == 2
    errors = error_lines(proc.stderr)
    assert len(errors) == 1, proc.stderr
    assert errors[0].startswith("reglint: error: " + expected.format(dir=tmp_path)), errors
    assert "Traceback" not in proc.stderr
    assert proc.stdout == ""


def test_api_imports(custom):
    """Without imports the API names the class; with them (in this process) it loads."""
    from reglint.audit.api import audit_paths
    from reglint.audit.policy import AuditOptions

    assert "my_layers" not in sys.modules
    paths = [str(custom / "sub_bad.keras"), str(custom / "sub_good.keras")]
    before = audit_paths(paths, AuditOptions(train=False))
    assert [r.error for r in before] == [
        NEEDS.format("my_pkg>Tiny") + " (or [tool.reglint.audit] imports)"
    ] * 2
    options = AuditOptions(train=False, imports=(str(custom / "src" / "my_layers.py"),))
    bad, good = audit_paths(paths, options)
    assert bad.error is None and [f.code for f in bad.findings] == ["RA001"]
    assert good.passed and good.status == "passed"
    assert sys.modules["my_layers"].__file__ == str(custom / "src" / "my_layers.py")
