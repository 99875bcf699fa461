"""The verification training step: RA004 (loss) and RA005 (gradients).

It runs the model's own ``train_step`` (through ``train_on_batch``) on a
private copy compiled with plain SGD at learning rate 1, so the update it
applies *is* the gradient. That works for custom ``train_step`` overrides too
(keras-facts.md §9: their reported loss cannot be trusted, their update can).
The expected figures come from the same compiled loss without the penalty
(data loss, data gradient) plus each weight's own regularizer (penalty, its
gradient).
"""

from __future__ import annotations

import functools
from typing import Any

from ..catalog import KERAS2
from .backend import as_float32, expected_step, set_seed
from .inspection import penalty_functions, variable_name
from .loading import one_line
from .policy import AuditOptions
from .report import AuditReport, GradientCheck, Verification
from .synthetic import DEFAULT_LOSS, make_inputs, make_targets, model_input

LOSS_RTOL = 1e-4
GRAD_RTOL = 1e-5  # float32 noise, relative to max |W| and max |data gradient|
MIXED_RTOL = 1e-2  # float16 compute (mixed precision): loss
MIXED_GRAD_RTOL = 1e-3  # and gradients, relative to max |data gradient|
#: other-means "explicit-penalty": an extra gradient counts when it is this many
#: times the float noise of the data gradient (eager and traced passes differ by noise).
EXPLICIT_MARGIN = 10.0


def _is_mixed(model: Any) -> bool:
    for layer in model._flatten_layers(include_self=True, recursive=True):
        policy = getattr(layer, "dtype_policy", None) or getattr(layer, "_dtype_policy", None)
        if "float16" in str(getattr(policy, "name", policy)):
            return True
    return False


def _plain(value: Any) -> Any:
    """A tracked ``_DictWrapper``/``ListWrapper`` (what Keras keeps) as a plain dict/list."""
    if hasattr(value, "keys") and hasattr(value, "items") and not isinstance(value, str):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def loss_spec(model: Any) -> Any:
    """The loss the model was compiled with (one, a list or a dict per output), or None."""
    return _plain(getattr(model, "loss", None))


def loss_weights_spec(model: Any) -> Any:
    """The ``loss_weights`` the model was compiled with, or None."""
    for attr in ("_compile_loss", "compiled_loss"):
        container = getattr(model, attr, None)
        weights = getattr(container, "_user_loss_weights", None)
        if weights is not None:
            return _plain(weights)
    return None


def _describe(loss: Any) -> str:
    if loss is None:
        return DEFAULT_LOSS
    if isinstance(loss, str):
        return loss
    if isinstance(loss, dict):
        return "{" + ", ".join(f"{k}: {_describe(v)}" for k, v in loss.items()) + "}"
    if isinstance(loss, (list, tuple)):
        return "[" + ", ".join(_describe(v) for v in loss) + "]"
    return str(getattr(loss, "__name__", None) or type(loss).__name__)


def _fix_random_layers(model: Any, flavor: str, seed: int) -> None:
    """Give tf_keras random layers (Dropout, noise) stateless, fixed seeds.

    Their default legacy stateful ops draw differently in the eager tape and in
    the traced training step, which would make the two passes disagree (a false
    RA004/RA005). Keras 3 layers draw from seed-generator variables, which the
    snapshot restores.
    """
    if flavor != KERAS2:
        return
    for i, layer in enumerate(model._flatten_layers(include_self=True, recursive=True)):
        gen = getattr(layer, "_random_generator", None)
        stateless = getattr(gen, "RNG_STATELESS", None)
        if stateless is None:
            continue
        gen._rng_type, gen._seed, gen._generator, gen._built = stateless, seed + i, None, True


def _single_replica() -> bool:
    import tensorflow as tf

    context = tf.distribute.get_replica_context()
    return context is not None and context.num_replicas_in_sync == 1


def verification_optimizer(keras: Any) -> Any:
    """SGD at learning rate 1 that skips the gradient all-reduce over a single replica.

    TensorFlow's all-reduce wraps its op in ``tf.custom_gradient``; traced into a
    training step, that registers a gradient function in TF's process-wide
    registry, which is never emptied and keeps the whole traced graph alive
    (0.8 MB for a two-Dense model, 7.6 MB for an LSTM, per audit). Summing over
    one replica is the identity, so the update is unchanged.
    """
    return _sgd_without_all_reduce(keras.optimizers.SGD)(learning_rate=1.0)


@functools.cache
def _sgd_without_all_reduce(base: type) -> type:
    class VerificationSGD(base):
        def aggregate_gradients(self, grads_and_vars):  # tf_keras
            if _single_replica():
                return list(grads_and_vars)
            return super().aggregate_gradients(grads_and_vars)

        def _all_reduce_sum_gradients(self, grads_and_vars):  # Keras 3
            if _single_replica():
                return list(grads_and_vars)
            return super()._all_reduce_sum_gradients(grads_and_vars)

    return VerificationSGD


