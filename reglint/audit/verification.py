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

from dataclasses import dataclass
from typing import Any

from .inspection import penalty_functions, variable_name
from .loading import one_line
from .policy import AuditOptions
from .report import AuditReport, GradientCheck, Verification
from .synthetic import make_inputs, make_targets, model_input

DEFAULT_LOSS = "mean_squared_error"
LOSS_RTOL = 1e-4
GRAD_RTOL = 1e-5  # float32 noise, relative to max |W| and max |data gradient|
MIXED_RTOL = 1e-2  # float16 compute (mixed precision): loss
MIXED_GRAD_RTOL = 1e-3  # and gradients, relative to max |data gradient|


@dataclass
class _Step:
    data_loss: float
    penalty: float
    training_loss: float
    grads: dict[
        str, tuple[float, float, float, bool]
    ]  # weight -> error, tol, penalty grad, resolvable


def _is_mixed(model: Any) -> bool:
    for layer in model._flatten_layers(include_self=True, recursive=True):
        policy = getattr(layer, "dtype_policy", None) or getattr(layer, "_dtype_policy", None)
        if "float16" in str(getattr(policy, "name", policy)):
            return True
    return False


def loss_spec(model: Any) -> Any:
    """The loss the model was compiled with, or None."""
    return getattr(model, "loss", None)


def _data_loss(model: Any, flavor: str, y: Any, y_pred: Any) -> Any:
    if flavor == "keras2":
        return model.compiled_loss(y, y_pred, regularization_losses=None)
    return model._compile_loss(y, y_pred)


def verify(
    model: Any,
    keras: Any,
    flavor: str,
    loss: Any,
    options: AuditOptions,
    labels: dict[int, tuple[str, str]] | None = None,
) -> Verification:
    """Run ``options.steps`` verification steps on ``model``, which is modified.

    ``model`` must be a private copy; ``loss`` is the loss to compile it with
    (None: mean squared error); ``labels`` names trainable variables by index
    (see :func:`.inspection.inspect_model`).
    """
    import tensorflow as tf

    name = (
        DEFAULT_LOSS if loss is None else (loss if isinstance(loss, str) else type(loss).__name__)
    )
    v = Verification(
        ran=True, loss=name, steps=options.steps, batch_size=options.batch_size, seed=options.seed
    )
    model.compile(
        optimizer=keras.optimizers.SGD(learning_rate=1.0),
        loss=DEFAULT_LOSS if loss is None else loss,
        jit_compile=False,
    )
    mixed = _is_mixed(model)
    rtol = MIXED_RTOL if mixed else LOSS_RTOL
    snapshot = [x.numpy() for x in model.variables]
    trainable = list(model.trainable_variables)
    fns = penalty_functions(model, flavor)
    worst: dict[str, GradientCheck] = {}
    for step in range(options.steps):
        for var, value in zip(model.variables, snapshot, strict=True):
            var.assign(value)
        seed = options.seed + step
        xs = make_inputs(model, options.batch_size, seed)
        xin = model_input(xs)
        outs = model(xin, training=False)
        outs = list(outs) if isinstance(outs, (list, tuple)) else [outs]
        losses = loss if isinstance(loss, (list, tuple)) else [loss]
        ys = make_targets(outs, losses, seed)
        yin = model_input(ys)
        state = [x.numpy() for x in model.variables]
        tf.random.set_seed(seed)
        with tf.GradientTape(persistent=True) as tape:
            y_pred = model(xin, training=True)
            data = _data_loss(
                model, flavor, tf.nest.map_structure(tf.convert_to_tensor, yin), y_pred
            )
            penalty = tf.add_n([tf.cast(e, tf.float32) for e in model.losses] or [tf.zeros(())])
            parts = {id(t): tf.cast(fns[id(t)](), tf.float32) for t in trainable if id(t) in fns}
        g_data = tape.gradient(data, trainable)
        by_id = {id(t): t for t in trainable}
        g_pen = {k: tape.gradient(p, by_id[k]) for k, p in parts.items()}
        del tape
        for var, value in zip(model.variables, state, strict=True):
            var.assign(value)
        before = [t.numpy() for t in trainable]
        tf.random.set_seed(seed)
        logs = model.train_on_batch(xin, yin, return_dict=True)
        if "loss" not in logs:
            raise ValueError(f"the training step reports no 'loss' (it reports {sorted(logs)})")
        d, p, t = float(data), float(penalty), float(logs["loss"])
        v.data_loss, v.penalty, v.training_loss = d, p, t
        err = abs(t - (d + p))
        tol = rtol * max(abs(d + p), 1e-3) + 1e-6
        if v.loss_error is None or err > v.loss_error:
            v.loss_error, v.loss_tolerance = err, tol
        v.loss_ok = bool((v.loss_ok is not False) and (err <= tol or p <= tol))
        for i, (var, w0, gd) in enumerate(zip(trainable, before, g_data, strict=True)):
            if id(var) not in g_pen:
                continue
            gp = g_pen[id(var)]
            gp = 0.0 * w0 if gp is None else _dense(tf, gp)
            gd = 0.0 * w0 if gd is None else _dense(tf, gd)
            applied = w0.astype("float64") - var.numpy().astype("float64")
            e, tol, gmax, share, ok, resolvable = judge_gradient(applied, gd, gp, w0, mixed)
            layer, weight = (labels or {}).get(i, (None, variable_name(var)))
            check = GradientCheck(weight, layer, e, tol, gmax, ok, resolvable, share)
            prev = worst.get(check.weight)
            if prev is None or (prev.ok and not ok) or (prev.ok == ok and e > prev.max_error):
                worst[check.weight] = check
    v.gradients = list(worst.values())
    return v


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


def _dense(tf: Any, g: Any) -> Any:
    """A gradient as a float64 array (Embedding gradients are IndexedSlices)."""
    return tf.cast(tf.convert_to_tensor(g), tf.float64).numpy()


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
) -> Verification:
    """:func:`verify`, with a failure turned into a figure instead of an exception."""
    try:
        return verify(model, keras, flavor, loss, options, labels)
    except Exception as e:
        return Verification(
            ran=False,
            reason=f"the training step failed: {one_line(e)}",
            steps=options.steps,
            batch_size=options.batch_size,
            seed=options.seed,
        )
