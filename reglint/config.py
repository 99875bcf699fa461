"""The nearest ``.reglint.toml``, ``reglint.toml`` or ``pyproject.toml``
(``[tool.reglint]``), merged with CLI flags."""

from __future__ import annotations

import math
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .policy import Policy, merge_factor_aliases, policy_from_table

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

#: The options one rule reads (its ``RuleInfo.option_names``), and their defaults.
RULE_OPTIONS: Mapping[str, Any] = {
    "require-recurrent": False,  # RL001 (and the policy): recurrent kernels need one too
    "factor-min": None,  # RL003: a factor below this is reported (None: only <= 0)
    "factor-max": None,  # RL003: a factor above this is reported
}
#: Every option and its default; ``[tool.reglint]`` spells them with dashes.
DEFAULT_OPTIONS: Mapping[str, Any] = {
    **RULE_OPTIONS,
    "fix-regularizer": "L2",
    "fix-factor": 1e-4,
    "unsafe-fixes": False,  # --fix also applies fixes that change how a model trains
    "keras-version": None,  # "2" or "3": the Keras `tf.keras` and `keras` mean (None: auto)
    "cross-calls": True,  # analysis across calls and modules (docs/cross-calls.md)
    "preview": False,  # rules and analyses in preview (none in this version)
}

#: The values of ``keras-version`` (an integer in TOML is read as its string).
KERAS_VERSIONS = ("2", "3")

#: The values of ``output-format`` (``--output-format``).
OUTPUT_FORMATS = ("text", "json", "sarif", "github")


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
    output_format: str | None = None  # None: text
    respect_gitignore: bool = True
    #: ``[tool.reglint.policy]``; its factor range is mirrored in ``options`` for RL003.
    policy: Policy = field(default_factory=Policy)

    def __post_init__(self) -> None:
        mirrored = dict(self.options)
        policy = self.policy
        for key in ("factor-min", "factor-max"):
            attr = key.replace("-", "_")
            if getattr(policy, attr) is not None:
                mirrored[key] = getattr(policy, attr)
            elif isinstance(mirrored.get(key), (int, float)) and not isinstance(
                mirrored.get(key), bool
            ):
                policy = replace(policy, **{attr: float(mirrored[key])})
        if mirrored != dict(self.options):
            object.__setattr__(self, "options", mirrored)
        object.__setattr__(self, "policy", policy)

    def enabled_codes(
        self, all_codes: Iterable[str], default_codes: Iterable[str], path: str | None = None
    ) -> frozenset[str]:
        """The rule codes that apply to ``path``, ruff-style (prefixes, ``ALL``)."""
        all_codes = tuple(all_codes)
        base = set(default_codes) if self.select is None else _expand(self.select, all_codes)
        base |= _expand(self.extend_select, all_codes)
        base -= _expand(self.ignore, all_codes, ignoring=True)
        for pattern, codes in self.per_file_ignores:  # without a path: validated only
            if path is None or _glob_match(self.relative(path), pattern):
                ignored = _expand(codes, all_codes, ignoring=True)
                if path is not None:
                    base -= ignored
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


#: Codes reported whatever the selection: a file that could not be read was not
#: checked, and a run must never look clean because of it (exclude such files).
ALWAYS_REPORTED = ("RL900",)


def _expand(
    selectors: Iterable[str], all_codes: tuple[str, ...], ignoring: bool = False
) -> set[str]:
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
            if ignoring and any(c.startswith(sel) for c in ALWAYS_REPORTED):
                raise ConfigError(
                    f"{sel} cannot be ignored: a file that could not be read was not checked "
                    "(exclude it instead)"
                )
            if any(c.startswith(sel) for c in ALWAYS_REPORTED):
                continue  # always on: selecting it changes nothing
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


#: Configuration files, in order of precedence within one directory (as ruff's
#: ``.ruff.toml`` > ``ruff.toml`` > ``pyproject.toml``).
CONFIG_NAMES = (".reglint.toml", "reglint.toml", "pyproject.toml")


