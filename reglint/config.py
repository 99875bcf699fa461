"""``[tool.reglint]`` in the nearest pyproject.toml, merged with CLI flags."""

from __future__ import annotations

import math
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pathspec

# pathspec and tomllib are imported when first needed: ``reglint --version`` and
# ``reglint rules`` read no configuration and match no path.


class ConfigError(Exception):
    """A configuration or usage error: exit code 2, one line."""


DEFAULT_EXCLUDE = (
    ".git",
    ".hg",
    ".svn",
    ".bzr",
    ".venv",
    "venv",
    ".tox",
    ".nox",
    "__pycache__",
    "build",
    "dist",
    "site-packages",
    "node_modules",
    ".mypy_cache",
    ".pytest_cache",
    ".ruff_cache",
    ".reglint_cache",
    "*.egg-info",
    ".ipynb_checkpoints",
)

#: Rule options and their defaults; ``[tool.reglint]`` spells them with dashes.
DEFAULT_OPTIONS: Mapping[str, Any] = {
    "require-recurrent": False,
    "factor-min": None,  # RL003: a factor below this is reported (None: only <= 0)
    "factor-max": None,  # RL003: a factor above this is reported
    "fix-regularizer": "L2",
    "fix-factor": 1e-4,
}


@dataclass(frozen=True)
class Settings:
    root: Path = field(default_factory=Path.cwd)
    select: tuple[str, ...] | None = None  # None: every rule enabled by default
    extend_select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    exclude: tuple[str, ...] = DEFAULT_EXCLUDE
    extend_exclude: tuple[str, ...] = ()
    per_file_ignores: tuple[tuple[str, tuple[str, ...]], ...] = ()
    options: Mapping[str, Any] = field(default_factory=lambda: dict(DEFAULT_OPTIONS))
    config_file: Path | None = None

    def enabled_codes(
        self, all_codes: Iterable[str], default_codes: Iterable[str], path: str | None = None
    ) -> frozenset[str]:
        """The rule codes that apply to ``path``, ruff-style (prefixes, ``ALL``)."""
        all_codes = tuple(all_codes)
        base = set(default_codes) if self.select is None else _expand(self.select, all_codes)
        base |= _expand(self.extend_select, all_codes)
        base -= _expand(self.ignore, all_codes)
        if path is not None:
            rel = self.relative(path)
            for pattern, codes in self.per_file_ignores:
                if _glob_match(rel, pattern):
                    base -= _expand(codes, all_codes)
        return frozenset(base)

    def relative(self, path: str | Path) -> str:
        p = Path(path).absolute()
        try:
            return p.relative_to(self.root.absolute()).as_posix()
        except ValueError:
            return p.as_posix()

    def is_excluded(self, path: str | Path) -> bool:
        return _spec((*self.exclude, *self.extend_exclude)).match_file(self.relative(path))

    def with_overrides(self, **overrides: Any) -> Settings:
        clean = {k: v for k, v in overrides.items() if v is not None}
        for key in ("exclude", "extend_exclude"):
            for pattern in clean.get(key, ()):
                check_glob(pattern, f"--{key.replace('_', '-')}")
        if "options" in clean:
            clean["options"] = {**self.options, **clean["options"]}
        return replace(self, **clean)


def _expand(selectors: Iterable[str], all_codes: tuple[str, ...]) -> set[str]:
    chosen: set[str] = set()
    for sel in selectors:
        sel = sel.strip().upper()
        if not sel:
            continue
        if sel == "ALL":
            chosen.update(all_codes)
            continue
        matched = [c for c in all_codes if c.startswith(sel)]
        if not matched:
            raise ConfigError(f"unknown rule selector {sel!r}")
        chosen.update(matched)
    return chosen


@lru_cache(maxsize=256)
def _spec(patterns: tuple[str, ...]) -> pathspec.GitIgnoreSpec:
    import pathspec

    return pathspec.GitIgnoreSpec.from_lines(patterns)


def _glob_match(rel: str, pattern: str) -> bool:
    """gitignore semantics: a bare name matches at any depth, ``**`` crosses dirs."""
    return _spec((pattern,)).match_file(rel)


def check_glob(pattern: str, where: str) -> None:
    """Refuse a glob pathspec cannot compile (``!``, a trailing ``\\``, ``[z-a]``)."""
    try:
        _spec((pattern,))
    except Exception as exc:  # pathspec raises its own errors and re.error
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise ConfigError(f"{where}: invalid glob {pattern!r} ({reason})") from None


def find_pyproject(start: Path) -> Path | None:
    start = start.absolute()
    for d in (start, *start.parents) if start.is_dir() else start.parents:
        candidate = d / "pyproject.toml"
        if candidate.is_file():
            return candidate
    return None


def _str_tuple(value: Any, where: str) -> tuple[str, ...]:
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return tuple(value)
    raise ConfigError(f"{where} must be a list of strings")


