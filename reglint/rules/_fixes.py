"""Building regularizer expressions for fixes, in the file's own style."""

from __future__ import annotations

from functools import lru_cache

import libcst as cst

from .. import catalog
from ..names import dotted_name, keras_symbol
from ..rule import LintContext
from ._calls import argument

_IMPORT_FROM = {
    catalog.KERAS3: "keras",
    catalog.KERAS2: "tf_keras",
    catalog.TF_KERAS: "tensorflow.keras",
}


def regularizer_module(
    context: LintContext, call: cst.Call, flavor: str
) -> tuple[str, tuple[str, ...]]:
    """The dotted prefix that names Keras' regularizers module here, and the
    import lines needed for it to exist."""
    table = context.imports
    bound = keras_symbol(table.resolve(cst.Name("regularizers")))
    if bound is not None and bound.module == "" and bound.name == "regularizers":
        return "regularizers", ()
    callee = dotted_name(call.func) or ""
    parts = callee.split(".")
    if "layers" in parts[:-1]:
        at = parts.index("layers")
        if at > 0:  # tf.keras.layers.Dense -> tf.keras.regularizers
            return ".".join([*parts[:at], "regularizers"]), ()
        qualified = table.resolve(cst.Name("layers")) or ""
        if qualified.endswith(".layers"):  # from tensorflow.keras import layers
            parent = qualified[: -len(".layers")]
            return "regularizers", (f"from {parent} import regularizers",)
    return "regularizers", (f"from {_IMPORT_FROM.get(flavor, 'keras')} import regularizers",)


@lru_cache(maxsize=64)
def regularizer_expr(prefix: str, name: str, factor: float) -> cst.BaseExpression:
    """``prefix.name(factor)``; libcst nodes are immutable, so one serves every fix."""
    return cst.parse_expression(f"{prefix}.{name}({factor!r})")


def regularizer_fix(
    context: LintContext,
    call: cst.Call,
    flavor: str,
    spec: catalog.LayerSpec,
    missing: list[str],
) -> tuple[cst.Call, tuple[str, ...]] | None:
    """``call`` with each ``missing`` argument set to the configured regularizer."""
    if context.path.endswith(".ipynb"):
        return None  # imports cannot be placed safely across cells
    options = context.settings.options
    prefix, imports = regularizer_module(context, call, flavor)
    value = regularizer_expr(
        prefix, options.get("fix-regularizer", "L2"), float(options.get("fix-factor", 1e-4))
    )
    args = list(call.args)
    for name in missing:
        existing = argument(call, name, spec.position(name, flavor))
        if existing is not None:
            args[args.index(existing)] = existing.with_changes(value=value)
            continue
        args = _append_keyword(args, name, value)
    return call.with_changes(args=args), imports


def _append_keyword(args: list[cst.Arg], name: str, value: cst.BaseExpression) -> list[cst.Arg]:
    new = cst.Arg(
        value=value,
        keyword=cst.Name(name),
        equal=cst.AssignEqual(cst.SimpleWhitespace(""), cst.SimpleWhitespace("")),
    )
    if not args:
        return [new]
    last = args[-1]
    if isinstance(last.comma, cst.Comma) and len(args) > 1:
        # a multi-line call with a trailing comma: the new argument takes its own line
        return [
            *args[:-1],
            last.with_changes(comma=args[-2].comma),
            new.with_changes(comma=last.comma),
        ]
    comma = cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))
    return [*args[:-1], last.with_changes(comma=comma), new]
