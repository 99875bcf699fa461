"""The Keras 3 backend the audit runs on, and the verification's expected figures on it.

A ``.keras`` file is backend-neutral: with ``KERAS_BACKEND=jax`` Keras 3
artifacts are loaded, inspected and verified on JAX (its own autodiff, no
TensorFlow imported). tf_keras artifacts and SavedModels need TensorFlow.
Everything that differs between backends is here; the rest of the auditor
only uses Keras and numpy.
"""

from __future__ import annotations

import os
import sys
from typing import Any

from ..catalog import uses_legacy_keras
from .stored_config import KERAS2, StoredModel

TENSORFLOW, JAX = "tensorflow", "jax"
SUPPORTED = (TENSORFLOW, JAX)


def keras_backend() -> str:
    """The Keras 3 backend of this process: Keras's own answer once imported, else the env."""
    keras = sys.modules.get("keras")
    if keras is not None:
        try:
            return str(keras.backend.backend())
        except Exception:
            pass
    return os.environ.get("KERAS_BACKEND") or TENSORFLOW


def uses_tensorflow() -> bool:
    """Whether auditing in this process means importing TensorFlow."""
    return keras_backend() == TENSORFLOW or uses_legacy_keras(os.environ)


def backend_refusal(stored: StoredModel) -> str | None:
    """Why ``stored`` cannot be loaded on this process's backend (one line), or None."""
    name = keras_backend()
    if name == TENSORFLOW:
        return None
    if name not in SUPPORTED:
        return (
            f"KERAS_BACKEND={name} is not supported by the auditor (use {' or '.join(SUPPORTED)})"
        )
    if stored.flavor == KERAS2 or stored.format in ("savedmodel", "export"):
        export = stored.format == "export"
        what = "an inference-only SavedModel" if export else "a tf_keras artifact"
        return (
            f"{what} needs TensorFlow: audit it with KERAS_BACKEND=tensorflow "
            f"(this run uses KERAS_BACKEND={name})"
        )
    return None


def to_numpy(t: Any) -> Any:
    """A tensor or variable of any backend (TF eager, JAX, Keras) as a numpy array."""
    import numpy as np

    if hasattr(t, "numpy"):
        return np.asarray(t.numpy())
    return np.asarray(t)


def as_float32(t: Any) -> float:
    """A scalar tensor as a Python float (float16/bfloat16 values widened first)."""
    return float(to_numpy(t).astype("float32"))


def set_seed(seed: int, flavor: str) -> None:
    """Seed TensorFlow's global generator (tf_keras and TF ops draw from it).

    Keras 3 layers draw from seed-generator variables, which the verification
    restores itself, so other backends need nothing.
    """
    if flavor == KERAS2 or keras_backend() == TENSORFLOW:
        import tensorflow as tf

        tf.random.set_seed(seed)


def expected_step(
    model: Any, flavor: str, xin: Any, yin: Any, fns: dict[int, Any], seed: int
) -> tuple[float, float, list[Any], dict[int, Any]]:
    """The figures a training step that honours the penalty must reproduce.

    Returns (data loss, penalty, data gradient of each trainable variable,
    ``id(variable) -> d(own penalty)/dW`` for the variables in ``fns``);
    gradients are float64 numpy arrays, or None when not connected.
    """
    if flavor != KERAS2 and keras_backend() == JAX:
        return _jax_step(model, xin, yin, fns)
    return _tf_step(model, flavor, xin, yin, fns, seed)


def _float64(g: Any) -> Any:
    return None if g is None else to_numpy(g).astype("float64")