def read_toml(path: Path) -> dict[str, Any]:
    """The TOML document at ``path``; any problem is a one-line ConfigError naming it."""
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover
        import tomli as tomllib

    from .source import SourceError, read_bytes

    try:
        data, _ = read_bytes(path)
    except SourceError as exc:
        raise ConfigError(f"cannot read {path}: {exc}") from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ConfigError(
            f"{path}: not valid UTF-8 (invalid byte 0x{data[exc.start]:02x} at offset {exc.start})"
        ) from None
    try:
        return tomllib.loads(text)
    except ValueError as exc:  # TOMLDecodeError, or an integer with too many digits
        reason = str(exc).splitlines()[0].split(";")[0]
        raise ConfigError(f"{path}: invalid TOML: {reason}") from None
    except RecursionError:
        raise ConfigError(f"{path}: invalid TOML: nested too deeply") from None


def tool_table(data: Mapping[str, Any], path: Path, *names: str) -> dict[str, Any]:
    """``data[names[0]][names[1]]...`` or an empty table; a non-table on the way is an error."""
    table: Any = data
    for depth, name in enumerate(names, 1):
        table = table.get(name, {})
        if not isinstance(table, dict):
            raise ConfigError(f"{path}: [{'.'.join(names[:depth])}] must be a table")
    return table


def load_settings(start: Path, config: Path | None = None) -> Settings:
    """Settings from ``config`` or the nearest pyproject.toml above ``start``."""
    path = config or find_pyproject(start)
    if path is None:
        return Settings(root=start.absolute() if start.is_dir() else start.absolute().parent)
    data = read_toml(path)
    table = tool_table(data, path, "tool", "reglint") if path.name == "pyproject.toml" else data
    return settings_from_table(table, root=path.parent.absolute(), config_file=path)


_LIST_KEYS = {
    "select": "select",
    "extend-select": "extend_select",
    "ignore": "ignore",
    "exclude": "exclude",
    "extend-exclude": "extend_exclude",
}


def settings_from_table(
    table: Mapping[str, Any], root: Path, config_file: Path | None = None
) -> Settings:
    """Settings from a ``[tool.reglint]`` table; errors name ``config_file`` and the key."""
    section = "[tool.reglint]"
    if config_file is not None:
        section = (
            f"{config_file}: {section}"
            if config_file.name == "pyproject.toml"
            else f"{config_file}:"
        )
    kwargs: dict[str, Any] = {"root": root, "config_file": config_file}
    options = dict(DEFAULT_OPTIONS)
    for key, value in table.items():
        where = f"{section} {key}"
        if key in _LIST_KEYS:
            kwargs[_LIST_KEYS[key]] = _str_tuple(value, where)
            if key.endswith("exclude"):
                for pattern in kwargs[_LIST_KEYS[key]]:
                    check_glob(pattern, where)
        elif key == "per-file-ignores":
            if not isinstance(value, dict):
                raise ConfigError(f"{where} must be a table")
            for pattern in value:
                check_glob(pattern, where)
            kwargs["per_file_ignores"] = tuple(
                (pattern, _str_tuple(codes, f"{where}.{pattern}"))
                for pattern, codes in value.items()
            )
        elif key in DEFAULT_OPTIONS:
            options[key] = value
        elif key == "audit":
            continue  # read by the auditor
        else:
            raise ConfigError(f"{section} unknown key {key!r}")
    _check_options(options, section, explicit_fix="fix-factor" in table)
    kwargs["options"] = options
    return Settings(**kwargs)


def _check_options(
    options: Mapping[str, Any], section: str = "[tool.reglint]", explicit_fix: bool = True
) -> None:
    """Factors are finite; ``fix-factor`` is positive and, when set, inside the
    RL003 range, so that ``--fix`` never writes a value reglint itself reports."""
    factors: dict[str, float] = {}
    for key in ("factor-min", "factor-max", "fix-factor"):
        value = options.get(key)
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ConfigError(f"{section} {key} must be a number")
        try:
            number = float(value)
        except OverflowError:
            number = math.inf
        positive = key == "fix-factor"
        if not math.isfinite(number) or number < 0 or (positive and number == 0):
            bound = "> 0" if positive else ">= 0"
            raise ConfigError(f"{section} {key} must be a finite number {bound}")
        factors[key] = number
    low, high = factors.get("factor-min"), factors.get("factor-max")
    if low is not None and high is not None and low > high:
        raise ConfigError(f"{section} factor-min is above factor-max")
    fix = factors.get("fix-factor")
    if fix is not None:
        outside = (low is not None and fix < low) or (high is not None and fix > high)
        if explicit_fix and outside:
            raise ConfigError(f"{section} fix-factor is outside factor-min..factor-max")
    if not isinstance(options.get("require-recurrent"), bool):
        raise ConfigError(f"{section} require-recurrent must be true or false")
    if options.get("fix-regularizer") not in ("L1", "L2"):
        raise ConfigError(f'{section} fix-regularizer must be "L1" or "L2"')
