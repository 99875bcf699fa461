"""An audit that cannot see some layers' weights is "incomplete", never "passed"."""

from __future__ import annotations

import json
import shutil
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path

import pytest
from custom_helper import build_custom_models, error_lines, reglint

pytestmark = [pytest.mark.tensorflow, pytest.mark.slow]

INCOMPLETE = "incomplete: 1 layer(s) opaque ({}): the audit cannot see their weights"


@pytest.fixture(scope="module")
def custom(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_custom_models(tmp_path_factory)


def test_subclassed_model_is_incomplete_not_passed(custom):
    proc = reglint("--config-only", "sub_bad.keras", cwd=custom)
    assert proc.returncode == 1, proc.stderr
    assert not error_lines(proc.stderr)
    assert f"sub_bad.keras: {INCOMPLETE.format('<model>')}" in proc.stdout
    assert proc.stdout.endswith(
        "Found 0 finding(s) in 1 model(s): 0 passed, 0 failed, 1 incomplete.\n"
    )
    assert "1 passed" not in proc.stdout


def test_custom_layer_inside_a_functional_model_is_opaque(custom):
    proc = reglint(
        "--config-only", "--format", "json", "func_custom.keras", "legacy_custom.h5", cwd=custom
    )
    assert proc.returncode == 1, proc.stderr
    got = {Path(m["path"]).name: m for m in json.loads(proc.stdout)["models"]}
    for name, opaque in (("func_custom.keras", "residual_block"), ("legacy_custom.h5", "scaled")):
        m = got[name]
        assert (m["status"], m["passed"], m["opaque"]) == ("incomplete", False, [opaque])
        kernels = [w for w in m["weights"] if w["kind"] == "kernel"]
        assert len(kernels) == 1 and kernels[0]["regularizer"] is not None  # the outer Dense
        assert m["findings"] == []


def test_allow_incomplete_exits_0_but_still_says_incomplete(custom, tmp_path):
    proc = reglint("--config-only", "--allow-incomplete", "sub_bad.keras", cwd=custom)
    assert proc.returncode == 0, proc.stderr
    assert f"{INCOMPLETE.format('<model>')} (allowed by --allow-incomplete)" in proc.stdout
    assert "0 passed, 0 failed, 1 incomplete." in proc.stdout
    project = tmp_path / "p"
    project.mkdir()
    shutil.copy(custom / "sub_bad.keras", project)
    (project / "pyproject.toml").write_text("[tool.reglint.audit]\nallow-incomplete = true\n")
    assert reglint("--config-only", "sub_bad.keras", cwd=project).returncode == 0
    (project / "pyproject.toml").write_text("[tool.reglint.audit]\nallow-incomplete = 1\n")
    proc = reglint("--config-only", "sub_bad.keras", cwd=project)
    assert proc.returncode == 2
    assert "allow-incomplete must be true or false" in proc.stderr


def test_allow_glob_exempts_an_opaque_layer(custom):
    proc = reglint("--config-only", "--allow", "residual_block", "func_custom.keras", cwd=custom)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "1 passed" in proc.stdout


def test_layers_that_is_not_a_list_is_opaque(custom, tmp_path):
    """A real .keras whose config's ``layers`` was rewritten into an object."""
    src, dst = custom / "func_custom.keras", tmp_path / "odd.keras"
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w") as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename == "config.json":
                config = json.loads(data)
                config["config"]["layers"] = {"0": config["config"]["layers"][0]}
                data = json.dumps(config).encode()
            zout.writestr(item, data)
    proc = reglint("--config-only", "--format", "json", dst, cwd=tmp_path)
    assert proc.returncode == 1, proc.stderr
    (m,) = json.loads(proc.stdout)["models"]
    assert (m["status"], m["opaque"]) == ("incomplete", ["<model>"])


@pytest.mark.parametrize("allowed", [False, True])
def test_every_format_shows_it(custom, allowed):
    extra = ["--allow-incomplete"] if allowed else []
    args = ["--config-only", *extra, "sub_bad.keras", "sub_good.keras"]
    outs = {
        fmt: reglint(*args, "--format", fmt, cwd=custom) for fmt in ("sarif", "junit", "github")
    }
    assert {p.returncode for p in outs.values()} == {0 if allowed else 1}
    results = json.loads(outs["sarif"].stdout)["runs"][0]["results"]
    assert [(r["ruleId"], r["level"]) for r in results] == [
        ("incomplete", "note" if allowed else "error")
    ] * 2
    assert results[0]["message"]["text"] == INCOMPLETE.format("<model>")
    assert results[0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"].endswith(
        "sub_bad.keras"
    )
    cases = ET.fromstring(outs["junit"].stdout).iter("testcase")
    failures = [c.find("failure") for c in cases]
    if allowed:
        assert failures == [None, None]
        assert "opaque" in outs["junit"].stdout
    else:
        assert [f.get("type") for f in failures] == ["incomplete", "incomplete"]
    lines = outs["github"].stdout.splitlines()
    kind = "notice" if allowed else "error"
    assert len(lines) == 2 and all(line.startswith(f"::{kind} file=sub_") for line in lines)
    assert "title=reglint audit incomplete::incomplete: 1 layer(s) opaque" in lines[0]


def test_live_inspection_marks_a_layer_owning_its_own_kernel():
    """A custom layer with ``add_weight`` kernels: the inspection cannot judge them."""
    import keras

    from reglint.audit.api import audit_model

    class OwnKernel(keras.layers.Layer):
        def build(self, input_shape):
            self.w = self.add_weight(shape=(input_shape[-1], 2), name="w")

        def call(self, x):
            return x @ self.w

    inp = keras.Input((3,))
    hidden = OwnKernel(name="own")(inp)
    out = keras.layers.Dense(1, kernel_regularizer=keras.regularizers.L2(0.01))(hidden)
    report = audit_model(keras.Model(inp, out), train=False)
    assert report.opaque == ["own"]
    assert (report.status, report.passed) == ("incomplete", False)
    assert "own" in report.summary()
    clean = keras.Model(inp, keras.layers.Dense(1, kernel_regularizer="l2")(inp))
    assert audit_model(clean, train=False).status == "passed"
