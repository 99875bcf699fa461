"""What the engine and the CLI need to know about each rule, without libcst.

Importing the rule modules imports libcst, whose ~200 node dataclasses cost
about half a second of CPU to create. Most files of a tree match no rule's
trigger and never need libcst, and ``reglint rules`` never does. So the rules'
metadata (code, name, summary, trigger, ...) is read once from the rule
classes and kept in a small JSON file in the user's cache directory, keyed by
a digest of the (stat of the) package's source files, the reglint version and
the Python version: editing a rule module, upgrading or reinstalling reglint
invalidates it. If that directory cannot be read or written, the rule modules
are imported, exactly as without this module; nothing is ever warned about.

The rule classes themselves are imported (with libcst) only by
:func:`rule_classes`, i.e. when a file's text triggers a rule.
"""

from __future__ import annotations

import json
import os
import re
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

from . import __version__

if TYPE_CHECKING:
    from .config import Settings
    from .rule import Rule

_PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__))
_SOURCE_DIRS = (_PACKAGE_DIR, os.path.join(_PACKAGE_DIR, "rules"))
_FORMAT = 2


@dataclass(frozen=True)
class RuleInfo:
    """A rule's metadata; duck-compatible with the class for the engine's prefilter
    and ``ast`` stage."""

    code: str
    name: str
    summary: str
    trigger: re.Pattern[str]
    needs_keras: bool
    default_enabled: bool
    fixable: bool
    candidates: str | None


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
        if directory != _PACKAGE_DIR:  # a rule may be a package (``rules/rl006_.../``)
            directories += [e.path for e in entries if e.name.startswith("rl") and e.is_dir()]
        for entry in entries:
            if entry.name.endswith(".py"):
                st = entry.stat()
                h.update(f"\0{entry.path}\0{st.st_size}\0{st.st_mtime_ns}".encode())
    return h.hexdigest()


def _cache_file() -> str:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "reglint", f"rules-{source_digest()}.json")


def _from_classes() -> list[dict]:
    from .rules import ALL_RULES

    return [
        {
            "code": r.code,
            "name": r.name,
            "summary": r.summary,
            "trigger": r.trigger.pattern,
            "flags": int(r.trigger.flags),
            "needs_keras": bool(r.needs_keras),
            "default_enabled": bool(r.default_enabled),
            "fixable": bool(r.INVALID and any(i.expected_fix for i in r.INVALID)),
            "candidates": r.candidates,
        }
        for r in ALL_RULES.values()
    ]


def _load_rows() -> list[dict]:
    path = _cache_file()
    try:
        with open(path, encoding="utf-8") as fh:
            rows = json.load(fh)
        if isinstance(rows, list) and all(isinstance(r, dict) for r in rows):
            return rows
    except (OSError, ValueError):
        pass
    rows = _from_classes()
    try:
        import tempfile

        os.makedirs(os.path.dirname(path), exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=os.path.dirname(path), suffix=".tmp")
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(rows, fh)
        os.replace(tmp, path)
        _prune(os.path.dirname(path), keep=path)
    except OSError:
        pass
    return rows


def _prune(directory: str, keep: str, max_age_s: float = 86400.0) -> None:
    """Drop metadata of other reglint sources not used for a day (each edit of a
    development install writes a new file; two installs must not thrash)."""
    import time

    now = time.time()
    for entry in os.scandir(directory):
        if entry.name.startswith("rules-") and entry.path != keep:
            try:
                if now - entry.stat().st_mtime > max_age_s:
                    os.unlink(entry.path)
            except OSError:
                pass


def _infos(rows: list[dict]) -> dict[str, RuleInfo]:
    infos = {
        row["code"]: RuleInfo(
            row["code"],
            row["name"],
            row["summary"],
            re.compile(row["trigger"], row["flags"]),
            row["needs_keras"],
            row["default_enabled"],
            row["fixable"],
            row["candidates"],
        )
        for row in rows
    }
    return dict(sorted(infos.items()))


@lru_cache(maxsize=1)
def rule_infos() -> dict[str, RuleInfo]:
    """Every rule's metadata, by code, in code order."""
    try:
        return _infos(_load_rows())
    except (KeyError, TypeError, re.error):  # a damaged metadata file: ask the classes
        return _infos(_from_classes())


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