def verify(
    model: Any,
    keras: Any,
    flavor: str,
    loss: Any,
    options: AuditOptions,
    labels: dict[int, tuple[str, str]] | None = None,
    loss_weights: Any = None,
) -> Verification:
    """Run ``options.steps`` verification steps on ``model``, which is modified.

    ``model`` must be a private copy; ``loss`` (one, a list or a dict per
    output) and ``loss_weights`` are what to compile it with (None: mean squared
    error on every output, weight 1); ``labels`` names trainable variables by
    index (see :func:`.inspection.inspect_model`).
    """
    v = Verification(
        ran=True,
        loss=_describe(loss),
        steps=options.steps,
        batch_size=options.batch_size,
        seed=options.seed,
    )
    model.compile(
        optimizer=verification_optimizer(keras),
        loss=DEFAULT_LOSS if loss is None else loss,
        loss_weights=loss_weights,
        jit_compile=False,
    )
    _fix_random_layers(model, flavor, options.seed)
    mixed = _is_mixed(model)
    rtol = MIXED_RTOL if mixed else LOSS_RTOL
    snapshot = [x.numpy() for x in model.variables]
    trainable = list(model.trainable_variables)
    fns = penalty_functions(model, flavor)
    worst: dict[str, GradientCheck] = {}
    explicit = "explicit-penalty" in options.policy.other_means
    if explicit:
        v.explicit_reason = _explicit_unmeasurable(model, flavor)
        explicit = v.explicit_reason is None
    for step in range(options.steps):
        for var, value in zip(model.variables, snapshot, strict=True):
            var.assign(value)
        seed = options.seed + step
        xs = make_inputs(model, options.batch_size, seed)
        xin = model_input(xs)
        outs = model(xin, training=False)
        yin = make_targets(outs, loss, seed, list(getattr(model, "output_names", None) or []))
        state = [x.numpy() for x in model.variables]
        data, penalty, g_data, g_pen = expected_step(model, flavor, xin, yin, fns, seed)
        for var, value in zip(model.variables, state, strict=True):
            var.assign(value)
        before = [t.numpy() for t in trainable]
        own = sum(float(as_float32(fn())) for fn in fns.values()) if explicit else 0.0
        set_seed(seed, flavor)
        logs = model.train_on_batch(xin, yin, return_dict=True)
        if "loss" not in logs:
            raise ValueError(f"the training step reports no 'loss' (it reports {sorted(logs)})")
        d, p, t = data, penalty, float(logs["loss"])
        v.data_loss, v.penalty, v.training_loss = d, p, t
        err = abs(t - (d + p))
        tol = rtol * max(abs(d + p), 1e-3) + 1e-6
        if v.loss_error is None or err > v.loss_error:
            v.loss_error, v.loss_tolerance = err, tol
        extra_loss = None
        if explicit:
            extra_loss = t - d - own
            if extra_loss > tol and t > d + p:
                err = 0.0  # a train_step's own penalty term: more than model.losses, not less
            v.explicit_loss = (
                extra_loss if v.explicit_loss is None else max(v.explicit_loss, extra_loss)
            )
        v.loss_ok = bool((v.loss_ok is not False) and (err <= tol or p <= tol))
        for i, (var, w0, gd) in enumerate(zip(trainable, before, g_data, strict=True)):
            if id(var) not in g_pen:
                if explicit and extra_loss is not None and extra_loss > tol:
                    gd = 0.0 * w0 if gd is None else gd
                    size = _extra_gradient(w0, var.numpy(), gd, mixed)
                    if size is not None:
                        _, weight = (labels or {}).get(i, (None, variable_name(var)))
                        v.explicit_penalty[weight] = max(size, v.explicit_penalty.get(weight, 0.0))
                continue
            gp = g_pen[id(var)]
            gp = 0.0 * w0 if gp is None else gp
            gd = 0.0 * w0 if gd is None else gd
            applied = w0.astype("float64") - var.numpy().astype("float64")
            e, tol, gmax, share, ok, resolvable = judge_gradient(applied, gd, gp, w0, mixed)
            layer, weight = (labels or {}).get(i, (None, variable_name(var)))
            check = GradientCheck(weight, layer, e, tol, gmax, ok, resolvable, share)
            prev = worst.get(check.weight)
            if prev is None or (prev.ok and not ok) or (prev.ok == ok and e > prev.max_error):
                worst[check.weight] = check
    v.gradients = list(worst.values())
    return v


