"""audit_model on in-memory models: RA002, RA004, RA005, frozen weights, no side effects."""

from __future__ import annotations

import keras
import numpy as np
import pytest
import tensorflow as tf

pytestmark = pytest.mark.tensorflow


class DropsPenalty(keras.Model):
    """A custom train_step whose loss (and so gradient) has no penalty: RA004 + RA005."""

    def train_step(self, data):
        x, y, _ = keras.utils.unpack_x_y_sample_weight(data)
        with tf.GradientTape() as tape:
            loss = tf.reduce_mean(keras.losses.mean_squared_error(y, self(x, training=True)))
        grads = tape.gradient(loss, self.trainable_variables)
        self.optimizer.apply_gradients(zip(grads, self.trainable_variables, strict=True))
        return {"loss": loss}


class StalePenalty(keras.Model):
    """Reads model.losses before the tape: right loss value, no penalty gradient: RA005."""

    def train_step(self, data):
        x, y, _ = keras.utils.unpack_x_y_sample_weight(data)
        penalty = tf.add_n(self.losses)
        with tf.GradientTape() as tape:
            data_loss = keras.losses.mean_squared_error(y, self(x, training=True))
            loss = tf.reduce_mean(data_loss) + penalty
        grads = tape.gradient(loss, self.trainable_variables)
        self.optimizer.apply_gradients(zip(grads, self.trainable_variables, strict=True))
        return {"loss": loss}


def dense_model(cls=keras.Model, reg=None, name="d"):
    inp = keras.Input((4,))
    out = keras.layers.Dense(2, kernel_regularizer=reg, name=name)(inp)
    m = cls(inp, out)
    m.compile(optimizer="adam", loss="mse")
    return m


def codes(report):
    return sorted(f.code for f in report.findings)


def test_regularized_model_passes():
    from reglint.audit.api import audit_model

    report = audit_model(dense_model(reg=keras.regularizers.L2(1e-2)))
    assert report.passed, report.summary()
    assert report.verification.ran and report.verification.loss_ok


def test_train_step_without_penalty_ra004_ra005():
    from reglint.audit.api import audit_model

    r = audit_model(dense_model(DropsPenalty, keras.regularizers.L2(1e-2)))
    assert codes(r) == ["RA004", "RA005"], r.summary()
    assert r.findings[1].weight == "d/kernel"


def test_penalty_read_outside_tape_ra005_only():
    from reglint.audit.api import audit_model

    r = audit_model(dense_model(StalePenalty, keras.regularizers.L2(1e-2)))
    assert codes(r) == ["RA005"], r.summary()


def test_regularizer_assigned_after_build_ra002():
    from reglint.audit.api import audit_model

    m = dense_model()
    m.get_layer("d").kernel_regularizer = keras.regularizers.L2(1e-2)
    r = audit_model(m)
    assert codes(r) == ["RA002"], r.summary()


def test_l2_zero_ra003():
    from reglint.audit.api import audit_model

    r = audit_model(dense_model(reg=keras.regularizers.L2(0.0)))
    assert codes(r) == ["RA003"]


def test_frozen_layer_is_not_required():
    from reglint.audit.api import audit_model

    inp = keras.Input((4,))
    frozen = keras.layers.Dense(3, trainable=False, name="frozen")
    out = keras.layers.Dense(1, kernel_regularizer=keras.regularizers.L2(1e-2), name="head")(
        frozen(inp)
    )
    r = audit_model(keras.Model(inp, out))
    assert r.passed, r.summary()
    assert not next(w for w in r.weights if w.weight == "frozen/kernel").trainable


def test_unbuilt_model_is_an_error():
    from reglint.audit.api import audit_model

    r = audit_model(keras.Sequential([keras.layers.Dense(2)]))
    assert r.error and "input shape" in r.error and not r.passed


@pytest.mark.parametrize("cls", [keras.Model, DropsPenalty])
def test_in_memory_model_left_exactly_unchanged(cls):
    from reglint.audit.api import audit_model

    m = dense_model(cls, keras.regularizers.L2(1e-2))
    m.fit(np.ones((8, 4), "float32"), np.ones((8, 2), "float32"), verbose=0)
    optimizer, loss, train_function = m.optimizer, m.loss, m.train_function
    weights = [v.numpy().copy() for v in m.variables]
    opt_state = [v.numpy().copy() for v in m.optimizer.variables]
    audit_model(m, steps=2)
    assert m.optimizer is optimizer and m.loss is loss and m.train_function is train_function
    assert len(m.variables) == len(weights)
    assert all(np.array_equal(a, v.numpy()) for a, v in zip(weights, m.variables, strict=True))
    assert len(m.optimizer.variables) == len(opt_state)
    assert all(
        np.array_equal(a, v.numpy()) for a, v in zip(opt_state, m.optimizer.variables, strict=True)
    )
