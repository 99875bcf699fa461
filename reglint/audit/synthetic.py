"""Synthetic batches built from a model's own input structure, with a fixed seed.

Inputs keep the model's structure (one array, a list, a dict of named inputs,
nesting). Values follow the layer that reads each input: tokens from the
vocabulary of a ``StringLookup``/``TextVectorization`` for string inputs,
indices inside ``Embedding.input_dim`` or an ``IntegerLookup`` vocabulary for
integer inputs (zero-padded, variable-length rows when the Embedding masks
zeros), N(0, 1) floats otherwise.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

UNKNOWN_DIM = 4  # size given to dimensions the model leaves open (sequence length...)
RANDOM_TOKENS = 8  # distinct made-up tokens for a string input with no vocabulary in the graph
DEFAULT_LOSS = "mean_squared_error"  # every output of an uncompiled model, weight 1

_EMBEDDINGS = ("Embedding", "ReversibleEmbedding")
_STRING_LOOKUPS = ("StringLookup", "TextVectorization")


class InputSpecError(Exception):
    """The model's inputs cannot be inferred; the message is one line."""


@dataclass(frozen=True)
class InputSpec:
    """One model input: shape (batch dimension included), dtype, and its Keras tensor."""

    shape: tuple[int | None, ...]
    dtype: str
    tensor: Any = None


def _dtype_name(dtype: Any) -> str:
    return str(getattr(dtype, "name", dtype) or "float32")


def _shape(shape: Any) -> tuple[int | None, ...]:
    if hasattr(shape, "as_list"):
        shape = shape.as_list()
    return tuple(None if d is None else int(d) for d in shape)


def map_structure(fn: Callable[[Any], Any], struct: Any) -> Any:
    """``fn`` over the leaves of nested dicts, lists and tuples, keeping the structure."""
    if isinstance(struct, dict) or (hasattr(struct, "keys") and hasattr(struct, "items")):
        return {k: map_structure(fn, v) for k, v in struct.items()}
    if isinstance(struct, (list, tuple)):
        return [map_structure(fn, v) for v in struct]
    return fn(struct)


def flatten(struct: Any) -> list[Any]:
    """The leaves of ``struct`` in :func:`map_structure` order."""
    leaves: list[Any] = []
    map_structure(leaves.append, struct)
    return leaves


def _is_shape(x: Any) -> bool:
    if hasattr(x, "as_list"):
        return True
    return isinstance(x, (list, tuple)) and all(d is None or isinstance(d, int) for d in x)


def _map_shapes(fn: Callable[[Any], Any], struct: Any) -> Any:
    if _is_shape(struct):
        return fn(struct)
    if isinstance(struct, dict):
        return {k: _map_shapes(fn, v) for k, v in struct.items()}
    if isinstance(struct, (list, tuple)):
        return [_map_shapes(fn, v) for v in struct]
    raise InputSpecError(f"cannot read the model's input shape {struct!r}")


def input_structure(model: Any) -> Any:
    """The model's inputs as :class:`InputSpec` leaves, in the structure it is called with."""
    struct = None
    for attr in ("_inputs_struct", "_nested_inputs"):
        try:
            struct = getattr(model, attr, None)
        except Exception:
            struct = None
        if struct is not None:
            break
    if struct is None:
        try:
            inputs = model.inputs
        except (AttributeError, ValueError):
            inputs = None
        if inputs:
            struct = inputs[0] if len(inputs) == 1 else list(inputs)
    if struct is not None:
        return map_structure(lambda t: InputSpec(_shape(t.shape), _dtype_name(t.dtype), t), struct)
    shape = None
    try:
        shape = (model.get_build_config() or {}).get("input_shape")
    except Exception:
        shape = None
    shape = shape or getattr(model, "_build_input_shape", None)
    if shape is not None:
        return _map_shapes(lambda s: InputSpec(_shape(s), "float32"), shape)
    raise InputSpecError(
        "cannot infer the model's input shape (an unbuilt model: give it an Input or "
        "build/call it before saving)"
    )


