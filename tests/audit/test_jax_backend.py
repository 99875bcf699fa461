"""The auditor on Keras 3's JAX backend: same verdicts as on TensorFlow, no TensorFlow imported.

The fixture models are built here (TensorFlow backend) and audited by the real
CLI in a child process with ``KERAS_BACKEND=jax``: inspection and verification
run on JAX with ``jax.grad``. The verdicts expected are the TensorFlow ones
(``test_codes.py``, ``test_model_shapes.py``, and an in-process TensorFlow audit
of the same custom models).
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from test_codes import CLEAN, EXPECTED
from test_model_shapes import MHA_KERNELS, PASSING

pytestmark = [pytest.mark.tensorflow, pytest.mark.jax, pytest.mark.slow]

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
HELPER = HERE / "neutral_models.py"
K3_CLEAN = [n for n in CLEAN if not n.startswith("tfk_")]
K3_FINDINGS = {n: c for n, c in EXPECTED.items() if not n.startswith("tfk_") and n != "export_dir"}
SHAPED = ["dict_inputs.keras", "dict_outputs.keras", "list_outputs.keras", "dropout_bn.keras"]
SHAPED += ["masked_lstm.keras", "mha_unreg.keras"]
NEUTRAL = {"drops_penalty.keras": ["RA004", "RA005"], "stale_penalty.keras": ["RA005"]}
NEEDS_TF = ["tfk_reg.h5", "tfk_reg_sm", "export_dir"]
#: ``python -X importtime`` lines: "import time: self | cumulative | <indent>module".
IMPORTED = re.compile(r"^import time:\s*\d+ \|\s*\d+ \|\s*(\S+)\s*$")


def _jax_cli(args: list[str]) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "TF_USE_LEGACY_KERAS"}
    return subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "reglint", "audit", "--format", "json", *args],
        capture_output=True,
        text=True,
        timeout=900,
        env={**env, "KERAS_BACKEND": "jax"},
    )


@pytest.fixture(scope="module")
def neutral(tmp_path_factory: pytest.TempPathFactory) -> Path:
    sys.path.insert(0, str(HERE))
    import neutral_models

    return neutral_models.build(tmp_path_factory.mktemp("neutral"))


@pytest.fixture(scope="module")
def shaped_k3(tmp_path_factory: pytest.TempPathFactory) -> Path:
    prebuilt = os.environ.get("REGLINT_SHAPED_MODELS")
    if prebuilt:
        return Path(prebuilt)
    spec = importlib.util.spec_from_file_location(
        "build_shaped_models", ROOT / "fixtures" / "build_shaped_models.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.build(tmp_path_factory.mktemp("shaped_k3"), ("keras3",))


@pytest.fixture(scope="module")
def jax_run(models, shaped_k3, neutral):
    paths = [models / n for n in (*K3_CLEAN, *sorted(K3_FINDINGS), *NEEDS_TF)]
    paths += [shaped_k3 / n for n in SHAPED] + [neutral / n for n in NEUTRAL]
    proc = _jax_cli(["--import", str(HELPER), *map(str, paths)])
    reports = {Path(m["path"]).name: m for m in json.loads(proc.stdout)["models"]}
    return proc, reports


def _codes(model: dict) -> list[str]:
    return sorted({f["code"] for f in model["findings"]})


def test_no_tensorflow_module_is_imported(jax_run):
    proc, reports = jax_run
    modules = {m.group(1) for m in map(IMPORTED.match, proc.stderr.splitlines()) if m}
    assert "jax" in modules and "keras" in modules
    assert sorted(m for m in modules if m.split(".")[0] in ("tensorflow", "tf_keras")) == []
    assert reports["mlp_reg.keras"]["verification"]["ran"]


@pytest.mark.parametrize("name", K3_CLEAN)
def test_clean_fixtures_pass_with_verification_on_jax(jax_run, all_reports, name):
    m = jax_run[1][name]
    assert m["error"] is None and m["passed"], m
    v = m["verification"]
    assert v["ran"] and v["loss_ok"] and v["penalty"] > 0, v
    assert v["gradients"] and all(g["ok"] and g["resolvable"] for g in v["gradients"]), v
    on_tf = all_reports["reports"][name]
    assert sorted(g["weight"] for g in v["gradients"]) == sorted(
        g.weight for g in on_tf.verification.gradients
    )
    assert v["penalty"] == pytest.approx(on_tf.verification.penalty, rel=1e-5)


@pytest.mark.parametrize("name", sorted(K3_FINDINGS))
def test_defective_fixtures_get_the_tensorflow_codes(jax_run, all_reports, name):
    m = jax_run[1][name]
    assert m["error"] is None, m["error"]
    assert set(_codes(m)) == K3_FINDINGS[name]
    on_tf = all_reports["reports"][name]
    assert [(f["layer"], f["weight"]) for f in m["findings"]] == [
        (f.layer, f.weight) for f in on_tf.findings
    ]


@pytest.mark.parametrize("name", sorted(NEUTRAL))
def test_training_step_without_penalty_ra004_ra005_on_both_backends(jax_run, neutral, name):
    from reglint.audit.api import audit_path
    from reglint.audit.policy import AuditOptions

    m = jax_run[1][name]
    assert m["error"] is None and _codes(m) == NEUTRAL[name], m
    assert [f["weight"] for f in m["findings"] if f["code"] == "RA005"] == ["d/kernel"]
    on_tf = audit_path(neutral / name, options=AuditOptions(imports=(str(HELPER),)))
    assert on_tf.error is None and sorted({f.code for f in on_tf.findings}) == NEUTRAL[name]


@pytest.mark.parametrize("name", SHAPED)
def test_structured_models_get_the_tensorflow_verdict(jax_run, name):
    m = jax_run[1][name]
    assert m["error"] is None, m["error"]
    checked = sorted(g["weight"] for g in m["verification"]["gradients"])
    if name == "mha_unreg.keras":
        assert [(f["code"], f["weight"]) for f in m["findings"]] == [
            ("RA001", w) for w in MHA_KERNELS
        ]
        assert checked == ["head/kernel"]
    else:
        assert m["passed"], m
        assert checked == sorted(PASSING[name])
    assert all(g["ok"] for g in m["verification"]["gradients"])


@pytest.mark.parametrize("name", NEEDS_TF)
def test_tensorflow_artifacts_say_they_need_tensorflow(jax_run, name):
    proc, reports = jax_run
    error = reports[name]["error"]
    assert error and "needs TensorFlow" in error and "KERAS_BACKEND=jax" in error
    assert proc.returncode == 2
    [line] = [ln for ln in proc.stderr.splitlines() if ln.startswith("reglint: error:")][
        NEEDS_TF.index(name) : NEEDS_TF.index(name) + 1
    ]
    assert line.endswith(error) and name in line
    assert "Traceback" not in proc.stderr


def test_workers_inherit_the_backend(models, neutral):
    paths = [neutral / "drops_penalty.keras", models / "mlp_reg.keras", models / "tfk_reg.h5"]
    proc = _jax_cli(["-j", "2", "--import", str(HELPER), *map(str, paths)])
    got = {Path(m["path"]).name: m for m in json.loads(proc.stdout)["models"]}
    assert _codes(got["drops_penalty.keras"]) == ["RA004", "RA005"]
    assert got["mlp_reg.keras"]["passed"] and got["mlp_reg.keras"]["verification"]["ran"]
    assert "needs TensorFlow" in got["tfk_reg.h5"]["error"]
    assert proc.returncode == 2
