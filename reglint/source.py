"""Reading a source file the way Python does, with one-line errors."""

from __future__ import annotations

import contextlib
import io
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
    try:
        with open(path, "rb") as fh:
            data = fh.read(MAX_BYTES + 1)
    except OSError as exc:
        raise SourceError(exc.strerror or str(exc)) from None
    if len(data) > MAX_BYTES:
        raise SourceError(f"file larger than {MAX_BYTES // (1024 * 1024)} MB, skipped")
    return decode_source(data)


def _reason(exc: Exception) -> str:
    if isinstance(exc, UnicodeDecodeError):
        return f"invalid byte 0x{exc.object[exc.start]:02x} at offset {exc.start}"
    return str(exc)


def write_source(path: str | Path, original: str, new: str) -> bool:
    """Atomically replace ``path``'s text ``original`` by ``new``.

    Keeps the file's encoding, BOM and mode. Returns False, writing nothing, if
    the file no longer holds ``original`` (changed since it was linted).
    """
    import os
    import tempfile

    path = Path(path)
    data = path.read_bytes()
    if decode_source(data) != original:
        return False
    encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    bom = data.startswith(b"\xef\xbb\xbf")
    payload = new.encode("utf-8" if encoding == "utf-8-sig" else encoding)
    if bom:
        payload = b"\xef\xbb\xbf" + payload
    mode = path.stat().st_mode & 0o7777
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".reglint-tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(payload)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    return True
