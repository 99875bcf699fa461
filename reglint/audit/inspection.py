"""Layers → kernel-type weights → regularizer → the penalty found in ``model.losses``."""

from __future__ import annotations

import functools
from collections.abc import Iterator
from typing import Any

from ..catalog import BIAS, KERNEL_LAYERS, LayerSpec
from .backend import as_float32
from .config_audit import argument_kind
from .other_means import DecayCoverage, has_activity_regularizer, output_layer_ids
from .policy import AuditOptions, is_allowed, is_required
from .regularizers import parse_regularizer, regularizer_from_object
from .report import Regularizer, WeightRecord
from .stored_config import KERAS2, KERAS3

LOSS_ATOL = 1e-6
LOSS_RTOL = 1e-5


def layer_spec(layer: Any) -> LayerSpec | None:
    """The catalog entry of ``layer``'s Keras class (subclasses included)."""
    for cls in type(layer).__mro__:
        mod = cls.__module__
        if cls.__name__ in KERNEL_LAYERS and (mod.startswith(("keras", "tf_keras"))):
            return KERNEL_LAYERS[cls.__name__]
    return None


def _children(layer: Any) -> list[Any]:
    try:
        return list(layer._flatten_layers(include_self=False, recursive=False))
    except Exception:
        return list(getattr(layer, "layers", []))


def iter_kernel_layers(model: Any) -> Iterator[tuple[str, Any, LayerSpec]]:
    """Every catalog layer inside ``model`` (nested models and wrappers too), once."""
    seen: set[int] = set()

    def visit(layer: Any, prefix: str) -> Iterator[tuple[str, Any, LayerSpec]]:
        for child in _children(layer):
            if id(child) in seen:
                continue
            seen.add(id(child))
            path = f"{prefix}/{child.name}" if prefix else child.name
            spec = layer_spec(child)
            if spec is not None:
                yield path, child, spec
            else:
                yield from visit(child, path)

    yield from visit(model, "")


def variable_name(v: Any) -> str:
    name = getattr(v, "path", None) or v.name
    return name[:-2] if name.endswith(":0") else name


def _arguments(spec: LayerSpec) -> list[tuple[str, tuple[str, ...]]]:
    args = list(spec.weights.items())
    if BIAS not in spec.weights and BIAS in spec.accepted:
        args.append((BIAS, ("bias",)))
    return args


def _match(name: str, spec: LayerSpec) -> str | None:
    for arg, suffixes in _arguments(spec):
        if any(name == s or name.endswith("/" + s) for s in suffixes):
            return arg
    return None


def _configured_regularizer(layer: Any, arg: str, flavor: str) -> Regularizer | None:
    try:
        return parse_regularizer(layer.get_config().get(arg), flavor)
    except Exception:
        obj = getattr(layer, arg, None) or getattr(layer, "_" + arg, None)
        return regularizer_from_object(obj)


def _find_variable(fn: Any, depth: int = 0) -> Any:
    """The variable a tf_keras regularization closure penalizes (nested partials)."""
    if depth > 4 or not isinstance(fn, functools.partial):
        return None
    for a in fn.args:
        if hasattr(a, "assign") and hasattr(a, "shape"):
            return a
        found = _find_variable(a, depth + 1)
        if found is not None:
            return found
    return None


def penalty_functions(model: Any, flavor: str) -> dict[int, Any]:
    """``id(variable) -> zero-argument function`` returning its weight penalty."""
    fns: dict[int, Any] = {}
    if flavor == KERAS2:
        for layer in model._flatten_layers(include_self=True, recursive=True):
            for fn in getattr(layer, "_callable_losses", ()):
                v = _find_variable(fn)
                if v is not None:
                    fns[id(v)] = fn
        return fns
    for v in model.weights:
        reg = getattr(v, "regularizer", None)
        if reg is not None:
            fns[id(v)] = functools.partial(reg, v)
    return fns


def loss_values(model: Any) -> list[float]:
    """``model.losses`` as floats; symbolic entries (keras-facts.md §3) are skipped."""
    values = []
    for entry in model.losses:
        try:
            values.append(as_float32(entry))
        except Exception:
            continue
    return values


def inspect_model(
    model: Any,
    options: AuditOptions,
    flavor: str | None = None,
    labels: dict[int, tuple[str, str]] | None = None,
) -> list[WeightRecord]:
    """A record for each kernel-type (and recurrent/bias) weight of ``model``.

    Run one eager forward pass before calling this (activity losses are
    symbolic until then). ``labels``, if given, receives the index of each
    recorded trainable variable in ``model.trainable_variables`` mapped to its
    ``(layer, weight)`` names, for the verification step.
    """
    import numpy as np

    flavor = flavor or (KERAS2 if type(model).__module__.startswith("tf_keras") else KERAS3)
    fns = penalty_functions(model, flavor)
    trainable_index = {id(v): i for i, v in enumerate(model.trainable_variables)}
    records: list[WeightRecord] = []
    seen: set[int] = set()
    outputs = output_layer_ids(model)
    decay = DecayCoverage(model, flavor) if "weight-decay" in options.policy.other_means else None
    decay_vars: list[tuple[WeightRecord, Any]] = []
    for path, layer, spec in iter_kernel_layers(model):
        for v in layer.weights:
            if id(v) in seen:
                continue
            seen.add(id(v))
            name = variable_name(v)
            arg = _match(name, spec)
            kind = arg and argument_kind(spec.kernel_args, arg)
            if kind is None or (kind == "recurrent" and not spec.recurrent):
                continue
            marker = layer.name + "/"
            rel = name.split(marker, 1)[1] if marker in name else name.rsplit("/", 1)[-1]
            reg = _configured_regularizer(layer, arg, flavor)
            penalty = None
            fn = fns.get(id(v))
            if fn is not None:
                penalty = as_float32(fn())
                if reg is None:
                    reg = regularizer_from_object(getattr(v, "regularizer", None)) or Regularizer(
                        "callable"
                    )
            if labels is not None and id(v) in trainable_index:
                labels[trainable_index[id(v)]] = (path, f"{path}/{rel}")
            records.append(
                WeightRecord(
                    layer=path,
                    layer_class=spec.name,
                    weight=f"{path}/{rel}",
                    argument=arg,
                    kind=kind,
                    trainable=id(v) in trainable_index,
                    shape=[int(d) for d in v.shape],
                    regularizer=reg,
                    penalty=penalty,
                    required=is_required(kind, options),
                    allowed=is_allowed(path, options.allow),
                    zero_weight=bool(not np.any(np.asarray(v))),
                    output=id(layer) in outputs,
                    activity=has_activity_regularizer(layer),
                )
            )
            if records[-1].activity:
                records[-1].covered_by.append("activity")
            if decay is not None:
                decay_vars.append((records[-1], v))
    if decay is not None:
        decay.prove([v for r, v in decay_vars if r.regularizer is None])
        for r, v in decay_vars:
            if r.regularizer is not None:
                continue
            why = decay.why_not(v)
            if why is None:
                r.covered_by.append("weight-decay")
            else:
                r.not_covered["weight-decay"] = why
    _mark_in_losses(records, loss_values(model))
    return records


def _mark_in_losses(records: list[WeightRecord], values: list[float]) -> None:
    unused = list(values)
    for r in records:
        if r.penalty is None:
            continue
        for i, val in enumerate(unused):
            if abs(val - r.penalty) <= LOSS_ATOL + LOSS_RTOL * abs(r.penalty):
                del unused[i]
                r.in_losses = True
                break
        else:
            r.in_losses = False
