"""Building regularizer expressions for fixes, in the file's own style."""

from __future__ import annotations

from functools import lru_cache

import libcst as cst

from .. import catalog
from ..names import KerasSymbol, dotted_name, keras_symbol
from ..rule import LintContext
from ._calls import argument

_IMPORT_FROM = {
    catalog.KERAS3: "keras",
    catalog.KERAS2: "tf_keras",
    catalog.TF_KERAS: "tensorflow.keras",
}


#: Names that bind each Keras' top-level module, and the path to its regularizers.
_ROOT_NAMES = {
    catalog.KERAS3: (("keras", "keras.regularizers"),),
    catalog.KERAS2: (("tf_keras", "tf_keras.regularizers"),),
    catalog.TF_KERAS: (
        ("tf", "tf.keras.regularizers"),
        ("tensorflow", "tensorflow.keras.regularizers"),
    ),
}
_ROOT_MODULES = {"tf": "tensorflow", "tensorflow": "tensorflow"}


def regularizer_callee(
    context: LintContext, call: cst.Call, flavor: str, name: str
) -> tuple[str, tuple[str, ...]]:
    """How this file names Keras' regularizer ``name`` (of ``call``'s Keras), and
    the import lines needed for it to exist.

    In order: the class itself when imported (``L2`` after ``from
    keras.regularizers import L2``), the imported ``regularizers`` module, the
    path the layer is spelt with (``tf.keras.layers.Dense`` ->
    ``tf.keras.regularizers``), an imported top-level module (``import keras``
    -> ``keras.regularizers``); else ``regularizers`` and the import it needs.
    """
    table = context.imports

    def bound(local: str) -> KerasSymbol | None:
        symbol = keras_symbol(table.resolve(cst.Name(local)))
        return symbol if symbol is not None and symbol.flavor == flavor else None

    for local in dict.fromkeys((name, name.lower())):
        symbol = bound(local)
        if symbol is not None and symbol.is_regularizer and symbol.name.upper() == name:
            return local, ()
    symbol = bound("regularizers")
    if symbol is not None and symbol.module == "" and symbol.name == "regularizers":
        return f"regularizers.{name}", ()
    parts = (dotted_name(call.func) or "").split(".")
    if "layers" in parts[:-1] and parts.index("layers") > 0:
        at = parts.index("layers")  # tf.keras.layers.Dense -> tf.keras.regularizers
        return ".".join([*parts[:at], "regularizers", name]), ()
    for local, path in _ROOT_NAMES.get(flavor, ()):
        qualified = table.resolve(cst.Name(local))
        root = _ROOT_MODULES.get(local)
        if (qualified == root and root is not None) or (
            root is None and bound(local) == KerasSymbol(flavor, "", "")
        ):
            return f"{path}.{name}", ()
    qualified = table.resolve(cst.Name("layers")) or ""
    if qualified.endswith(".layers"):  # from tensorflow.keras import layers
        parent = qualified[: -len(".layers")]
        return f"regularizers.{name}", (f"from {parent} import regularizers",)
    module = _IMPORT_FROM.get(flavor, "keras")
    return f"regularizers.{name}", (f"from {module} import regularizers",)


@lru_cache(maxsize=64)
def regularizer_expr(callee: str, factor: float) -> cst.BaseExpression:
    """``callee(factor)``; libcst nodes are immutable, so one serves every fix."""
    return cst.parse_expression(f"{callee}({factor!r})")


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
    callee, imports = regularizer_callee(
        context, call, flavor, options.get("fix-regularizer", "L2")
    )
    value = regularizer_expr(callee, float(options.get("fix-factor", 1e-4)))
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