def _explicit_unmeasurable(model: Any, flavor: str) -> str | None:
    """Why an explicit penalty's gradient cannot be told apart here, or None."""
    from .backend import JAX, keras_backend

    if flavor != KERAS2 and keras_backend() == JAX:
        return "not measured on the JAX backend"
    for layer in model._flatten_layers(include_self=True, recursive=True):
        if getattr(layer, "activity_regularizer", None) is not None:
            return (
                f"the model has activity regularizers (layer {layer.name!r}): their gradient "
                "cannot be told apart from an explicit penalty's"
            )
    return None


def _extra_gradient(w0: Any, w1: Any, data_grad: Any, mixed: bool) -> float | None:
    """max |applied update - data gradient| when it is well above float noise, else None.

    For a weight without a regularizer of its own, that is the gradient of the
    loss terms other than the data loss: an explicit penalty (``add_loss``, a
    custom ``train_step``).
    """
    import numpy as np

    applied = w0.astype("float64") - np.asarray(w1).astype("float64")
    rel = MIXED_GRAD_RTOL if mixed else GRAD_RTOL
    noise = rel * float(np.abs(data_grad).max()) + 1e-6 * float(np.abs(w0).max()) + 1e-12
    size = float(np.abs(applied - data_grad).max()) if applied.size else 0.0
    return size if size > EXPLICIT_MARGIN * noise else None


def judge_gradient(
    applied: Any, data_grad: Any, penalty_grad: Any, w: Any, mixed: bool
) -> tuple[float, float, float, float | None, bool, bool]:
    """Did the applied update carry d(penalty)/dW?

    Exact test first: ``applied == data_grad + penalty_grad`` within float noise.
    Deep networks (BatchNorm, ReLU6) give eager and graph data gradients that
    differ by more than the penalty gradient, so the fallback measures the share
    of the penalty gradient in the residual ``applied - data_grad`` by
    projection (1.0: fully applied; 0.0: dropped) and accepts 1 +- max(5%, 3 sigma),
    sigma being the uncertainty the remaining noise puts on that share.

    Returns (max error, tolerance, max |penalty grad|, share, ok, resolvable).
    """
    import numpy as np

    rel = MIXED_GRAD_RTOL if mixed else GRAD_RTOL
    noise = rel * float(np.abs(data_grad).max()) + 1e-6 * float(np.abs(w).max()) + 1e-12
    gmax = float(np.abs(penalty_grad).max())
    tol = noise + 0.01 * gmax
    residual = applied - data_grad
    err = float(np.abs(residual - penalty_grad).max())
    norm2 = float(np.sum(penalty_grad * penalty_grad))
    if norm2 == 0.0:
        return err, tol, gmax, None, True, False
    share = float(np.sum(residual * penalty_grad) / norm2)
    if err <= tol:
        return err, tol, gmax, share, True, gmax > noise
    rest = residual - share * penalty_grad
    sigma = float(np.sqrt(np.sum(rest * rest) / penalty_grad.size / norm2))
    if sigma > 0.1:
        return err, tol, gmax, share, True, False
    return err, tol, gmax, share, abs(share - 1.0) <= max(0.05, 3 * sigma), True


def add_verification_findings(report: AuditReport, v: Verification) -> None:
    if not v.ran:
        return
    if v.loss_ok is False:
        report.add(
            "RA004",
            f"training loss {v.training_loss:.6g} is not data loss {v.data_loss:.6g} + penalty "
            f"{v.penalty:.6g} (off by {v.loss_error:.3g}, tolerance {v.loss_tolerance:.3g}): "
            "the training step drops the regularization",
        )
    for g in v.gradients:
        if g.ok:
            continue
        report.add(
            "RA005",
            f"the training step applied {_share(g.penalty_share)} of d(penalty)/dW: its "
            f"gradient differs from data gradient + d(penalty)/dW by {g.max_error:.3g} "
            f"(tolerance {g.tolerance:.3g}; the penalty gradient is up to {g.penalty_grad:.3g})",
            g.layer,
            g.weight,
        )


def _share(share: float | None) -> str:
    return "an unknown share" if share is None else f"{share:.0%}"


def verify_safely(
    model: Any,
    keras: Any,
    flavor: str,
    loss: Any,
    options: AuditOptions,
    labels: dict[int, tuple[str, str]] | None = None,
    loss_weights: Any = None,
) -> Verification:
    """:func:`verify`, with a failure turned into a figure instead of an exception."""
    try:
        return verify(model, keras, flavor, loss, options, labels, loss_weights)
    except Exception as e:
        return Verification(
            ran=False,
            reason=f"the training step failed: {one_line(e)}",
            steps=options.steps,
            batch_size=options.batch_size,
            seed=options.seed,
        )
