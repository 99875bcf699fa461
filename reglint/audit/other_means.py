"""What the policy's ``exempt-outputs`` and ``other-means`` clauses need from a live model.

Output layers come from the model graph; weight decay from ``model.optimizer``,
proven by one step of a fresh copy of that optimizer on copies of the weights
with zero gradients (keras-facts.md §10: each decayed weight then becomes
exactly ``w * (1 - lr * weight_decay)``). The user's model and optimizer are
never stepped.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ..catalog import KERAS2

#: A decayed weight must match ``w * (1 - lr * wd)`` within this share of the
#: shrink ``|w| * lr * wd`` (plus float32 rounding of ``w``).
DECAY_RTOL = 1e-2
_FLOAT32_EPS = 1.2e-7


def output_layer_ids(model: Any) -> set[int]:
    """``id`` of each layer whose output tensor is one of ``model.outputs``
    (a Sequential's last layer), looking inside nested models; empty for a
    subclassed model, which has no graph."""
    found: set[int] = set()
    _collect_outputs(model, found, depth=0)
    return found


def _collect_outputs(model: Any, found: set[int], depth: int) -> None:
    if depth > 32:
        return
    producers: list[Any] = []
    if type(model).__name__ == "Sequential":
        layers = list(getattr(model, "layers", []) or [])
        producers = layers[-1:]
    else:
        try:
            outputs = list(_flatten(getattr(model, "outputs", None) or []))
        except Exception:
            outputs = []
        for tensor in outputs:
            history = getattr(tensor, "_keras_history", None)
            if history is not None:
                producers.append(history[0])
    for layer in producers:
        if layer is None or layer is model:
            continue
        found.add(id(layer))
        if hasattr(layer, "layers") and (
            hasattr(layer, "outputs") or type(layer).__name__ == "Sequential"
        ):
            _collect_outputs(layer, found, depth + 1)


def _flatten(value: Any) -> Iterable[Any]:
    if isinstance(value, dict):
        for v in value.values():
            yield from _flatten(v)
    elif isinstance(value, (list, tuple)):
        for v in value:
            yield from _flatten(v)
    else:
        yield value


def has_activity_regularizer(layer: Any) -> bool:
    return getattr(layer, "activity_regularizer", None) is not None


class DecayCoverage:
    """Which variables ``model.optimizer`` decays, proven by one zero-gradient step.

    :meth:`why_not` is None for a covered variable, else the reason it is not.
    """

    def __init__(self, model: Any, flavor: str) -> None:
        self.optimizer = getattr(model, "optimizer", None)
        self.flavor = flavor
        self.weight_decay = _number(getattr(self.optimizer, "weight_decay", None))
        self.learning_rate: float | None = None
        self._proven: dict[int, str | None] = {}
        self.reason = self._global_reason()

    def _global_reason(self) -> str | None:
        if self.optimizer is None or not hasattr(self.optimizer, "apply_gradients"):
            return "the model has no optimizer (not compiled, or saved without one)"
        name = type(self.optimizer).__name__
        if self.weight_decay is None or self.weight_decay <= 0:
            return f"its optimizer {name} has no weight_decay > 0"
        if not hasattr(self.optimizer, "_use_weight_decay"):
            return f"its optimizer {name} does not say which variables it decays"
        try:
            self.learning_rate = _learning_rate(self.optimizer)
        except Exception:
            return f"the learning rate of its optimizer {name} is unknown"
        return None

    def prove(self, variables: list[Any]) -> None:
        """One step of a fresh copy of the optimizer with zero gradients on copies
        of ``variables`` (those the optimizer decays); records each verdict."""
        if self.reason is not None:
            return
        decayed = []
        for v in variables:
            if not _uses_decay(self.optimizer, v):
                self._proven[id(v)] = "excluded by the optimizer's exclude_from_weight_decay"
            else:
                decayed.append(v)
        if not decayed:
            return
        try:
            import numpy as np

            fresh = type(self.optimizer).from_config(self.optimizer.get_config())
            copies = [_copy_variable(v, self.flavor) for v in decayed]
            before = [np.asarray(c.numpy(), dtype="float64") for c in copies]
            zeros = [_zeros_like(c, self.flavor) for c in copies]
            fresh.apply_gradients(list(zip(zeros, copies, strict=True)))
            after = [np.asarray(c.numpy(), dtype="float64") for c in copies]
        except Exception as e:
            from .loading import one_line

            for v in decayed:
                self._proven[id(v)] = (
                    f"the zero-gradient step of its optimizer failed: {one_line(e)}"
                )
            return
        assert self.learning_rate is not None and self.weight_decay is not None
        factor = self.learning_rate * self.weight_decay
        for v, w0, w1 in zip(decayed, before, after, strict=True):
            self._proven[id(v)] = _judge_decay(w0, w1, factor)

    def why_not(self, variable: Any) -> str | None:
        if self.reason is not None:
            return self.reason
        return self._proven.get(id(variable), "not proven by the zero-gradient step")


def _judge_decay(w0: Any, w1: Any, factor: float) -> str | None:
    import numpy as np

    expected = w0 * (1.0 - factor)
    scale = float(np.abs(w0).max()) if w0.size else 0.0
    if scale == 0.0:
        return "the weight is all zeros: decay cannot be seen"
    shrink = scale * factor
    tol = DECAY_RTOL * shrink + 4 * _FLOAT32_EPS * scale
    if shrink <= tol:
        return f"lr * weight_decay = {factor:.3g} is below float32 resolution"
    err = float(np.abs(w1 - expected).max())
    if err > tol:
        return (
            f"a zero-gradient step changed the weight by up to {float(np.abs(w1 - w0).max()):.3g}, "
            f"not by lr * weight_decay * w ({shrink:.3g} at most)"
        )
    return None


def _uses_decay(optimizer: Any, variable: Any) -> bool:
    """``optimizer._use_weight_decay(variable)``, leaving its memo as it was."""
    had = hasattr(optimizer, "_exclude_from_weight_decay_cache")
    cache = dict(getattr(optimizer, "_exclude_from_weight_decay_cache", None) or {})
    try:
        return bool(optimizer._use_weight_decay(variable))
    finally:
        if had:
            optimizer._exclude_from_weight_decay_cache = cache
        elif hasattr(optimizer, "_exclude_from_weight_decay_cache"):
            del optimizer._exclude_from_weight_decay_cache


def _learning_rate(optimizer: Any) -> float:
    schedule = getattr(optimizer, "_learning_rate", None)
    if callable(schedule) and not hasattr(schedule, "numpy"):
        return float(schedule(0))
    return _number(optimizer.learning_rate) or 0.0


def _number(value: Any) -> float | None:
    if value is None:
        return None
    try:
        return float(value.numpy() if hasattr(value, "numpy") else value)
    except Exception:
        return None


def _copy_variable(v: Any, flavor: str) -> Any:
    import numpy as np

    name = getattr(v, "name", "w").split("/")[-1].split(":")[0]
    value = np.array(v.numpy())
    if flavor == KERAS2:
        import tensorflow as tf

        return tf.Variable(value, name=name, trainable=True)
    import keras

    return keras.Variable(value, name=name, trainable=True)


def _zeros_like(v: Any, flavor: str) -> Any:
    import numpy as np

    zeros = np.zeros(tuple(v.shape), dtype=np.asarray(v.numpy()).dtype)
    if flavor == KERAS2:
        import tensorflow as tf

        return tf.constant(zeros)
    import keras

    return keras.ops.convert_to_tensor(zeros)
