"""Resolve names in a module to Keras symbols with an import-alias table.

Full scope analysis (libcst's ``QualifiedNameProvider``) costs about eight
libcst parses per file; the rules only need to know what an imported name
refers to, so a table of imports, aliases and local definitions is enough.
It is filled in source order during the rules' single traversal.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import libcst as cst

from . import catalog

# ``keras_core`` is Keras 3 under its preview name (``import keras_core as keras``).
_KERAS_ROOTS = {"keras": catalog.KERAS3, "keras_core": catalog.KERAS3, "tf_keras": catalog.KERAS2}
_SKIPPED_PARTS = {"src", "api", "_api", "v1", "v2", "_tf_keras", "compat", "python"}
# Submodules whose public names are re-exported at the top of keras.
_TOP_LEVEL_MODULES = {
    "models",
    "engine",
    "saving",
    "functional",
    "sequential",
    "training",
    "model",
    "layers",
}
_MODEL_NAMES = {
    "Model",
    "Sequential",
    "Functional",
    "load_model",
    "clone_model",
    "model_from_json",
    "model_from_config",
    "model_from_yaml",
}


@dataclass(frozen=True)
class KerasSymbol:
    """A resolved Keras name: ``flavor`` plus a canonical ``module`` and ``name``.

    ``keras.src.layers.core.dense.Dense`` and ``tf.keras.layers.Dense`` both
    have module ``layers`` and name ``Dense``; ``keras.Model`` has module ``""``.
    """

    flavor: str
    module: str
    name: str

    @property
    def is_layer(self) -> bool:
        return self.module == "layers" and self.name in catalog.ALL_LAYERS

    @property
    def is_regularizer(self) -> bool:
        return self.module == "regularizers"

    @property
    def is_model_factory(self) -> bool:
        return self.module in ("", "applications") and (
            self.name in _MODEL_NAMES or self.module == "applications"
        )


def keras_symbol(qualified: str | None) -> KerasSymbol | None:
    """Map a dotted name to a :class:`KerasSymbol`, or None if not Keras."""
    if not qualified:
        return None
    parts = qualified.split(".")
    root = parts[0]
    if root == "tensorflow":
        if "keras" not in parts:
            return None
        at = parts.index("keras")
        flavor = catalog.KERAS2 if "python" in parts[:at] else catalog.TF_KERAS
    elif root in _KERAS_ROOTS:
        at, flavor = 0, _KERAS_ROOTS[root]
    else:
        return None
    rest = [p for p in parts[at + 1 :] if p not in _SKIPPED_PARTS]
    if rest[:1] == ["keras"]:  # keras._tf_keras.keras.layers
        rest = rest[1:]
    if not rest:
        return KerasSymbol(flavor, "", "")
    name = rest[-1]
    module = rest[0] if len(rest) > 1 else ""
    if module in _TOP_LEVEL_MODULES and name in _MODEL_NAMES:
        module = ""
    return KerasSymbol(flavor, module, name)


def dotted_name(node: cst.BaseExpression) -> str | None:
    """``a.b.c`` for a Name/Attribute chain, else None."""
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        base = dotted_name(node.value)
        return f"{base}.{node.attr.value}" if base else None
    return None


def _module_name(node: cst.BaseExpression | None) -> str:
    if node is None:
        return ""
    return dotted_name(node) or ""


_STAR_MODULE_NAMES = {
    "layers": catalog.ALL_LAYERS,
    "regularizers": frozenset(catalog.REGULARIZERS) | {"Regularizer"},
    "": frozenset(_MODEL_NAMES)
    | {"layers", "regularizers", "models", "optimizers", "applications", "Input"},
    "models": frozenset(_MODEL_NAMES),
}


class ImportTable:
    """Names bound by imports, aliases and local definitions, in source order."""

    def __init__(self) -> None:
        self._bindings: dict[str, str | None] = {}
        self._star_modules: list[str] = []
        #: ``DefaultConv2D = partial(layers.Conv2D, ...)``: the local name -> that call.
        self.partials: dict[str, cst.Call] = {}

    def bind(self, local: str, qualified: str | None) -> None:
        self._bindings[local] = qualified
        self.partials.pop(local, None)

    def bind_partial(self, local: str, qualified: str, call: cst.Call) -> None:
        """``local = functools.partial(<Keras name>, ...)``: calls of it build that."""
        self.bind(local, qualified)
        self.partials[local] = call

    def add_import(self, node: cst.Import | cst.ImportFrom) -> None:
        if isinstance(node, cst.Import):
            for alias in node.names:
                full = _module_name(alias.name)
                if alias.asname is not None:
                    self.bind(_module_name(alias.asname.name), full)
                else:
                    top = full.split(".")[0]
                    self.bind(top, top)
            return
        module = None if node.relative else _module_name(node.module)
        if isinstance(node.names, cst.ImportStar):
            if module:
                self._star_modules.append(module)
            return
        for alias in node.names:
            name = _module_name(alias.name)
            local = _module_name(alias.asname.name) if alias.asname else name
            self.bind(local, f"{module}.{name}" if module else None)

    def resolve(self, node: cst.BaseExpression) -> str | None:
        """The fully qualified dotted name of a Name/Attribute chain, if imported."""
        dotted = dotted_name(node)
        if dotted is None:
            return None
        head, _, tail = dotted.partition(".")
        base = self._bindings[head] if head in self._bindings else self._star_lookup(head)
        if base is None:
            return None
        return f"{base}.{tail}" if tail else base

    def _star_lookup(self, name: str) -> str | None:
        for module in reversed(self._star_modules):
            symbol = keras_symbol(f"{module}.{name}")
            if symbol and name in _STAR_MODULE_NAMES.get(symbol.module, ()):
                return f"{module}.{name}"
        return None

    def symbol(self, node: cst.BaseExpression) -> KerasSymbol | None:
        return keras_symbol(self.resolve(node))

    def qualified_names(self) -> Iterable[str]:
        return (q for q in self._bindings.values() if q)


class ImportTracker(cst.BatchableCSTVisitor):
    """Fills an :class:`ImportTable` as the batched traversal goes.

    Runs first in the batch, so a rule visiting a node sees every import,
    alias and definition that precedes it in the source.
    """

    def __init__(self, table: ImportTable) -> None:
        super().__init__()
        self.table = table

    def visit_Import(self, node: cst.Import) -> None:
        self.table.add_import(node)

    def visit_ImportFrom(self, node: cst.ImportFrom) -> None:
        self.table.add_import(node)

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        self.table.bind(node.name.value, None)

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        self.table.bind(node.name.value, None)

    def visit_Assign(self, node: cst.Assign) -> None:
        # ``D = Dense`` / ``layers = tf.keras.layers``: keep the alias.
        value = node.value
        if isinstance(value, cst.Call) and _is_partial(self.table, value):
            first = value.args[0] if value.args else None
            qualified = (
                self.table.resolve(first.value)
                if first is not None and not first.keyword and not first.star
                else None
            )
            if qualified is not None and keras_symbol(qualified) is not None:
                for target in node.targets:
                    if isinstance(target.target, cst.Name):
                        self.table.bind_partial(target.target.value, qualified, value)
            return
        qualified = self.table.resolve(value)
        if qualified is None or keras_symbol(qualified) is None:
            return
        for target in node.targets:
            if isinstance(target.target, cst.Name):
                self.table.bind(target.target.value, qualified)


def _is_partial(table: ImportTable, call: cst.Call) -> bool:
    """A call of ``functools.partial`` (however imported)."""
    return table.resolve(call.func) == "functools.partial"