def _all_layers(model: Any) -> list[Any]:
    try:
        return list(model._flatten_layers(include_self=False, recursive=True))
    except Exception:
        return list(getattr(model, "layers", []))


def _node_inputs(node: Any) -> list[Any]:
    for attr in ("input_tensors", "keras_inputs"):
        try:
            value = getattr(node, attr, None)
        except Exception:
            value = None
        if value is not None:
            return flatten(value)
    return []


def _consumers(layers: list[Any], tensor: Any) -> list[Any]:
    """Layers called directly on ``tensor`` (a functional model's input)."""
    if tensor is None:
        return []
    found = []
    for layer in layers:
        for node in getattr(layer, "_inbound_nodes", ()) or ():
            if any(t is tensor for t in _node_inputs(node)):
                found.append(layer)
                break
    return found


def _kind(layer: Any) -> str:
    return type(layer).__name__


def _vocabulary(layer: Any) -> list[Any]:
    """In-vocabulary tokens of a lookup layer (no OOV or mask token)."""
    try:
        vocab = list(layer.get_vocabulary())
    except Exception:
        return []
    special: set[Any] = {"", b""}
    for owner in (layer, getattr(layer, "_lookup_layer", None)):
        special |= {getattr(owner, "oov_token", None), getattr(owner, "mask_token", None)}
    return [v.decode() if isinstance(v, bytes) else v for v in vocab if v not in special]


class _Sampler:
    """Draws one array per input spec from a seeded generator."""

    def __init__(self, model: Any, batch_size: int, seed: int) -> None:
        import numpy as np

        self.np = np
        self.rng = np.random.default_rng(seed)
        self.batch_size = batch_size
        self.layers = _all_layers(model)

    def dims(self, spec: InputSpec) -> tuple[int, ...]:
        return (self.batch_size, *(UNKNOWN_DIM if d is None else d for d in spec.shape[1:]))

    def __call__(self, spec: InputSpec) -> Any:
        dims = self.dims(spec)
        readers = _consumers(self.layers, spec.tensor)
        if spec.dtype == "string":
            return self.strings(dims, readers)
        embedding = next((r for r in readers if _kind(r) in _EMBEDDINGS), None)
        if "int" in spec.dtype or spec.dtype == "bool" or embedding is not None:
            dtype = "int32" if spec.dtype == "bool" and embedding is not None else spec.dtype
            return self.integers(dims, readers, embedding).astype(dtype)
        return self.rng.standard_normal(dims).astype(
            spec.dtype if "float" in spec.dtype else "float32"
        )

    def strings(self, dims: tuple[int, ...], readers: list[Any]) -> Any:
        np = self.np
        lookup = next((r for r in readers if _kind(r) in _STRING_LOOKUPS), None)
        if lookup is None:
            lookup = next((x for x in self.layers if _kind(x) in _STRING_LOOKUPS), None)
        vocab = [str(v) for v in _vocabulary(lookup)] if lookup is not None else []
        vocab = vocab or [f"tok{i}" for i in range(RANDOM_TOKENS)]
        words = np.array(vocab, dtype=object)
        splits = getattr(lookup, "_split", getattr(lookup, "split", None))
        if _kind(lookup) == "TextVectorization" and splits is not None:
            counts = self.rng.integers(1, UNKNOWN_DIM + 1, size=dims)
            flat = [" ".join(self.rng.choice(words, size=n)) for n in counts.ravel()]
            return np.array(flat, dtype=object).reshape(dims)
        return self.rng.choice(words, size=dims)

    def integers(self, dims: tuple[int, ...], readers: list[Any], embedding: Any) -> Any:
        np = self.np
        lookup = next((r for r in readers if _kind(r) == "IntegerLookup"), None)
        if lookup is not None and _vocabulary(lookup):
            return self.rng.choice(np.array(_vocabulary(lookup)), size=dims)
        if embedding is None:
            limit = self.smallest_embedding()
            return self.rng.integers(0, limit, size=dims)
        limit = max(1, int(embedding.input_dim))
        if not getattr(embedding, "mask_zero", False) or limit < 2 or len(dims) < 2:
            return self.rng.integers(0, limit, size=dims)
        values = self.rng.integers(1, limit, size=dims)
        lengths = self.rng.integers(1, dims[1] + 1, size=dims[0])
        for row, n in enumerate(lengths):
            values[row, n:] = 0
        return values

    def smallest_embedding(self) -> int:
        dims = [
            int(x.input_dim)
            for x in self.layers
            if _kind(x) in _EMBEDDINGS and getattr(x, "input_dim", None)
        ]
        sizes = [len(_vocabulary(x)) for x in self.layers if _kind(x) == "IntegerLookup"]
        return max(1, min(dims + [s for s in sizes if s])) if dims or any(sizes) else 2


