"""Each audit releases what it built: RSS stays flat over many audits in one process.

Before the fix every verification step left a traced training graph in
TensorFlow's process-wide gradient registry (0.8 MB for the two-Dense model
below, 1.5 MB under tf_keras), so RSS grew by ~23 MB between audits 10 and 40.
"""

from __future__ import annotations

import gc
import inspect
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

pytestmark = [
    pytest.mark.tensorflow,
    pytest.mark.skipif(not Path("/proc/self/statm").exists(), reason="RSS read from /proc"),
]

AUDITS = 40
FIRST = 10
MAX_GROWTH_MB = 6.0  # audits FIRST..AUDITS; was ~23 MB before the fix


def rss_mb() -> float:
    gc.collect()
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def growth(rss: list[float]) -> float:
    """RSS growth (MB) between audit FIRST and the last, each a median of three readings."""
    start = statistics.median(rss[FIRST - 2 : FIRST + 1])
    return statistics.median(rss[-3:]) - start


def assert_flat(rss: list[float]) -> None:
    grew = growth(rss)
    assert grew < MAX_GROWTH_MB, f"RSS grew {grew:.1f} MB: {[round(r, 1) for r in rss]}"


def tiny_model(keras):
    inp = keras.Input((4,))
    h = keras.layers.Dense(8, activation="relu", kernel_regularizer="l2", name="hidden")(inp)
    out = keras.layers.Dense(2, kernel_regularizer=keras.regularizers.L2(1e-3), name="head")(h)
    model = keras.Model(inp, out)
    model.compile(optimizer="sgd", loss="mse")
    return model


def repeat_audits(audit) -> list[float]:
    rss = []
    for _ in range(AUDITS):
        report = audit()
        assert report.error is None and report.verification.ran, report.summary()
        assert report.passed, report.summary()
        rss.append(rss_mb())
    return rss


@pytest.mark.slow
def test_repeated_saved_model_audits_do_not_grow_memory(tmp_path: Path):
    import keras

    from reglint.audit.api import audit_path

    path = tmp_path / "tiny.keras"
    tiny_model(keras).save(path)
    rss = repeat_audits(lambda: audit_path(path, steps=1))
    assert_flat(rss)


@pytest.mark.slow
def test_repeated_in_memory_audits_do_not_grow_memory():
    import keras

    from reglint.audit.api import audit_model

    model = tiny_model(keras)
    rss = repeat_audits(lambda: audit_model(model, steps=1))
    assert_flat(rss)


TF_KERAS_CHILD = (
    "import gc, os\n"
    + inspect.getsource(rss_mb)
    + """
import json, sys
import tf_keras as keras
from reglint.audit.api import audit_path
inp = keras.Input((4,))
h = keras.layers.Dense(8, activation="relu", kernel_regularizer="l2")(inp)
model = keras.Model(inp, keras.layers.Dense(2, kernel_regularizer="l2")(h))
model.compile(optimizer="sgd", loss="mse")
model.save(sys.argv[1])
rss = []
for _ in range(int(sys.argv[2])):
    report = audit_path(sys.argv[1], steps=1)
    assert report.passed and report.verification.ran, report.summary()
    rss.append(rss_mb())
print("RSS:" + json.dumps(rss))
"""
)


@pytest.mark.slow
def test_repeated_tf_keras_audits_do_not_grow_memory(tmp_path: Path):
    """tf_keras artifacts are audited one after another in one worker process."""
    pytest.importorskip("tf_keras")
    env = {**os.environ, "TF_USE_LEGACY_KERAS": "1", "TF_CPP_MIN_LOG_LEVEL": "3"}
    proc = subprocess.run(
        [sys.executable, "-c", TF_KERAS_CHILD, str(tmp_path / "tiny.h5"), str(AUDITS)],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    line = next(x for x in proc.stdout.splitlines() if x.startswith("RSS:"))
    rss = json.loads(line[4:])
    assert_flat(rss)


def test_user_model_still_predicts_and_trains_after_audit():
    """Nothing global is cleared: the user's own compiled model keeps working."""
    import keras

    from reglint.audit.api import audit_model

    model = tiny_model(keras)
    x = np.random.default_rng(0).standard_normal((8, 4)).astype("float32")
    y = np.zeros((8, 2), "float32")
    model.fit(x, y, verbose=0)
    before = model.predict(x, verbose=0)
    assert audit_model(model).passed
    np.testing.assert_array_equal(model.predict(x, verbose=0), before)
    kernel = model.get_layer("head").kernel.numpy().copy()
    history = model.fit(x, y, epochs=2, verbose=0)
    assert np.isfinite(history.history["loss"]).all()
    assert not np.array_equal(model.get_layer("head").kernel.numpy(), kernel)
    fresh = tiny_model(keras)
    fresh.fit(x, y, verbose=0)
    assert fresh.predict(x, verbose=0).shape == (8, 2)
