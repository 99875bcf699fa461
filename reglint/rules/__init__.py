"""The lint rules: one package ``rlNNN_name/`` per rule (``docs/adding-a-rule.md``).

A package's ``__init__`` says what the rule is (``INFO``, no libcst); its
``rule.py`` holds the libcst check, a :class:`reglint.rule.Rule` subclass with
its examples. Importing this package imports neither: :func:`rule_packages`
lists them, and ``ALL_RULES`` (the check classes by code) imports the checks,
and libcst, when first read.
"""

from __future__ import annotations

import importlib
import pkgutil
from functools import cache
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..rule import Rule


def rule_packages() -> list[str]:
    """The rule packages' module names, in code order."""
    return [
        f"{__name__}.{m.name}"
        for m in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name)
        if m.ispkg and m.name.startswith("rl")
    ]


@cache
def _all_rules() -> dict[str, type[Rule]]:
    from ..rule import Rule

    found: dict[str, type[Rule]] = {}
    for package in rule_packages():
        info = importlib.import_module(package).INFO
        module = importlib.import_module(f"{package}.rule")
        [check] = [
            v
            for v in vars(module).values()
            if isinstance(v, type) and issubclass(v, Rule) and v.__dict__.get("info") is info
        ]
        found[info.code] = check
    return dict(sorted(found.items()))


def __getattr__(name: str) -> Any:
    if name == "ALL_RULES":
        return _all_rules()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
