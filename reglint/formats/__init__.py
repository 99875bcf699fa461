"""Output formats of ``reglint check``. Formatters know nothing about rules."""

from __future__ import annotations

import importlib
from collections.abc import Callable, Sequence

from ..findings import Finding

CHECK_FORMATS = ("text", "json", "sarif", "github")

Renderer = Callable[[Sequence[Finding]], str]


def renderer(name: str) -> Renderer:
    """The ``render(findings) -> str`` function of format ``name``."""
    module = importlib.import_module(f"{__name__}.{name}_format")
    return module.render
