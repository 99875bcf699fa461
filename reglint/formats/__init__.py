"""Output formats of ``reglint check``. Formatters know nothing about rules."""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable, Iterator, Sequence

from ..findings import Finding

Streamer = Callable[[Iterable[Sequence[Finding]]], Iterator[str]]


def printable(text: str) -> str:
    """``text`` as valid Unicode, for output: the undecodable bytes of a file
    name (``os.fsdecode``'s surrogate escapes) as ``\\xNN``, any other lone
    surrogate as ``\\udNNN``. Valid text is returned as is."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        try:
            return text.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
        except UnicodeEncodeError:
            return text.encode("utf-8", "backslashreplace").decode("utf-8")
    return text


def streamer(name: str) -> Streamer:
    """Render findings file by file, as they arrive, so that memory stays flat.

    Formats whose document needs every finding at once (SARIF) are rendered
    when the last file is done.
    """
    module = importlib.import_module(f"{__name__}.{name}_format")
    stream = getattr(module, "stream", None)
    if stream is not None:
        return stream

    def whole(chunks: Iterable[Sequence[Finding]]) -> Iterator[str]:
        yield module.render([f for chunk in chunks for f in chunk])

    return whole