def make_inputs(model: Any, batch_size: int, seed: int) -> Any:
    """A batch in the structure the model is called with (an array, a list, a dict...)."""
    return map_structure(_Sampler(model, batch_size, seed), input_structure(model))


def model_input(xs: Any) -> Any:
    """What ``model`` is called with; :func:`make_inputs` already returns that structure."""
    return xs


def _loss_name(loss: Any) -> str:
    if loss is None:
        return ""
    if isinstance(loss, str):
        return loss.lower()
    name = getattr(loss, "name", None) or getattr(loss, "__name__", None) or type(loss).__name__
    return str(name).lower()


def _is_mapping(x: Any) -> bool:
    return isinstance(x, dict) or (hasattr(x, "keys") and hasattr(x, "items"))


def loss_for_each_output(outputs: Any, loss: Any, output_names: list[str] | None = None) -> Any:
    """The loss of each output leaf, in ``outputs``' structure (None: :data:`DEFAULT_LOSS`)."""
    names = list(output_names or [])

    def pick(key: Any, index: int) -> Any:
        if _is_mapping(loss):
            for k in (key, names[index] if index < len(names) else None):
                if k is not None and k in loss:
                    return loss[k]
            return None
        if isinstance(loss, (list, tuple)):
            return loss[index] if index < len(loss) else (loss[0] if loss else None)
        return loss

    if _is_mapping(outputs):
        return {k: pick(k, i) or DEFAULT_LOSS for i, k in enumerate(outputs.keys())}
    if isinstance(outputs, (list, tuple)):
        return [pick(None, i) or DEFAULT_LOSS for i in range(len(outputs))]
    return pick(None, 0) or DEFAULT_LOSS


def _target(out: Any, loss: Any, rng: Any) -> Any:
    return map_structure(lambda leaf: _target_leaf(leaf, loss, rng), out)


def _target_leaf(out: Any, loss: Any, rng: Any) -> Any:
    import numpy as np

    shape = tuple(int(d) for d in out.shape)
    name = _loss_name(loss)
    if "sparse" in name:
        return rng.integers(0, max(shape[-1], 1), size=shape[:-1]).astype("int32")
    if "categorical" in name or "kl" in name or "kullback" in name:
        idx = rng.integers(0, shape[-1], size=shape[:-1])
        return np.eye(shape[-1], dtype="float32")[idx]
    if "binary" in name or "hinge" in name:
        return rng.integers(0, 2, size=shape).astype("float32")
    return rng.standard_normal(shape).astype("float32")


def make_targets(
    outputs: Any, losses: Any, seed: int, output_names: list[str] | None = None
) -> Any:
    """Targets in ``outputs``' structure that each output's loss accepts (labels for sparse).

    ``losses``: the compiled loss (one, a list, a dict keyed like the outputs or by
    output name) or None.
    """
    import numpy as np

    rng = np.random.default_rng(seed + 1)
    per_output = loss_for_each_output(outputs, losses, output_names)
    if _is_mapping(outputs):
        return {k: _target(outputs[k], per_output[k], rng) for k in outputs}
    if isinstance(outputs, (list, tuple)):
        return [_target(o, lo, rng) for o, lo in zip(outputs, per_output, strict=True)]
    return _target(outputs, per_output, rng)
