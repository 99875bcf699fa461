"""The result cache of ``reglint check``, as in ruff: a warm run parses nothing.

Layout, under the project root (``Settings.root``)::

    .reglint_cache/
        CACHEDIR.TAG            # backup tools skip the directory
        .gitignore              # "*": never committed
        <version>/<key>.json    # one file per effective configuration

``<key>`` digests everything that decides a file's findings besides its
content: the reglint version, the package's sources (so editing a rule in a
development install invalidates), the Python and libcst installations (RL000
messages come from the interpreter, the parse from libcst) and every field of
the effective :class:`~reglint.config.Settings` (selection, ignores,
per-file-ignores, rule options, root). The rules enabled for a given file are a
function of those settings and the file's path, so they are covered too.

Each file's entry is keyed by its path relative to the root and holds its
content digest (BLAKE2b), its stat signature ``(mtime_ns, ctime_ns, size,
inode)`` and its findings. A lookup first compares the stat signature: equal
means a hit without reading the file (ruff's fast path). A different signature
only means the content has to be hashed: if the digest is unchanged (``git
checkout``, ``touch``) the cached findings are used and the new signature is
stored. A file modified within the same timestamp tick as it was read would
keep its signature (git's "racily clean" problem), so a signature younger than
:data:`RACY_NS` is not stored: such a file is verified by its digest next time.

A file's stat is taken from the open descriptor *before* its bytes are read,
and the digest is of exactly the bytes linted, so no interleaving with a
writer can pair a digest or signature with findings of other content.

Entries not used for :data:`MAX_AGE_DAYS` days are dropped when the cache is
written, and so are cache files not written for as long. The file is rewritten
only when something changed (at most once a day on warm runs). Any problem with
the cache (corrupt, unreadable, unwritable) costs one warning line on stderr,
never a failure nor a different result: the files are then simply linted.
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
import time
from dataclasses import fields
from pathlib import Path
from typing import Any

from . import __version__
from .config import Settings
from .findings import Edit, Finding, Fix, Location

CACHE_DIR_NAME = ".reglint_cache"
MAX_AGE_DAYS = 30
RACY_NS = 2_000_000_000
#: A cache file larger than this is ignored (and rewritten) rather than read.
MAX_CACHE_BYTES = 256 * 1024 * 1024
_FORMAT = 1
CACHEDIR_TAG = (
    "Signature: 8a477f597d28d172789f06886806bc55\n"
    "# This file is a cache directory tag created by reglint.\n"
    "# For information about cache directory tags see https://bford.info/cachedir/\n"
)

StatKey = tuple[int, int, int, int]


def cache_dir(settings: Settings) -> Path:
    return Path(settings.root) / CACHE_DIR_NAME


def stat_key(st: os.stat_result) -> StatKey:
    return (st.st_mtime_ns, st.st_ctime_ns, st.st_size, st.st_ino)


def content_digest(data: bytes) -> str:
    import hashlib

    return hashlib.blake2b(data, digest_size=16).hexdigest()


def warn(message: str) -> None:
    sys.stderr.write(f"reglint: warning: {message}\n")


def settings_key(settings: Settings) -> str:
    """A stable digest of the settings and of everything else a result depends on."""
    import hashlib

    from .registry import source_digest

    data = {f.name: getattr(settings, f.name) for f in fields(settings)}
    data["options"] = dict(sorted(dict(settings.options).items()))
    blob = json.dumps(
        {
            "format": _FORMAT,
            "version": __version__,
            "sources": source_digest(),
            "libcst": _libcst_signature(),
            "settings": data,
        },
        sort_keys=True,
        default=str,
    )
    return hashlib.blake2b(blob.encode(), digest_size=16).hexdigest()


def _libcst_signature() -> list[Any]:
    """Where libcst is installed and when, without importing it (~0.5 s)."""
    from importlib.util import find_spec

    spec = find_spec("libcst")
    if spec is None or not spec.submodule_search_locations:
        return []
    out: list[Any] = []
    for directory in spec.submodule_search_locations:
        for name in ("__init__.py", "_version.py"):
            try:
                st = os.stat(os.path.join(directory, name))
            except OSError:
                continue
            out.append([directory, name, st.st_size, st.st_mtime_ns])
    return out


# --- findings <-> JSON, exactly -------------------------------------------


def _loc(loc: Location | None) -> list[int] | None:
    return None if loc is None else [loc.row, loc.column]


def _unloc(data: Any) -> Location:
    if not (isinstance(data, list) and len(data) == 2 and all(_is_int(v) for v in data)):
        raise TypeError("not a location")
    return Location(data[0], data[1])


def _unloc_opt(data: Any) -> Location | None:
    return None if data is None else _unloc(data)


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _str(value: Any) -> str:
    if not isinstance(value, str):
        raise TypeError("not a string")
    return value


def finding_to_json(f: Finding, path: str) -> list[Any]:
    fix = None
    if f.fix is not None:
        fix = [
            f.fix.message,
            f.fix.applicability,
            [[e.content, _loc(e.location), _loc(e.end_location)] for e in f.fix.edits],
        ]
    return [
        f.code,
        f.message,
        None if f.filename == path else f.filename,
        _loc(f.location),
        _loc(f.end_location),
        fix,
        f.cell,
        _loc(f.cell_location),
        f.fixed,
        [[name, _loc(loc), message] for name, loc, message in f.related],
    ]


def finding_from_json(data: Any, path: str) -> Finding:
    """The finding :func:`finding_to_json` wrote; TypeError or ValueError if
    ``data`` is anything else (every field is type-checked: the cache is input)."""
    if not (isinstance(data, list) and len(data) in (9, 10)):
        raise TypeError("not a finding")
    code, message, filename, loc, end, fix, cell, cell_loc, fixed = data[:9]
    related = data[9] if len(data) == 10 else []
    if not isinstance(related, list) or not all(
        isinstance(r, list) and len(r) == 3 for r in related
    ):
        raise TypeError("not related locations")
    fix_obj = None
    if fix is not None:
        if not (isinstance(fix, list) and len(fix) == 3 and isinstance(fix[2], list)):
            raise TypeError("not a fix")
        fmsg, applicability, edits = fix
        if applicability not in ("safe", "unsafe"):
            raise ValueError("unknown applicability")
        fix_obj = Fix(_str(fmsg), tuple(_edit(e) for e in edits), applicability)
    if not (cell is None or _is_int(cell)) or not isinstance(fixed, bool):
        raise TypeError("not a cell index or flag")
    return Finding(
        _str(code),
        _str(message),
        path if filename is None else _str(filename),
        _unloc(loc),
        _unloc(end),
        fix_obj,
        cell,
        _unloc_opt(cell_loc),
        fixed,
        tuple((_str(r[0]), _unloc(r[1]), _str(r[2])) for r in related),
    )


def _edit(data: Any) -> Edit:
    if not (isinstance(data, list) and len(data) == 3):
        raise TypeError("not an edit")
    return Edit(_str(data[0]), _unloc(data[1]), _unloc(data[2]))


def _valid_entry(entry: Any) -> bool:
    """``[stat signature or None, digest, day last used, findings]``."""
    return (
        isinstance(entry, list)
        and len(entry) in (4, 5)
        and (len(entry) == 4 or _valid_depends(entry[4]))
        and (
            entry[0] is None
            or (isinstance(entry[0], list) and len(entry[0]) == 4 and all(map(_is_int, entry[0])))
        )
        and isinstance(entry[1], str)
        and _is_int(entry[2])
        and isinstance(entry[3], list)
    )


def _valid_depends(depends: Any) -> bool:
    """``{path relative to the root: content digest}`` of the modules a result read."""
    return isinstance(depends, dict) and all(isinstance(d, str) for d in depends.values())


# --- the cache --------------------------------------------------------------


class Cache:
    """The entries of one configuration; :meth:`save` writes them back."""

    def __init__(self, settings: Settings, file: Path | None = None) -> None:
        self.settings = settings
        self.dir = cache_dir(settings)
        self.file = file or self.dir / __version__ / f"{settings_key(settings)}.json"
        self.entries: dict[str, list[Any]] = {}
        self.changed = False
        self.today = int(time.time() // 86400)
        root = os.path.abspath(settings.root)
        self._prefix = root.rstrip(os.sep) + os.sep
        self._warned = False
        #: key -> current content digest of the dependencies checked this run.
        self._digests: dict[str, str] = {}

    def _warn(self, message: str) -> None:
        if not self._warned:
            self._warned = True
            warn(message)

    @classmethod
    def load(cls, settings: Settings) -> Cache:
        cache = cls(settings)
        if _unusable_dir(cache.dir) or _unusable_dir(cache.file.parent):
            return cache  # reported when it is written
        from .source import SourceError, read_bytes

        try:
            data = json.loads(read_bytes(cache.file, MAX_CACHE_BYTES)[0])
        except SourceError as exc:
            if os.path.lexists(cache.file):
                cache._warn(f"cannot read the cache {cache.file} ({exc}); linting without it")
                cache.changed = True  # rewrite it
            return cache
        except (ValueError, RecursionError) as exc:
            cache._warn(f"cannot read the cache {cache.file} ({_reason(exc)}); linting without it")
            cache.changed = True
            return cache
        entries = data.get("files") if isinstance(data, dict) else None
        if not isinstance(entries, dict) or data.get("format") != _FORMAT:
            cache._warn(f"the cache {cache.file} is corrupt; linting without it")
            cache.changed = True
            return cache
        cache.entries = entries
        return cache

    def key(self, path: str) -> str:
        full = os.path.abspath(path)
        return full[len(self._prefix) :] if full.startswith(self._prefix) else full

    def _findings(self, entry: list[Any], path: str) -> list[Finding] | None:
        try:
            return [finding_from_json(f, path) for f in entry[3]]
        except (TypeError, ValueError):
            self._warn(f"the cache {self.file} is corrupt; linting without it")
            return None

    def lookup(self, path: str) -> tuple[list[Finding] | None, str | None]:
        """``(findings, None)`` when ``path``'s stat is unchanged; otherwise
        ``(None, digest)``: the content digest the cached findings belong to,
        or None if there are none (the file must be linted)."""
        entry = self.entries.get(self.key(path))
        if not _valid_entry(entry):
            return None, None
        if len(entry) == 5 and not self._depends_unchanged(entry[4]):
            return None, None  # a module the result read has changed: lint again
        try:
            st = os.stat(path)
        except OSError:
            return None, None
        if entry[0] is not None and tuple(entry[0]) == stat_key(st):
            findings = self._findings(entry, path)
            if findings is not None:
                if entry[2] != self.today:
                    entry[2] = self.today
                    self.changed = True
                return findings, None
            return None, None
        return None, entry[1]

    def _depends_unchanged(self, depends: dict[str, str]) -> bool:
        from .source import SourceError, read_bytes

        for key, digest in depends.items():
            current = self._digests.get(key)
            if current is None:
                full = key if os.path.isabs(key) else self._prefix + key
                try:
                    current = content_digest(read_bytes(full)[0])
                except (SourceError, OSError):
                    current = ""
                self._digests[key] = current
            if current != digest:
                return False
        return True

    def revalidated(self, path: str, st: StatKey) -> list[Finding] | None:
        """The content had the cached digest: findings stand, the stat is refreshed."""
        entry = self.entries[self.key(path)]
        findings = self._findings(entry, path)
        if findings is not None:
            entry[0] = self._signature(st)
            entry[2] = self.today
            self.changed = True
        return findings

    def store(
        self,
        path: str,
        st: StatKey,
        digest: str,
        findings: list[Finding],
        depends: dict[str, str] | None = None,
    ) -> None:
        """``depends``: path -> digest of the project modules the findings read."""
        entry = [
            self._signature(st),
            digest,
            self.today,
            [finding_to_json(f, path) for f in findings],
        ]
        if depends:
            entry.append({self.key(p): d for p, d in depends.items()})
        self.entries[self.key(path)] = entry
        self.changed = True

    @staticmethod
    def _signature(st: StatKey) -> list[int] | None:
        racy = time.time_ns() - st[0] < RACY_NS
        return None if racy else list(st)

    def save(self) -> None:
        if not self.changed:
            return
        oldest = self.today - MAX_AGE_DAYS
        entries = {k: e for k, e in self.entries.items() if _valid_entry(e) and e[2] >= oldest}
        payload = json.dumps({"format": _FORMAT, "files": entries}, separators=(",", ":")).encode()
        try:
            ensure_dir(self.dir)
            _make_dir(self.file.parent)
            import tempfile

            fd, tmp = tempfile.mkstemp(dir=self.file.parent, prefix=".tmp-", suffix=".json")
            try:
                with os.fdopen(fd, "wb") as fh:
                    fh.write(payload)
                os.replace(tmp, self.file)
            except BaseException:
                _unlink(tmp)
                raise
        except OSError as exc:
            self._warn(
                f"cannot write the cache in {self.dir} ({_reason(exc)}); use --no-cache to skip it"
            )
            return
        self.changed = False
        _prune_files(self.dir, keep=self.file, max_age_s=MAX_AGE_DAYS * 86400)


def ensure_dir(directory: Path) -> None:
    """Create the cache directory with its ``CACHEDIR.TAG`` and ``.gitignore``.

    Nothing is written through a symlink: a cache directory that is a link (or
    not a directory) is an error, and an existing name, even a dangling link,
    is left alone.
    """
    _make_dir(directory)
    for name, text in (
        ("CACHEDIR.TAG", CACHEDIR_TAG),
        (".gitignore", "# Automatically created by reglint.\n*\n"),
    ):
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
        try:
            fd = os.open(directory / name, flags, 0o644)
        except FileExistsError:
            continue
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)


def _make_dir(directory: Path) -> None:
    with contextlib.suppress(FileExistsError):
        os.mkdir(directory)
    reason = _unusable_dir(directory)
    if reason:
        raise NotADirectoryError(0, f"{directory.name} is {reason}")


def _unusable_dir(directory: Path) -> str | None:
    """Why ``directory`` cannot hold the cache, if it exists but is not a real directory."""
    import stat

    try:
        st = os.lstat(directory)
    except OSError:
        return None
    if stat.S_ISLNK(st.st_mode):
        return "a symlink"
    if not stat.S_ISDIR(st.st_mode):
        return "not a directory"
    return None


def _prune_files(directory: Path, keep: Path, max_age_s: float) -> None:
    """Remove cache files (other configurations, versions) unused for ``max_age_s``."""
    now = time.time()
    try:
        subdirs = [d for d in os.scandir(directory) if d.is_dir(follow_symlinks=False)]
    except OSError:
        return
    for sub in subdirs:
        try:
            files = list(os.scandir(sub.path))
            for entry in files:
                if (
                    entry.name.endswith(".json")
                    and entry.path != str(keep)
                    and now - entry.stat().st_mtime > max_age_s
                ):
                    os.unlink(entry.path)
            if not any(True for _ in os.scandir(sub.path)):
                os.rmdir(sub.path)
        except OSError:
            continue


def _unlink(path: str) -> None:
    with contextlib.suppress(OSError):
        os.unlink(path)


def _reason(exc: Exception) -> str:
    if isinstance(exc, OSError):
        return exc.strerror or str(exc)
    return str(exc).splitlines()[0] if str(exc) else type(exc).__name__


def clean(settings: Settings) -> Path | None:
    """Remove the cache directory of ``settings``' project; its path if there was one."""
    import shutil

    directory = cache_dir(settings)
    if not directory.is_dir() or directory.is_symlink():
        return None
    shutil.rmtree(directory)
    return directory
