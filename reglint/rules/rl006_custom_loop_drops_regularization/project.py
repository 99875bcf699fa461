"""The project modules the linted one calls into (cross-call analysis only).

A function, class or factory imported from another module of the project is
found through :mod:`reglint.project_index` (package layout, never an import;
never ``site-packages``), parsed with libcst and traversed by the same
:class:`~.collect.Collector` as the linted module. Each module read is
recorded as consulted, so the result cache re-lints the importer when it changes.
"""

from __future__ import annotations

from functools import partial

import libcst as cst

from ...config import Settings
from ...names import ImportTable, ImportTracker
from .collect import Collector
from .facts import Cls, Fn, ModuleFacts

#: Modules whose facts one process keeps (the cache is emptied when full).
MAX_FOLLOWED_MODULES = 256
#: How many re-exports (``from .losses import total`` in ``__init__.py``) are followed.
MAX_REEXPORTS = 4

_LOADED: dict[tuple[str, str], ModuleFacts | None] = {}


class _ModuleCollector(Collector, cst.BatchableCSTVisitor):
    pass


class Project:
    """Resolves the names a module imports to functions and classes of the project."""

    def __init__(self, settings: Settings) -> None:
        from ...project_index import index_for

        self.index = index_for(str(settings.root), settings.options)

    def function(self, facts: ModuleFacts, dotted: str) -> Fn | None:
        found = self._target(facts, dotted)
        return found[0].function(found[1]) if found is not None else None

    def klass(self, facts: ModuleFacts, dotted: str) -> Cls | None:
        found = self._target(facts, dotted)
        return found[0].classes.get(found[1]) if found is not None else None

    def _target(self, facts: ModuleFacts, dotted: str) -> tuple[ModuleFacts, str] | None:
        head, _, rest = dotted.partition(".")
        qualified = facts.imported.get(head)
        if qualified is None:
            return None
        qualified = f"{qualified}.{rest}" if rest else qualified
        for _ in range(MAX_REEXPORTS):
            located = self.index._locate(facts.path, qualified)
            if located is None:
                return None
            module = self._load(located[0])
            if module is None:
                return None
            name = located[1]
            if name in module.classes or module.function(name) is not None:
                return module, name
            qualified = module.imported.get(name, "")
            if not qualified:
                return None
            facts = module
        return None

    def _load(self, path: str) -> ModuleFacts | None:
        read = self.index._read(path)  # records the module as consulted
        if read is None:
            return None
        key = (path, read[2])
        if key not in _LOADED:
            if len(_LOADED) >= MAX_FOLLOWED_MODULES:
                _LOADED.clear()
            _LOADED[key] = None  # a cycle, or a module that cannot be parsed
            _LOADED[key] = _collect(path, read[1])
        return _LOADED[key]


def _collect(path: str, source: str) -> ModuleFacts | None:
    from ...engine import python_tree
    from ...positions import node_positions
    from ...walk import walk

    if not hasattr(python_tree(source, path), "body"):  # refused by the parse limits
        return None
    try:
        module = cst.parse_module(source)
    except (cst.ParserSyntaxError, RecursionError, MemoryError):
        return None
    positions = partial(node_positions, module)
    table = ImportTable()
    facts = ModuleFacts(path, source, table, lambda node: positions([node])[id(node)][0][0])
    collector = _ModuleCollector()
    collector.start_facts(facts)
    try:
        walk(module, [ImportTracker(table), collector])
    except RecursionError:
        return None
    return facts
