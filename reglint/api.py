"""The public ``reglint.lint_source``: the engine, with the CLI's configuration."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .config import Settings
    from .findings import Finding
    from .rule import Rule

#: The path of a text that is no file: no configuration is looked for.
NO_PATH = "<string>"


def lint_source(
    source: str,
    path: str = NO_PATH,
    settings: Settings | None = None,
    rules: Sequence[type[Rule]] | None = None,
) -> list[Finding]:
    """Lint Python ``source`` as ``reglint check`` lints the file ``path``.

    Without ``settings``, they are read as the CLI reads them: from the
    configuration file nearest to ``path`` (``.reglint.toml``, ``reglint.toml``
    or ``pyproject.toml``), so its ``select``, ``ignore``, ``per-file-ignores``
    and rule options apply; ``path`` need not exist. Without a path, the
    defaults. Raises :class:`reglint.config.ConfigError` on a broken config.
    """
    from .engine import lint_source as lint

    if settings is None and path != NO_PATH:
        from .config import load_settings

        settings = load_settings(Path(path))
    return lint(source, path, settings, rules)
