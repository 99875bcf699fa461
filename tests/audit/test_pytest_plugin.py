"""The pytest11 plugin: saved models as test items, the fixture, and no TF when unused."""

from __future__ import annotations

import shutil
import subprocess
import sys

import pytest

FIXTURE_TEST = """
import keras


def _model(reg):
    inp = keras.Input((3,))
    return keras.Model(inp, keras.layers.Dense(1, kernel_regularizer=reg)(inp))


def test_regularized(reglint_audit):
    report = reglint_audit(_model(keras.regularizers.L2(1e-3)))
    assert report.passed


def test_unregularized(reglint_audit):
    reglint_audit(_model(None))
"""


@pytest.mark.tensorflow
def test_models_are_items_and_fixture_works(models, tmp_path):
    d = tmp_path / "saved"
    d.mkdir()
    for name in ("mlp_reg.keras", "mlp_unreg.keras"):
        shutil.copy(models / name, d / name)
    (tmp_path / "test_fixture.py").write_text(FIXTURE_TEST)
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-rA",
            "-p",
            "no:cacheprovider",
            "--reglint-audit",
            "saved",
            "--reglint-no-train",
            "test_fixture.py",
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
    )
    out = proc.stdout
    assert proc.returncode == 1, out + proc.stderr
    assert "2 failed, 2 passed" in out, out
    assert "PASSED saved/mlp_reg.keras::reglint-audit" in out
    assert "FAILED saved/mlp_unreg.keras::reglint-audit" in out
    assert "RA001 hidden/kernel" in out
    assert "FAILED test_fixture.py::test_unregularized" in out


def test_plugin_is_registered_and_imports_no_tensorflow(tmp_path):
    (tmp_path / "test_plain.py").write_text("def test_ok():\n    assert True\n")
    code = (
        "import sys, pytest\n"
        "rc = pytest.main(['-q', '-p', 'no:cacheprovider', 'test_plain.py'])\n"
        "import reglint.pytest_plugin as p\n"
        "print('RC', int(rc), 'PLUGIN', 'reglint' in sys.modules and p.__name__)\n"
        "print('HEAVY', sorted(m for m in ('tensorflow', 'keras', 'tf_keras', 'h5py')"
        " if m in sys.modules))\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, timeout=120
    )
    assert "RC 0" in proc.stdout, proc.stdout + proc.stderr
    assert "HEAVY []" in proc.stdout
    help_text = subprocess.run(
        [sys.executable, "-m", "pytest", "--help"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    ).stdout
    assert "--reglint-audit" in help_text
