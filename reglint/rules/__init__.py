"""The registry of lint rules, by code: one module ``rlNNN_name.py`` per rule.

Adding a rule is adding a module here that defines one ``Rule`` subclass.
"""

from __future__ import annotations

import importlib
import pkgutil

from ..rule import Rule


def _discover() -> dict[str, type[Rule]]:
    found: dict[str, type[Rule]] = {}
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda i: i.name):
        if not info.name.startswith("rl"):
            continue
        module = importlib.import_module(f"{__name__}.{info.name}")
        for value in vars(module).values():
            if (
                isinstance(value, type)
                and issubclass(value, Rule)
                and value is not Rule
                and value.__module__ == module.__name__
            ):
                found[value.code] = value
    return dict(sorted(found.items()))


ALL_RULES: dict[str, type[Rule]] = _discover()
