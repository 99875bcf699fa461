"""Helpers the regularizer rules (RL002, RL003, RL004, RL007) share.

Which Keras a name means here, how a regularizer construction's factors are
passed, and what a literal factor evaluates to. Measured on Keras 3.15.1 and
tf_keras 2.21.0 (see the rules' documents).
"""

from __future__ import annotations

import difflib
import math
import re
from dataclasses import dataclass
from functools import lru_cache

import libcst as cst

from .. import catalog
from ..names import ImportTable, KerasSymbol
from ..rule import LintContext
from ._calls import called_symbol

#: How a message names each Keras.
FLAVOR_LABEL = {catalog.KERAS3: "Keras 3", catalog.KERAS2: "tf_keras (Keras 2)"}

# ``os.environ["TF_USE_LEGACY_KERAS"] = "1"``, ``%env TF_USE_LEGACY_KERAS=1``,
# ``os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")``: tf.keras *is* tf_keras.
_LEGACY_ENV = re.compile(
    rf"{catalog.LEGACY_KERAS_ENV}\W{{0,8}}(?:{'|'.join(sorted(catalog.LEGACY_KERAS_VALUES))})\b"
)


#: Keras 1's names (``Dense(W_regularizer=...)``), lower-cased, and what Keras 2 renamed them to.
KERAS1_ARGS = {
    "w_regularizer": catalog.KERNEL,
    "b_regularizer": catalog.BIAS,
    "u_regularizer": catalog.RECURRENT,
}
_BARE = re.compile(r"_*regulari[sz](?:er|ers|ation)_*", re.IGNORECASE)
#: How alike a misspelt keyword's weight name must be to the one it is renamed
#: to for the rename to count as a spelling correction (a safe fix).
_SAME_WEIGHT_RATIO = 0.8


def meant_argument(keyword: str) -> tuple[str | None, bool]:
    """The regularizer argument a regularizer-like ``keyword`` names (None if not
    obvious), and whether ``keyword`` is only another spelling of it (RL007's
    rename is then safe; RL001 leaves that argument to RL007)."""
    lowered = keyword.lower()
    if lowered in REGULARIZER_ARGS:
        return lowered, True
    if lowered in KERAS1_ARGS:
        return KERAS1_ARGS[lowered], True
    if _BARE.fullmatch(keyword):
        return catalog.KERNEL, False  # a bare ``regularizer=``: the main weight's
    close = difflib.get_close_matches(lowered, sorted(REGULARIZER_ARGS), n=1, cutoff=0.8)
    if not close:
        return None, False
    return close[0], _same_weight(lowered, close[0])


def _same_weight(keyword: str, meant: str) -> bool:
    """``kernal_regularizer`` names the kernel; ``w_regularizer`` is no misspelt bias."""
    stem = keyword.split("_regul")[0]
    ratio = difflib.SequenceMatcher(None, stem, meant.split("_regul")[0]).ratio()
    return ratio >= _SAME_WEIGHT_RATIO


def judged_flavors(context: LintContext, flavor: str) -> tuple[str, ...]:
    """The Kerases a name of ``flavor`` may mean when this module runs.

    ``tf.keras`` is Keras 3 from TF 2.16 on, and tf_keras when
    ``TF_USE_LEGACY_KERAS=1``: a value broken in either is reported, unless
    the module itself sets the variable (then it is tf_keras only) or the
    ``keras-version`` option names the project's Keras (``"2"`` also makes
    ``keras`` Keras 2, as before Keras 3). ``tf_keras`` is always Keras 2.
    """
    if flavor == catalog.KERAS2:
        return (flavor,)
    version = context.settings.options.get("keras-version")
    if flavor == catalog.TF_KERAS and _sets_legacy_keras(context.source):
        return (catalog.KERAS2,)
    if version in ("2", "3"):
        return (catalog.KERAS2 if version == "2" else catalog.KERAS3,)
    if flavor != catalog.TF_KERAS:
        return (flavor,)
    return (catalog.KERAS3, catalog.KERAS2)


@lru_cache(maxsize=4)
def _sets_legacy_keras(source: str) -> bool:
    # Cached: asked once per tf.keras call, and a str caches its own hash.
    return _LEGACY_ENV.search(source) is not None


def labels(flavors: tuple[str, ...] | list[str]) -> str:
    return " and ".join(FLAVOR_LABEL[f] for f in flavors)


# --- regularizer constructions ----------------------------------------------

#: The arguments of each regularizer that are penalty factors (not ``mode``).
FACTOR_PARAMS = {
    name: tuple(p for p in params if p != "mode") for name, params in catalog.REGULARIZERS.items()
}


