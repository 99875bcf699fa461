"""Which weights must be regularized, and the options that tune the audit."""

from __future__ import annotations

import sys
from dataclasses import dataclass, fields, replace
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Any

from ..config import ConfigError, find_pyproject

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib


@dataclass(frozen=True)
class AuditOptions:
    """Everything that changes what the audit checks or how it runs."""

    unsafe: bool = False
    config_only: bool = False
    train: bool = True
    steps: int = 1
    batch_size: int = 4
    seed: int = 0
    allow: tuple[str, ...] = ()
    require_recurrent: bool = False
    require_bias: bool = False

    def with_overrides(self, **overrides: Any) -> AuditOptions:
        return replace(self, **{k: v for k, v in overrides.items() if v is not None})

    def to_dict(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self)}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> AuditOptions:
        d = dict(d)
        d["allow"] = tuple(d.get("allow", ()))
        return cls(**d)


#: ``[tool.reglint.audit]`` keys. ``unsafe`` is deliberately not configurable.
_CONFIG_KEYS = {
    "allow": ("allow", list),
    "require-recurrent": ("require_recurrent", bool),
    "require-bias": ("require_bias", bool),
    "steps": ("steps", int),
    "batch-size": ("batch_size", int),
    "seed": ("seed", int),
    "train": ("train", bool),
}


def load_audit_options(start: str | Path | None = None) -> AuditOptions:
    """Options from ``[tool.reglint.audit]`` of the nearest pyproject.toml."""
    pyproject = find_pyproject(Path(start) if start is not None else Path.cwd())
    if pyproject is None:
        return AuditOptions()
    try:
        data = tomllib.loads(Path(pyproject).read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as e:
        raise ConfigError(f"{pyproject}: {e}") from None
    table = data.get("tool", {}).get("reglint", {}).get("audit", {})
    if not isinstance(table, dict):
        raise ConfigError(f"{pyproject}: [tool.reglint.audit] must be a table")
    values: dict[str, Any] = {}
    for key, value in table.items():
        if key not in _CONFIG_KEYS:
            raise ConfigError(f"{pyproject}: unknown key in [tool.reglint.audit]: {key!r}")
        name, typ = _CONFIG_KEYS[key]
        if typ is list:
            if not (isinstance(value, list) and all(isinstance(v, str) for v in value)):
                raise ConfigError(
                    f"{pyproject}: [tool.reglint.audit] {key} must be a list of strings"
                )
            value = tuple(value)
        elif not isinstance(value, typ) or (typ is int and isinstance(value, bool)):
            raise ConfigError(f"{pyproject}: [tool.reglint.audit] {key} must be {typ.__name__}")
        values[name] = value
    return AuditOptions(**values)


def is_allowed(layer: str, allow: tuple[str, ...]) -> bool:
    """``--allow`` globs match a layer's full path or its own name."""
    leaf = layer.rsplit("/", 1)[-1]
    return any(fnmatchcase(layer, g) or fnmatchcase(leaf, g) for g in allow)


def is_required(kind: str, options: AuditOptions) -> bool:
    if kind == "recurrent":
        return options.require_recurrent
    if kind == "bias":
        return options.require_bias
    return True
