"""Clean output: no ANSI codes in machine formats, no TensorFlow log lines on stderr."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import warnings
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from reglint.audit.command import audit

pytestmark = pytest.mark.tensorflow

TF_LOG = re.compile(r"cuda|absl|I0000|W0000|oneDNN|cpu_feature_guard", re.IGNORECASE)


def _save_models(d: Path) -> tuple[Path, Path]:
    """A clean model, and one whose stored Reshape makes Keras fail with a bold message."""
    import keras

    inp = keras.Input((4,), name="x")
    x = keras.layers.Reshape((2, 2), name="reshape")(inp)
    x = keras.layers.Flatten()(x)
    out = keras.layers.Dense(1, kernel_regularizer=keras.regularizers.L2(1e-3), name="head")(x)
    good = d / "good.keras"
    keras.Model(inp, out).save(good)
    with zipfile.ZipFile(good) as z:
        files = {n: z.read(n) for n in z.namelist()}
    config = files["config.json"]
    assert b'"target_shape": [2, 2]' in config
    files["config.json"] = config.replace(b'"target_shape": [2, 2]', b'"target_shape": [3, 3]')
    bad = d / "bad.keras"
    with zipfile.ZipFile(bad, "w") as z:
        for name, data in files.items():
            z.writestr(name, data)
    return good, bad


@pytest.fixture(scope="module")
def two_models(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    return _save_models(tmp_path_factory.mktemp("clean"))


def test_keras_really_colours_this_load_error(two_models):
    import keras

    with pytest.raises(Exception) as info:
        keras.saving.load_model(two_models[1])
    assert "\x1b[1m" in str(info.value)


@pytest.mark.parametrize("fmt", ["json", "junit", "sarif", "github", "text"])
def test_load_error_has_no_ansi_codes(two_models, fmt):
    good, bad = two_models
    r = CliRunner().invoke(audit, ["--format", fmt, str(good), str(bad)])
    assert r.exit_code == 2, r.output
    assert "\x1b" not in r.stdout and "\x1b" not in r.stderr
    errors = [line for line in r.stderr.splitlines() if "error" in line]
    assert len(errors) == 1 and errors[0].startswith(f"reglint: error: {bad}: cannot load model")
    assert "The total size of the tensor must be unchanged" in errors[0]
    if fmt == "json":
        models = json.loads(r.stdout)["models"]
        assert [m["passed"] for m in models] == [True, False]
        assert "Reshape" in models[1]["error"]
    elif fmt == "junit":
        root = ET.fromstring(r.stdout)
        suite = root.find("testsuite")
        assert suite.get("errors") == "1" and suite.get("tests") == "2"
        error = root.find(".//testcase/error")
        assert "The total size of the tensor" in error.get("message")
    elif fmt == "sarif":
        notes = json.loads(r.stdout)["runs"][0]["invocations"][0]["toolExecutionNotifications"]
        assert len(notes) == 1 and "Reshape" in notes[0]["message"]["text"]


def test_junit_is_well_formed_with_control_characters():
    from reglint.audit.formats import to_junit
    from reglint.audit.report import AuditReport

    r = AuditReport("m.keras", "keras", error="\x1b[1mbold\x1b[0m bell\x07 nul\x00")
    r.add("RA001", "\x1b[31mred\x1b[0m message", "dense", "dense/kernel")
    r.notes.append("note \x1b[1mbold\x1b[0m\x0b")
    root = ET.fromstring(to_junit([r]))
    assert root.find(".//error").get("message") == "bold bell nul"
    assert r.findings[0].message == "red message"
    assert root.find(".//system-out").text == "note bold"
    assert r.to_dict()["notes"] == ["note bold"]


@pytest.mark.slow
def test_clean_audit_prints_nothing_on_stderr_and_v_restores_tf_logs(two_models):
    good = str(two_models[0])
    quiet = subprocess.run(
        [sys.executable, "-m", "reglint", "audit", good],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert quiet.returncode == 0, quiet.stdout + quiet.stderr
    assert "1 passed" in quiet.stdout
    assert quiet.stderr == "", quiet.stderr
    baseline = subprocess.run(
        [sys.executable, "-c", "import tensorflow"], capture_output=True, text=True, timeout=300
    )
    logs = [line for line in baseline.stderr.splitlines() if TF_LOG.search(line)]
    verbose = subprocess.run(
        [sys.executable, "-m", "reglint", "audit", "-v", good],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert verbose.returncode == 0, verbose.stderr
    # -v leaves TensorFlow alone: whatever it logs on import here, it logs there too.
    assert bool(logs) == any(TF_LOG.search(line) for line in verbose.stderr.splitlines())


def test_python_warnings_become_notes():
    import keras

    @keras.saving.register_keras_serializable(package="reglint_test")
    class Warns(keras.layers.Layer):
        def call(self, x):
            warnings.warn("Warns: \x1b[1mthis layer is deprecated\x1b[0m", stacklevel=1)
            return x

    from reglint.audit.api import audit_model

    inp = keras.Input((3,))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the symbolic call while building warns too
        out = keras.layers.Dense(1, kernel_regularizer=keras.regularizers.L2(1e-3))(Warns()(inp))
    with warnings.catch_warnings(record=True) as leaked:
        warnings.simplefilter("always")
        report = audit_model(keras.Model(inp, out))
    assert report.passed, report.summary()
    assert report.notes.count("warning: Warns: this layer is deprecated") == 1
    assert not [w for w in leaked if "Warns" in str(w.message)]
