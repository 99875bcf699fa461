"""Backend-neutral custom Keras 3 classes for the -j and JAX tests (``--import`` this file).

Only ``keras.ops``: the same saved model trains on TensorFlow and on JAX.
"""

from __future__ import annotations

import os
import signal
from pathlib import Path

import keras
from keras import ops

#: Set in a child's environment to make :class:`Crash` kill the process auditing it.
CRASH_ENV = "REGLINT_TEST_CRASH"


@keras.saving.register_keras_serializable(package="reglint_test")
class DropsPenalty(keras.Model):
    """``compute_loss`` without ``super()``: no penalty in loss or gradient (RA004+RA005)."""

    def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True):
        return ops.mean(ops.square(y - y_pred))


@keras.saving.register_keras_serializable(package="reglint_test")
class StalePenalty(keras.Model):
    """The penalty's value is in the loss, its gradient is not (RA005 only)."""

    def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True):
        penalty = ops.stop_gradient(ops.sum(ops.stack(self.losses)))
        return ops.mean(ops.square(y - y_pred)) + penalty


@keras.saving.register_keras_serializable(package="reglint_test")
class Crash(keras.layers.Layer):
    """Identity, except that it kills its process when :data:`CRASH_ENV` is set."""

    def call(self, x):
        if os.environ.get(CRASH_ENV):
            os.kill(os.getpid(), signal.SIGKILL)
        return x


def _mlp(cls: type = keras.Model, crash: bool = False) -> keras.Model:
    inp = keras.Input((3,))
    x = Crash()(inp) if crash else inp
    out = keras.layers.Dense(2, kernel_regularizer=keras.regularizers.L2(1e-2), name="d")(x)
    m = cls(inp, out)
    m.compile(optimizer="sgd", loss="mse")
    return m


def build(dest: Path) -> Path:
    """``drops_penalty.keras``, ``stale_penalty.keras``, ``crash.keras`` and ``crash2.keras``."""
    dest.mkdir(parents=True, exist_ok=True)
    _mlp(DropsPenalty).save(dest / "drops_penalty.keras")
    _mlp(StalePenalty).save(dest / "stale_penalty.keras")
    _mlp(crash=True).save(dest / "crash.keras")
    _mlp(crash=True).save(dest / "crash2.keras")
    return dest
