"""``reglint audit -j N``: worker processes, same reports in input order, crashes and Ctrl-C.

Everything goes through the real CLI in a child process, on the fixture models
and on custom ones from ``neutral_models.py`` (imported in each worker with
``--import``).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = [pytest.mark.tensorflow, pytest.mark.slow]

HERE = Path(__file__).resolve().parent
HELPER = HERE / "neutral_models.py"
#: Fixtures of every kind: Keras 3 pass/fail, tf_keras (its own worker), export, refused.
FIXTURES = (
    "mlp_unreg.keras",
    "tfk_reg.h5",
    "mlp_reg.keras",
    "lambda.keras",
    "l2_zero.keras",
    "export_dir",
    "tfk_negative.h5",
    "mha.keras",
)


def _cli(args: list[str], env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "reglint", "audit", "--format", "json", *args],
        capture_output=True,
        text=True,
        timeout=600,
        env={**os.environ, **(env or {})},
    )


def _verdict(model: dict) -> tuple:
    return (model["passed"], model["error"], sorted(f["code"] for f in model["findings"]))


@pytest.fixture(scope="module")
def neutral(tmp_path_factory: pytest.TempPathFactory) -> Path:
    sys.path.insert(0, str(HERE))
    import neutral_models

    return neutral_models.build(tmp_path_factory.mktemp("neutral"))


def test_two_workers_give_the_sequential_reports_in_input_order(models, all_reports):
    paths = [str(models / n) for n in FIXTURES]
    proc = _cli(["-j", "2", *paths])
    got = json.loads(proc.stdout)["models"]
    assert [m["path"] for m in got] == paths, proc.stderr
    for m in got:
        expected = all_reports["reports"][Path(m["path"]).name]
        assert _verdict(m) == _verdict(expected.to_dict()), m["path"]
        assert m["flavor"] == expected.flavor
    assert proc.returncode == 2  # lambda.keras is refused; everything else was audited
    progress = [ln for ln in proc.stderr.splitlines() if "auditing" in ln]
    assert sorted(int(ln.split("[", 1)[1].split("/")[0]) for ln in progress) == list(
        range(1, len(paths) + 1)
    )
    assert "Traceback" not in proc.stderr


def test_a_crashed_worker_costs_only_its_model(models, neutral):
    paths = [
        neutral / "crash.keras",
        neutral / "crash2.keras",
        models / "mlp_reg.keras",
        neutral / "stale_penalty.keras",
        models / "tfk_reg.h5",
    ]
    proc = _cli(
        ["-j", "2", "--import", str(HELPER), *map(str, paths)],
        env={"REGLINT_TEST_CRASH": "1"},
    )
    got = {Path(m["path"]).name: m for m in json.loads(proc.stdout)["models"]}
    for name in ("crash.keras", "crash2.keras"):
        assert got[name]["error"] == f"audit crashed (signal {int(signal.SIGKILL)})"
        assert f"reglint: error: {neutral / name}: audit crashed (signal 9)" in proc.stderr
    # both first workers died: the later models ran in fresh ones, which imported HELPER
    assert _verdict(got["mlp_reg.keras"]) == (True, None, [])
    assert _verdict(got["stale_penalty.keras"]) == (False, None, ["RA005"])
    assert _verdict(got["tfk_reg.h5"]) == (True, None, [])
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr


def test_ctrl_c_stops_the_run_and_its_workers(models):
    paths = [str(models / n) for n in FIXTURES]
    proc = subprocess.Popen(
        [sys.executable, "-m", "reglint", "audit", "-j", "2", *paths],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    assert proc.stderr is not None
    first = proc.stderr.readline()
    assert "auditing" in first, first
    time.sleep(1.0)  # the workers are starting (importing TensorFlow)
    os.killpg(proc.pid, signal.SIGINT)  # what a terminal's Ctrl-C does: the whole group
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130
    assert "Traceback" not in err and "internal error" not in err
    deadline = time.monotonic() + 10
    while True:  # no process of the run's group is left
        try:
            os.killpg(proc.pid, 0)
        except ProcessLookupError:
            break
        assert time.monotonic() < deadline, "a worker outlived the run"
        time.sleep(0.1)


def test_jobs_must_be_positive(models):
    proc = _cli(["-j", "0", str(models / "mlp_reg.keras")])
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr and "-j" in proc.stderr