def find_config(start: Path) -> Path | None:
    """The configuration file nearest to ``start``: in the closest directory
    that has one, ``.reglint.toml``, else ``reglint.toml``, else ``pyproject.toml``."""
    start = start.absolute()
    for d in (start, *start.parents) if start.is_dir() else start.parents:
        for name in CONFIG_NAMES:
            candidate = d / name
            if candidate.is_file():
                return candidate
    return None


def is_tool_file(data: Mapping[str, Any], path: Path) -> bool:
    """Whether reglint's settings in ``path`` are its ``[tool.reglint]`` table (a
    file named pyproject.toml, or any file with that table) or its top-level keys."""
    tool = data.get("tool")
    return path.name == "pyproject.toml" or (isinstance(tool, dict) and "reglint" in tool)


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
    """Settings from ``config`` or the configuration file nearest to ``start``
    (:func:`find_config`)."""
    path = config or find_config(start)
    if path is None:
        return Settings(root=start.absolute() if start.is_dir() else start.absolute().parent)
    data = read_toml(path)
    tool = is_tool_file(data, path)
    table = tool_table(data, path, "tool", "reglint") if tool else data
    return settings_from_table(table, root=path.parent.absolute(), config_file=path, tool=tool)


_LIST_KEYS = {
    "select": "select",
    "extend-select": "extend_select",
    "ignore": "ignore",
    "exclude": "exclude",
    "extend-exclude": "extend_exclude",
}


def settings_from_table(
    table: Mapping[str, Any], root: Path, config_file: Path | None = None, tool: bool | None = None
) -> Settings:
    """Settings from a ``[tool.reglint]`` table (``tool``; default: when
    ``config_file`` is a pyproject.toml) or a reglint.toml's top level; errors
    name ``config_file`` and the key."""
    table_is_tool = (
        tool if tool is not None else getattr(config_file, "name", "") == "pyproject.toml"
    )
    section = "[tool.reglint]"
    if config_file is not None:
        section = f"{config_file}: {section}" if table_is_tool else f"{config_file}:"
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
            options[key] = str(value) if key == "keras-version" and type(value) is int else value
        elif key == "output-format":
            if value not in OUTPUT_FORMATS:
                raise ConfigError(f"{where} must be one of {', '.join(OUTPUT_FORMATS)}")
            kwargs["output_format"] = value
        elif key == "respect-gitignore":
            if not isinstance(value, bool):
                raise ConfigError(f"{where} must be true or false")
            kwargs["respect_gitignore"] = value
        elif key == "audit":
            continue  # read by the auditor
        elif key == "policy":
            if not isinstance(value, dict):
                raise ConfigError(f"{where} must be a table")
            policy_section = (
                f"{config_file}: [tool.reglint.policy]"
                if config_file is not None and table_is_tool
                else f"{config_file}: [policy]"
                if config_file is not None
                else "[tool.reglint.policy]"
            )
            kwargs["policy"] = policy_from_table(value, policy_section)
        else:
            raise ConfigError(f"{section} unknown key {key!r}")
    _check_options(options, section, explicit_fix="fix-factor" in table)
    policy = merge_factor_aliases(
        kwargs.get("policy", Policy()), options, section, "[tool.reglint.policy]"
    )
    options["factor-min"], options["factor-max"] = policy.factor_min, policy.factor_max
    _check_options(options, section, explicit_fix="fix-factor" in table)
    kwargs["options"] = options
    kwargs["policy"] = policy
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
    for key in ("preview", "cross-calls"):
        if not isinstance(options.get(key, False), bool):
            raise ConfigError(f"{section} {key} must be true or false")
    if not isinstance(options.get("unsafe-fixes", False), bool):
        raise ConfigError(f"{section} unsafe-fixes must be true or false")
    if options.get("keras-version") not in (None, *KERAS_VERSIONS):
        raise ConfigError(f'{section} keras-version must be "2" or "3"')
