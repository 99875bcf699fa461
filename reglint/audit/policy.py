"""Which weights must be regularized, and the options that tune the audit."""

from __future__ import annotations

from dataclasses import dataclass, field, fields, replace
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Any

from ..config import ConfigError, check_glob, find_config, is_tool_file, read_toml, tool_table
from ..policy import Policy, merge_factor_aliases, policy_from_table


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
    #: Modules or ``.py`` files imported before loading (``--import``): runs user code.
    imports: tuple[str, ...] = ()
    #: Where module names in ``imports`` are looked up (the project root; default cwd).
    import_root: str | None = None
    #: gitignore-style globs of paths skipped when a directory is searched for models.
    exclude: tuple[str, ...] = ()
    #: A model whose weights were not all seen does not fail the gate (still "incomplete").
    allow_incomplete: bool = False
    #: ``[tool.reglint.policy]``; ``allow`` adds to its ``exempt-layers``.
    policy: Policy = field(default_factory=Policy)

    @property
    def effective_policy(self) -> Policy:
        return self.policy.with_exempt(self.allow)

    def with_overrides(self, **overrides: Any) -> AuditOptions:
        return replace(self, **{k: v for k, v in overrides.items() if v is not None})

    def to_dict(self) -> dict[str, Any]:
        d = {f.name: getattr(self, f.name) for f in fields(self)}
        d["policy"] = self.policy.to_dict()
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> AuditOptions:
        d = dict(d)
        for key in ("allow", "imports", "exclude"):
            d[key] = tuple(d.get(key, ()))
        d["policy"] = Policy.from_dict(d.get("policy") or {})
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
    "imports": ("imports", list),
    "exclude": ("exclude", list),
    "allow-incomplete": ("allow_incomplete", bool),
}

#: The largest ``seed``: NumPy and TensorFlow both take a 32-bit unsigned seed.
MAX_SEED = 2**32 - 1
#: The verification step is a check, not a training run: bounded in work and memory.
MAX_STEPS = 100
MAX_BATCH_SIZE = 1024

#: Inclusive ranges of the integer keys, as the command line's options allow.
_INT_RANGES = {
    "steps": (1, MAX_STEPS),
    "batch-size": (1, MAX_BATCH_SIZE),
    "seed": (0, MAX_SEED),
}


def load_audit_options(start: str | Path | None = None) -> AuditOptions:
    """Options from ``[tool.reglint.audit]`` of the nearest configuration file
    (``[audit]`` in a ``reglint.toml``), found as ``reglint check`` finds it.

    Any problem is a one-line :class:`ConfigError` naming the file and the key.
    """
    pyproject = find_config(Path(start) if start is not None else Path.cwd())
    if pyproject is None:
        return AuditOptions()
    data = read_toml(pyproject)
    prefix = ("tool", "reglint") if is_tool_file(data, pyproject) else ()
    table = tool_table(data, pyproject, *prefix, "audit")
    where = f"{pyproject}: [{'.'.join((*prefix, 'audit'))}]"
    values: dict[str, Any] = {"policy": _policy(data, pyproject, prefix)}
    for key, value in table.items():
        if key not in _CONFIG_KEYS:
            raise ConfigError(f"{where} unknown key {key!r}")
        name, typ = _CONFIG_KEYS[key]
        if typ is list:
            if not (isinstance(value, list) and all(isinstance(v, str) for v in value)):
                raise ConfigError(f"{where} {key} must be a list of strings")
            value = tuple(value)
        elif not isinstance(value, typ) or (typ is int and isinstance(value, bool)):
            raise ConfigError(
                f"{where} {key} must be {'true or false' if typ is bool else 'an integer'}"
            )
        if key in _INT_RANGES:
            low, high = _INT_RANGES[key]
            if value < low or (high is not None and value > high):
                bound = f"between {low} and {high}" if high is not None else f">= {low}"
                raise ConfigError(f"{where} {key} must be {bound}")
        values[name] = value
    for pattern in values.get("exclude", ()):
        check_glob(pattern, f"{where} exclude")
    if "imports" in values:
        base = pyproject.parent
        values["imports"] = tuple(
            str(base / v) if v.endswith(".py") else v for v in values["imports"]
        )
        values["import_root"] = str(base)
    return AuditOptions(**values)


def _policy(data: dict[str, Any], pyproject: Path, prefix: tuple[str, ...]) -> Policy:
    """``[tool.reglint.policy]``, with the ``[tool.reglint] factor-min``/``factor-max`` aliases."""
    section = f"{pyproject}: [{'.'.join((*prefix, 'policy'))}]"
    policy = policy_from_table(tool_table(data, pyproject, *prefix, "policy"), section)
    return merge_factor_aliases(
        policy,
        tool_table(data, pyproject, *prefix),
        f"{pyproject}: [{'.'.join(prefix)}]" if prefix else f"{pyproject}:",
        section,
    )


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
