"""Reading a source file the way Python does, with one-line errors."""

from __future__ import annotations

import contextlib
import io
import os
import stat
import tokenize
from pathlib import Path

MAX_BYTES = 50 * 1024 * 1024


class SourceError(Exception):
    """A file that cannot be read as source; the message is one line."""


def decode_source(data: bytes) -> str:
    """Decode like the interpreter: BOM, PEP 263 coding cookie, else UTF-8."""
    if b"\x00" in data:
        raise SourceError("binary file (contains NUL bytes)")
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    except SyntaxError as exc:
        raise SourceError(f"cannot detect encoding: {exc.msg}") from None
    try:
        text = data.decode(encoding)
    except (UnicodeDecodeError, LookupError) as exc:
        raise SourceError(f"not valid {encoding} text ({_reason(exc)})") from None
    return text[1:] if text.startswith("\ufeff") else text


def read_source(path: str | Path) -> str:
    data, _ = read_bytes(path)
    return decode_source(data)


def read_bytes(path: str | Path, limit: int | None = None) -> tuple[bytes, os.stat_result]:
    """The bytes of the regular file ``path`` (through symlinks) and its stat,
    taken from the open descriptor before reading.

    Anything else (a FIFO, socket, device or directory) is refused without
    blocking: it is opened non-blocking and checked with ``fstat``, so a file
    swapped for a FIFO after the first ``stat`` cannot hang the read. More than
    ``limit`` bytes (default :data:`MAX_BYTES`) is an error.
    """
    limit = MAX_BYTES if limit is None else limit
    try:
        _require_regular(os.stat(path))
        fd = os.open(path, _READ_FLAGS)
        with os.fdopen(fd, "rb") as fh:
            st = os.fstat(fd)
            _require_regular(st)
            data = fh.read(limit + 1)
    except OSError as exc:
        raise SourceError(os_reason(exc)) from None
    if len(data) > limit:
        raise SourceError(f"file larger than {limit // (1024 * 1024)} MB, skipped")
    return data, st


_READ_FLAGS = (
    os.O_RDONLY
    | getattr(os, "O_NONBLOCK", 0)
    | getattr(os, "O_NOCTTY", 0)
    | getattr(os, "O_CLOEXEC", 0)
    | getattr(os, "O_BINARY", 0)
)

_KINDS = (
    (stat.S_ISDIR, "a directory"),
    (stat.S_ISFIFO, "a FIFO"),
    (stat.S_ISSOCK, "a socket"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
)


def _require_regular(st: os.stat_result) -> None:
    if not stat.S_ISREG(st.st_mode):
        kind = next((name for test, name in _KINDS if test(st.st_mode)), "special")
        raise SourceError(f"not a regular file ({kind})")


def os_reason(exc: OSError) -> str:
    return exc.strerror or str(exc)


def _reason(exc: Exception) -> str:
    if isinstance(exc, UnicodeDecodeError):
        return f"invalid byte 0x{exc.object[exc.start]:02x} at offset {exc.start}"
    return str(exc)


def write_source(path: str | Path, original: str, new: str) -> bool:
    """Atomically replace ``path``'s text ``original`` by ``new``.

    A symlink is followed: its target is rewritten and the link kept. Keeps the
    file's encoding, BOM and mode, and refuses a file the user cannot write.
    Returns False, writing nothing, if the file holds neither ``original`` (it
    changed since it was linted) nor already ``new``. Any I/O problem raises
    :class:`SourceError` with a one-line message; the file is then unchanged.
    """
    import tempfile

    target = os.path.realpath(path)
    data, st = read_bytes(target)
    current = decode_source(data)
    if current != original:
        return current == new  # e.g. the same file reached through a link
    if not os.access(target, os.W_OK):
        raise SourceError("Permission denied")
    encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    bom = data.startswith(b"\xef\xbb\xbf")
    try:
        payload = new.encode("utf-8" if encoding == "utf-8-sig" else encoding)
    except UnicodeEncodeError as exc:
        raise SourceError(f"the fix cannot be written in {encoding} ({exc.reason})") from None
    if bom:
        payload = b"\xef\xbb\xbf" + payload
    directory, name = os.path.split(target)
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{name}.", suffix=".reglint-tmp", dir=directory)
    except OSError as exc:
        raise SourceError(os_reason(exc)) from None
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(payload)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, stat.S_IMODE(st.st_mode))
        os.replace(tmp, target)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        if isinstance(exc, OSError):
            raise SourceError(os_reason(exc)) from None
        raise
    return True


def python_dump(source: str, flags: int = 0) -> str | None:
    """CPython's tree of ``source`` as text (``ast.dump``), None if the running
    Python cannot parse it; the check that an edit (a noqa comment, a fix) left
    the code's meaning alone. ``flags``: extra ``compile`` flags (notebooks
    allow top-level ``await``)."""
    import ast
    import warnings

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            tree = compile(source, "<edit>", "exec", ast.PyCF_ONLY_AST | flags, dont_inherit=True)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None
    return ast.dump(tree)
