"""Helpers the rules share for reading calls to Keras objects."""

from __future__ import annotations

import libcst as cst

from .. import catalog
from ..names import ImportTable, KerasSymbol


def called_symbol(imports: ImportTable, call: cst.Call) -> KerasSymbol | None:
    """The Keras symbol a call constructs or invokes.

    Only calls whose callee is a name or attribute count: in ``Dense(4)(x)``
    the outer call applies the layer, it does not construct one.
    """
    if not isinstance(call.func, (cst.Name, cst.Attribute)):
        return None
    return imports.symbol(call.func)


def layer_call(imports: ImportTable, call: cst.Call) -> tuple[KerasSymbol, str] | None:
    """``(symbol, layer class name)`` when ``call`` constructs a Keras layer."""
    symbol = called_symbol(imports, call)
    if symbol is None or not symbol.is_layer:
        return None
    return symbol, symbol.name


def with_partial_args(imports: ImportTable, call: cst.Call) -> cst.Call:
    """``call`` with the arguments a ``functools.partial`` alias of its callee binds.

    For ``C = partial(layers.Conv2D, 3, padding="same")``, ``C(8, strides=2)``
    reads as ``layers.Conv2D(3, 8, strides=2, padding="same")`` (positional
    arguments of the partial first; the call's keywords take precedence).
    """
    if not isinstance(call.func, cst.Name):
        return call
    partial = imports.partial(call.func.value)
    if partial is None:
        return call
    bound = list(partial.args[1:])
    positional = [a for a in bound if a.keyword is None and not a.star]
    keywords = [a for a in bound if a.keyword is not None or a.star]
    own_positional = [a for a in call.args if a.keyword is None and not a.star]
    own_rest = [a for a in call.args if a.keyword is not None or a.star]
    args = [*positional, *own_positional, *own_rest, *keywords]
    return call.with_changes(args=[a.with_changes(comma=cst.MaybeSentinel.DEFAULT) for a in args])


def keyword_arg(call: cst.Call, name: str) -> cst.Arg | None:
    for arg in call.args:
        if arg.keyword is not None and arg.keyword.value == name:
            return arg
    return None


def positional_args(call: cst.Call) -> list[cst.Arg]:
    """Plain positional arguments, up to the first ``*args`` (after it, unknown)."""
    out = []
    for arg in call.args:
        if arg.keyword is not None or arg.star == "**":
            break
        if arg.star == "*":
            break
        out.append(arg)
    return out


def has_star_args(call: cst.Call) -> bool:
    return any(arg.star for arg in call.args)


def argument(call: cst.Call, name: str, position: int | None) -> cst.Arg | None:
    """The argument passed as keyword ``name`` or at index ``position``."""
    arg = keyword_arg(call, name)
    if arg is not None:
        return arg
    if position is not None:
        positional = positional_args(call)
        if position < len(positional):
            return positional[position]
    return None


def layer_argument(
    call: cst.Call, spec: catalog.LayerSpec, arg: str, flavor: str
) -> cst.Arg | None:
    return argument(call, arg, spec.position(arg, flavor))


def is_none(expr: cst.BaseExpression) -> bool:
    return isinstance(expr, cst.Name) and expr.value == "None"