def _tf_step(
    model: Any, flavor: str, xin: Any, yin: Any, fns: dict[int, Any], seed: int
) -> tuple[float, float, list[Any], dict[int, Any]]:
    import tensorflow as tf

    trainable = list(model.trainable_variables)
    tf.random.set_seed(seed)
    with tf.GradientTape(persistent=True) as tape:
        y_pred = model(xin, training=True)
        y = tf.nest.map_structure(tf.convert_to_tensor, yin)
        if flavor == KERAS2:
            data = model.compiled_loss(y, y_pred, regularization_losses=None)
        else:
            data = model._compile_loss(y, y_pred)
        penalty = tf.add_n([tf.cast(e, tf.float32) for e in model.losses] or [tf.zeros(())])
        parts = {id(t): tf.cast(fns[id(t)](), tf.float32) for t in trainable if id(t) in fns}
    g_data = tape.gradient(data, trainable)
    by_id = {id(t): t for t in trainable}
    g_pen = {k: tape.gradient(p, by_id[k]) for k, p in parts.items()}
    del tape
    dense = [None if g is None else _float64(tf.convert_to_tensor(g)) for g in g_data]
    pens = {k: None if g is None else _float64(tf.convert_to_tensor(g)) for k, g in g_pen.items()}
    return float(data), float(penalty), dense, pens


def _jax_step(
    model: Any, xin: Any, yin: Any, fns: dict[int, Any]
) -> tuple[float, float, list[Any], dict[int, Any]]:
    """Stateless forward pass (as the JAX trainer runs it) differentiated with ``jax.grad``."""
    import jax
    import jax.numpy as jnp
    import keras

    trainable = list(model.trainable_variables)
    values = [v.value for v in trainable]
    frozen = [v.value for v in model.non_trainable_variables]
    metrics = [(v, v.value) for v in model.metrics_variables]
    y = keras.tree.map_structure(jnp.asarray, yin)
    kwargs = {"training": True} if getattr(model, "_call_has_training_arg", True) else {}

    def data_loss(tv: list[Any]) -> tuple[Any, Any]:
        y_pred, _, losses = model.stateless_call(tv, frozen, xin, return_losses=True, **kwargs)
        with keras.StatelessScope(state_mapping=metrics):
            data = model._compile_loss(y, y_pred)
        penalty = sum((jnp.asarray(e, jnp.float32) for e in losses), jnp.zeros((), jnp.float32))
        return jnp.asarray(data, jnp.float32), penalty

    (data, penalty), g_data = jax.value_and_grad(data_loss, has_aux=True)(values)
    g_pen: dict[int, Any] = {}
    for v, value in zip(trainable, values, strict=True):
        reg = getattr(v, "regularizer", None)
        if id(v) in fns and reg is not None:
            g = jax.grad(lambda w, reg=reg: jnp.asarray(reg(w), jnp.float32))(value)
            g_pen[id(v)] = _float64(g)
    return float(data), float(penalty), [_float64(g) for g in g_data], g_pen


class _ImportedOnly:
    """Keras's lazy ``tensorflow`` handle, "available" only once something imported TensorFlow.

    Keras's serializers ask ``tf.available`` before ``isinstance(obj,
    tf.TensorShape)``, which imports TensorFlow (2+ s, 500 MB) whenever it is
    installed, on any backend; an object cannot be a TensorFlow instance before
    TensorFlow is imported, so the answer is the same.
    """

    def __init__(self, lazy: Any) -> None:
        self._lazy = lazy

    @property
    def available(self) -> bool:
        return "tensorflow" in sys.modules and self._lazy.available

    def __getattr__(self, name: str) -> Any:
        return getattr(self._lazy, name)


def keep_tensorflow_out() -> None:
    """On a non-TensorFlow backend, stop Keras's serializers from importing TensorFlow."""
    if uses_tensorflow():
        return
    try:
        from keras.src.legacy.saving import json_utils
        from keras.src.saving import serialization_lib
        from keras.src.utils.module_utils import LazyModule
    except ImportError:
        return
    for module in (serialization_lib, json_utils):
        if isinstance(getattr(module, "tf", None), LazyModule):
            module.tf = _ImportedOnly(module.tf)
