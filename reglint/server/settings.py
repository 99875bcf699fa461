"""The settings of each open document, read once and kept until a config file changes."""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Iterable
from pathlib import Path

from ..config import CONFIG_NAMES, ConfigError, Settings, load_settings

__all__ = ["CONFIG_NAMES", "SettingsCache", "is_config_file"]


def is_config_file(path_or_uri: str) -> bool:
    return path_or_uri.rstrip("/").rsplit("/", 1)[-1] in CONFIG_NAMES


class SettingsCache:
    """:func:`reglint.config.load_settings` per directory, errors included.

    Discovery is ``load_settings``'s; this only keeps its answers. Any change
    to a config file clears everything (a new ``pyproject.toml`` in a
    subdirectory changes which file applies, not only that file's values).
    """

    def __init__(self) -> None:
        self._by_dir: dict[str, Settings | ConfigError] = {}
        self.folders: list[Path] = []

    def clear(self) -> None:
        self._by_dir.clear()

    def set_folders(self, folders: Iterable[str]) -> None:
        self.folders = sorted((Path(f) for f in folders), key=lambda p: len(p.parts), reverse=True)
        self.clear()

    def for_path(self, path: str | None) -> Settings:
        """The settings for the document at ``path`` (None: not a file), or ConfigError."""
        start = Path(path).parent if path else self._default_dir()
        key = str(start)
        cached = self._by_dir.get(key)
        if cached is None:
            cached = self._by_dir[key] = self._load(start, path)
        if isinstance(cached, ConfigError):
            raise cached
        return cached

    def _default_dir(self) -> Path:
        return self.folders[-1] if self.folders else Path.cwd()

    def _load(self, start: Path, path: str | None) -> Settings | ConfigError:
        from ..registry import rule_infos

        try:
            settings = load_settings(start if start.is_dir() else self._default_dir())
            settings.enabled_codes(rule_infos(), ())  # an unknown selector is the config's fault
        except ConfigError as exc:
            return exc
        if settings.config_file is None:
            folder = self._folder_of(path)
            if folder is not None:  # excludes are relative to the workspace folder
                settings = dataclasses.replace(settings, root=folder)
        return settings

    def _folder_of(self, path: str | None) -> Path | None:
        if path is None:
            return self.folders[-1] if self.folders else None
        for folder in self.folders:  # deepest first
            if Path(os.path.abspath(path)).is_relative_to(folder):
                return folder
        return None
