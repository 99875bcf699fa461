"""Synthetic batches built from a model's input specs, with a fixed seed."""

from __future__ import annotations

from typing import Any

UNKNOWN_DIM = 4  # size given to dimensions the model leaves open (sequence length...)


class InputSpecError(Exception):
    """The model's inputs cannot be inferred; the message is one line."""


def _dtype_name(dtype: Any) -> str:
    return str(getattr(dtype, "name", dtype) or "float32")


def _shape(shape: Any) -> tuple[int | None, ...]:
    if hasattr(shape, "as_list"):
        shape = shape.as_list()
    return tuple(None if d is None else int(d) for d in shape)


def input_specs(model: Any) -> list[tuple[tuple[int | None, ...], str]]:
    """``[(shape, dtype)]`` of each model input, batch dimension included."""
    inputs = None
    try:
        inputs = model.inputs
    except (AttributeError, ValueError):
        inputs = None
    if inputs:
        return [(_shape(t.shape), _dtype_name(t.dtype)) for t in inputs]
    shape = None
    try:
        shape = (model.get_build_config() or {}).get("input_shape")
    except Exception:
        shape = None
    shape = shape or getattr(model, "_build_input_shape", None)
    if shape is not None:
        shapes = (
            shape
            if isinstance(shape, (list, tuple)) and shape and isinstance(shape[0], (list, tuple))
            else [shape]
        )
        return [(_shape(s), "float32") for s in shapes]
    raise InputSpecError(
        "cannot infer the model's input shape (an unbuilt model: give it an Input or "
        "build/call it before saving)"
    )


def _embedding_limit(model: Any) -> int:
    dims = [
        int(layer.input_dim)
        for layer in _all_layers(model)
        if type(layer).__name__ in ("Embedding", "ReversibleEmbedding")
        and getattr(layer, "input_dim", None)
    ]
    return max(1, min(dims)) if dims else 2


def _all_layers(model: Any) -> list[Any]:
    try:
        return list(model._flatten_layers(include_self=False, recursive=True))
    except Exception:
        return list(getattr(model, "layers", []))


def make_inputs(model: Any, batch_size: int, seed: int) -> list[Any]:
    """One numpy array per input: floats ~ N(0, 1), integers inside Embedding's ``input_dim``."""
    import numpy as np

    rng = np.random.default_rng(seed)
    limit = None
    arrays = []
    for shape, dtype in input_specs(model):
        dims = (batch_size, *(UNKNOWN_DIM if d is None else d for d in shape[1:]))
        if "int" in dtype or dtype == "bool":
            limit = limit if limit is not None else _embedding_limit(model)
            arrays.append(rng.integers(0, limit, size=dims).astype(dtype))
        else:
            arrays.append(rng.standard_normal(dims).astype("float32"))
    return arrays


def model_input(arrays: list[Any]) -> Any:
    return arrays[0] if len(arrays) == 1 else arrays


def _loss_name(loss: Any) -> str:
    if loss is None:
        return ""
    if isinstance(loss, str):
        return loss.lower()
    name = getattr(loss, "name", None) or getattr(loss, "__name__", None) or type(loss).__name__
    return str(name).lower()


def make_targets(outputs: list[Any], losses: list[Any], seed: int) -> list[Any]:
    """Targets shaped like ``outputs`` that the loss accepts (labels for sparse losses)."""
    import numpy as np

    rng = np.random.default_rng(seed + 1)
    targets = []
    for i, out in enumerate(outputs):
        shape = tuple(int(d) for d in out.shape)
        name = _loss_name(losses[i] if i < len(losses) else (losses[0] if losses else None))
        if "sparse" in name:
            targets.append(rng.integers(0, max(shape[-1], 1), size=shape[:-1]).astype("int32"))
        elif "categorical" in name or "kl" in name or "kullback" in name:
            idx = rng.integers(0, shape[-1], size=shape[:-1])
            targets.append(np.eye(shape[-1], dtype="float32")[idx])
        elif "binary" in name or "hinge" in name:
            targets.append(rng.integers(0, 2, size=shape).astype("float32"))
        else:
            targets.append(rng.standard_normal(shape).astype("float32"))
    return targets
