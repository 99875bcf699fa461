"""reglint/catalog.py against Keras 3's own signatures (tf_keras: see docs/audit.md)."""

from __future__ import annotations

import inspect

import keras
import pytest

from reglint.catalog import ACTIVITY, KERAS3, KERNEL_LAYERS

pytestmark = pytest.mark.tensorflow

#: Class names the catalog lists because ``keras.src`` imports reach them, though
#: ``keras.layers`` exports the class under another name.
SRC_CLASS_NAMES = {"GroupedQueryAttention": "GroupQueryAttention"}


def _names():
    return [n for n, s in sorted(KERNEL_LAYERS.items()) if KERAS3 in s.flavors]


@pytest.mark.parametrize("name", _names())
def test_arguments_and_positions(name):
    spec = KERNEL_LAYERS[name]
    if name in SRC_CLASS_NAMES:
        cls = getattr(keras.layers, SRC_CLASS_NAMES[name])
        assert cls.__name__ == name
    else:
        cls = getattr(keras.layers, name)
    params = [p for p in inspect.signature(cls.__init__).parameters if p != "self"]
    for arg in spec.kernel_args:
        assert arg in params, f"{name} does not take {arg}"
    for arg in spec.accepted - {ACTIVITY}:
        assert arg in params, f"{name} does not take {arg}"
        pos = spec.position(arg, KERAS3)
        if pos is not None:
            assert params[pos] == arg, f"{name}.{arg} is at {params.index(arg)}, not {pos}"


@pytest.mark.slow
@pytest.mark.parametrize("value", ["1", "true", "True", "TRUE", "yes", "0", ""])
def test_legacy_keras_values_are_tensorflows(value):
    """``catalog.uses_legacy_keras`` says what TensorFlow itself does with the variable."""
    import os
    import subprocess
    import sys

    from reglint.catalog import LEGACY_KERAS_ENV, uses_legacy_keras

    env = {**os.environ, LEGACY_KERAS_ENV: value, "TF_CPP_MIN_LOG_LEVEL": "3"}
    probe = "import tensorflow as tf; print(tf.keras.layers.Dense.__module__.split('.')[0])"
    out = subprocess.run(
        [sys.executable, "-c", probe], env=env, capture_output=True, text=True, timeout=300
    )
    assert out.returncode == 0, out.stderr[-2000:]
    assert (out.stdout.strip() == "tf_keras") == uses_legacy_keras({LEGACY_KERAS_ENV: value})