@dataclass(frozen=True)
class RegularizerCall:
    """A call to one of Keras' regularizer classes or factories."""

    symbol: KerasSymbol
    call: cst.Call
    #: Each factor parameter and the expression passed for it (None: not passed).
    factors: dict[str, cst.BaseExpression | None]
    #: ``*args``/``**kwargs`` are passed: a factor not seen may be inside.
    opaque: bool

    @property
    def name(self) -> str:
        return self.symbol.name

    @property
    def canonical(self) -> str:
        return catalog.canonical_regularizer(self.symbol.name)


def regularizer_symbol(imports: ImportTable, expr: cst.BaseExpression) -> KerasSymbol | None:
    """The symbol when ``expr`` names a Keras regularizer class or factory (``L2``, ``l1_l2``)."""
    if not isinstance(expr, (cst.Name, cst.Attribute)):
        return None
    symbol = imports.symbol(expr)
    if symbol is None or not symbol.is_regularizer or symbol.name not in catalog.REGULARIZERS:
        return None
    return symbol


def regularizer_call(imports: ImportTable, call: cst.Call) -> RegularizerCall | None:
    """The factors of ``call`` when it constructs a Keras regularizer."""
    symbol = called_symbol(imports, call)
    if symbol is None or not symbol.is_regularizer or symbol.name not in catalog.REGULARIZERS:
        return None
    params = catalog.REGULARIZERS[symbol.name]
    factors: dict[str, cst.BaseExpression | None] = dict.fromkeys(FACTOR_PARAMS[symbol.name])
    opaque = False
    index = 0
    for arg in call.args:
        if arg.star:
            opaque = True
        elif arg.keyword is not None:
            if arg.keyword.value in factors:
                factors[arg.keyword.value] = arg.value
        elif not opaque:
            if index < len(params) and params[index] in factors:
                factors[params[index]] = arg.value
            index += 1
    return RegularizerCall(symbol, call, factors, opaque)


def default_factors(name: str, flavor: str) -> dict[str, float]:
    """What each factor of ``name()`` is in ``flavor`` when not passed."""
    table = catalog.REGULARIZER_DEFAULTS[flavor]
    found = table.get(name) or table.get(catalog.canonical_regularizer(name)) or {}
    return dict(found)


def none_factor(name: str) -> float | None:
    """What ``None`` passed as a factor of ``name`` becomes (both Kerases), or None
    when it is rejected. ``L1``/``L2`` turn it into 0.01, ``L1L2`` into 0.0."""
    canonical = catalog.canonical_regularizer(name)
    if canonical in ("L1", "L2"):
        return 0.01
    if canonical == "L1L2":
        return 0.0
    return None


# --- literals -----------------------------------------------------------------


def _strip_sign(expr: cst.BaseExpression) -> tuple[cst.BaseExpression, int]:
    sign = 1
    while isinstance(expr, cst.UnaryOperation) and isinstance(expr.operator, (cst.Minus, cst.Plus)):
        if isinstance(expr.operator, cst.Minus):
            sign = -sign
        expr = expr.expression
    return expr, sign


def literal_number(expr: cst.BaseExpression) -> float | None:
    """The value of an int/float literal with optional signs (``-1e-4``), else None.

    Bools are not numbers here. A float literal too large for a double is ``inf``.
    """
    inner, sign = _strip_sign(expr)
    if isinstance(inner, cst.Integer):
        try:
            return sign * float(inner.evaluated_value)
        except OverflowError:
            return sign * math.inf
    if isinstance(inner, cst.Float):
        return sign * inner.evaluated_value
    return None


def literal_bool(expr: cst.BaseExpression) -> bool | None:
    if isinstance(expr, cst.Name) and expr.value in ("True", "False"):
        return expr.value == "True"
    return None


def literal_string(expr: cst.BaseExpression) -> str | bytes | None:
    """The value of a plain (not formatted) string literal, concatenations included."""
    if isinstance(expr, cst.SimpleString) and expr.value[:1] in ("'", '"'):
        text = expr.value  # no prefix: strip the quotes unless an escape needs evaluating
        if "\\" not in text:
            quote = 3 if text[:3] in ('"""', "'''") else 1
            return text[quote:-quote]
    if isinstance(expr, (cst.SimpleString, cst.ConcatenatedString)):
        try:
            value = expr.evaluated_value
        except Exception:  # pragma: no cover - libcst cannot evaluate it
            return None
        return value if isinstance(value, (str, bytes)) else None
    return None


