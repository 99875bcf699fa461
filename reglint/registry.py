"""What the engine and the CLI need to know about each rule, without libcst.

Each rule package's ``__init__`` defines its :class:`~reglint.rule_info.RuleInfo`
and imports nothing heavier than the catalog and the ``ast`` stage, so reading
every rule's metadata costs a few milliseconds. The rule classes themselves
(and libcst, whose ~200 node dataclasses cost about half a second of CPU to
create) are imported by :func:`rule_classes` only, when a file's text
triggers a rule.
"""

from __future__ import annotations

import importlib
import os
import sys
from collections.abc import Iterable
from functools import lru_cache
from typing import TYPE_CHECKING

from . import __version__
from .rule_info import RuleInfo

if TYPE_CHECKING:
    from .config import Settings
    from .rule import Rule

__all__ = ["RuleInfo", "default_codes", "enabled_infos", "rule_classes", "rule_infos"]

_PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__))
_SOURCE_DIRS = (_PACKAGE_DIR, os.path.join(_PACKAGE_DIR, "rules"))
_FORMAT = 3


def source_digest() -> str:
    """A digest of the package's Python sources (path, size, mtime) and versions.

    Part of the result cache's key too: a rule edited in a development install
    invalidates cached results even though ``__version__`` did not change.
    """
    return _source_digest()


@lru_cache(maxsize=1)
def _source_digest() -> str:
    import hashlib

    h = hashlib.blake2b(digest_size=16)
    h.update(f"{_FORMAT}\0{__version__}\0{sys.version}\0{sys.implementation.cache_tag}".encode())
    directories = list(_SOURCE_DIRS)
    for directory in directories:
        try:
            entries = sorted(os.scandir(directory), key=lambda e: e.name)
        except OSError:
            continue
        if directory != _PACKAGE_DIR:  # each rule is a package: ``rules/rlNNN_name/``
            directories += [e.path for e in entries if e.name.startswith("rl") and e.is_dir()]
        for entry in entries:
            if entry.name.endswith(".py"):
                st = entry.stat()
                h.update(f"\0{entry.path}\0{st.st_size}\0{st.st_mtime_ns}".encode())
    return h.hexdigest()


@lru_cache(maxsize=1)
def rule_infos() -> dict[str, RuleInfo]:
    """Every rule's metadata, by code, in code order."""
    from .rules import rule_packages

    infos = (importlib.import_module(package).INFO for package in rule_packages())
    return {info.code: info for info in sorted(infos, key=lambda i: i.code)}


@lru_cache(maxsize=1)
def default_codes() -> frozenset[str]:
    return frozenset(code for code, info in rule_infos().items() if info.default_enabled)


def enabled_infos(settings: Settings, path: str | None = None) -> list[RuleInfo]:
    """The rules ``settings`` enable for ``path``, in code order."""
    infos = rule_infos()
    codes = settings.enabled_codes(infos, default_codes(), path)
    return [info for code, info in infos.items() if code in codes]


def rule_classes(codes: Iterable[str]) -> list[type[Rule]]:
    from .rules import ALL_RULES

    return [ALL_RULES[c] for c in codes]