_NONFINITE_NAMES = frozenset(
    {
        "math.inf",
        "math.nan",
        "numpy.inf",
        "numpy.nan",
        "numpy.Inf",
        "numpy.Infinity",
        "numpy.infty",
        "numpy.NaN",
        "numpy.NAN",
        "numpy.PINF",
        "numpy.NINF",
    }
)
_NONFINITE_STRINGS = frozenset({"nan", "inf", "infinity"})


def nonfinite(imports: ImportTable, expr: cst.BaseExpression) -> str | None:
    """``"nan"``/``"inf"`` when ``expr`` is a literal NaN or infinity, else None:
    ``float("nan")``, ``math.inf``, ``np.inf``, ``-np.inf``, ``1e400``."""
    inner, _ = _strip_sign(expr)
    number = literal_number(inner)
    if number is not None:
        return "inf" if math.isinf(number) else None
    if isinstance(inner, (cst.Name, cst.Attribute)):
        qualified = imports.resolve(inner)
        if qualified in _NONFINITE_NAMES:
            return "nan" if "nan" in qualified.lower() else "inf"
        return None
    if (
        isinstance(inner, cst.Call)
        and isinstance(inner.func, cst.Name)
        and inner.func.value == "float"
        and len(inner.args) == 1
        and not inner.args[0].star
    ):
        text = literal_string(inner.args[0].value)
        if isinstance(text, str):
            word = text.strip().lower().lstrip("+-")
            if word in _NONFINITE_STRINGS:
                return "nan" if word == "nan" else "inf"
    return None


#: NumPy constructors whose scalars are not Python ``int``/``float`` (``np.float64``
#: is a ``float`` subclass and accepted; ``np.float32`` is not).
_NUMPY_REJECTED = frozenset(
    {
        "float16",
        "float32",
        "half",
        "single",
        "longdouble",
        "longfloat",
        "float96",
        "float128",
        "int8",
        "int16",
        "int32",
        "int64",
        "int_",
        "intc",
        "intp",
        "uint",
        "uint8",
        "uint16",
        "uint32",
        "uint64",
        "uintc",
        "uintp",
        "short",
        "ushort",
        "byte",
        "ubyte",
        "longlong",
        "ulonglong",
        "bool_",
        "complex64",
        "complex128",
        "array",
        "asarray",
    }
)
_TENSOR_CONSTRUCTORS = frozenset(
    {
        "tensorflow.constant",
        "tensorflow.Variable",
        "tensorflow.convert_to_tensor",
        "tensorflow.cast",
    }
)


def array_scalar(imports: ImportTable, expr: cst.BaseExpression) -> str | None:
    """The dotted name (``numpy.float32``) when ``expr`` builds a NumPy scalar or
    array or a TF tensor, which Keras rejects as a factor; else None."""
    if not isinstance(expr, cst.Call) or not isinstance(expr.func, (cst.Name, cst.Attribute)):
        return None
    qualified = imports.resolve(expr.func)
    if qualified is None:
        return None
    module, _, name = qualified.rpartition(".")
    if module == "numpy" and name in _NUMPY_REJECTED:
        return qualified
    if qualified in _TENSOR_CONSTRUCTORS:
        return qualified
    return None


# --- regularizer arguments of layer constructions -----------------------------

#: Every ``*_regularizer`` argument name Keras layers use.
REGULARIZER_ARGS = frozenset({*catalog.WEIGHT_REGULARIZER_ARGS, catalog.ACTIVITY})


def exact_position(spec: catalog.LayerSpec, arg: str, flavors: tuple[str, ...]) -> int | None:
    """The positional index of ``arg`` when it is the same in every flavor judged."""
    by_flavor = spec.positions.get(arg, {})
    found = {by_flavor.get(f) for f in flavors}
    if len(found) != 1:
        return None
    return found.pop()


def regularizer_arguments(
    call: cst.Call, layer: str, flavors: tuple[str, ...]
) -> list[tuple[str, cst.Arg]]:
    """``(argument name, Arg)`` for each regularizer argument passed to a layer
    construction, by keyword or (for catalog layers) by position."""
    out: list[tuple[str, cst.Arg]] = []
    for arg in call.args:
        if arg.keyword is not None and arg.keyword.value in REGULARIZER_ARGS:
            out.append((arg.keyword.value, arg))
    spec = catalog.KERNEL_LAYERS.get(layer)
    if spec is None or not spec.positions:
        return out
    positional: list[cst.Arg] = []
    for arg in call.args:
        if arg.star or arg.keyword is not None:
            break
        positional.append(arg)
    for name in spec.positions:
        index = exact_position(spec, name, flavors)
        if index is not None and index < len(positional):
            out.append((name, positional[index]))
    return out
