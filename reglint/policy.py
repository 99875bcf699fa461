"""``[tool.reglint.policy]``: which kernel-type weights must carry a regularizer.

One policy for both halves: ``reglint check`` (RL001, RL003) and ``reglint
audit`` (RA001, RA003) read the same table and decide with :meth:`Policy.decide`.
No TensorFlow, no libcst here.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Any

from .catalog import KERNEL_LAYERS

#: Regularization other than a layer's own regularizer that may satisfy the policy.
OTHER_MEANS = ("weight-decay", "explicit-penalty", "activity")

#: The policy's keys, spelled as in TOML.
POLICY_KEYS = (
    "require",
    "exempt-layers",
    "exempt-outputs",
    "other-means",
    "factor-min",
    "factor-max",
)


@dataclass(frozen=True)
class Verdict:
    """Why a weight needs, or does not need, a regularizer of its own.

    ``status``: ``required`` (RL001/RA001 when it has none), ``not-required``
    (``require`` does not name its class), ``exempt`` (``exempt-layers`` or
    ``exempt-outputs``) or ``covered`` (by ``means``, one of :data:`OTHER_MEANS`).
    """

    status: str
    clause: str | None = None
    pattern: str | None = None
    means: str | None = None

    @property
    def reports(self) -> bool:
        return self.status == "required"

    def to_dict(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self) if getattr(self, f.name)}

    def describe(self) -> str:
        """``exempt (exempt-layers = "head*")``, ``covered by weight-decay``..."""
        if self.status == "covered":
            return f"covered by {self.means}"
        if self.pattern is not None:
            return f'{self.status} ({self.clause} = "{self.pattern}")'
        return self.status if self.clause is None else f"{self.status} ({self.clause})"


REQUIRED = Verdict("required")


@dataclass(frozen=True)
class Policy:
    """The resolved ``[tool.reglint.policy]`` table.

    ``require`` is None for the default, every layer class of the catalog.
    """

    require: tuple[str, ...] | None = None
    exempt_layers: tuple[str, ...] = ()
    exempt_outputs: bool = False
    other_means: tuple[str, ...] = ()
    factor_min: float | None = None
    factor_max: float | None = None

    def __post_init__(self) -> None:
        if self.require is not None and not isinstance(self.require, tuple):
            object.__setattr__(self, "require", tuple(self.require))
        for name in ("exempt_layers", "other_means"):
            if not isinstance(getattr(self, name), tuple):
                object.__setattr__(self, name, tuple(getattr(self, name)))
        unknown = [m for m in self.other_means if m not in OTHER_MEANS]
        if unknown:
            raise ValueError(
                f"other-means: unknown means {unknown[0]!r} (one of {', '.join(OTHER_MEANS)})"
            )

    @property
    def default(self) -> bool:
        return self == Policy(factor_min=self.factor_min, factor_max=self.factor_max)

    def required_pattern(self, layer_class: str) -> str | None:
        """The ``require`` glob naming ``layer_class`` (``*`` by default), or None."""
        if self.require is None:
            return "*" if layer_class in KERNEL_LAYERS else None
        return next((g for g in self.require if fnmatchcase(layer_class, g)), None)

    def exempt_pattern(self, layer: str) -> str | None:
        """The ``exempt-layers`` glob matching a layer's name or its full path."""
        leaf = layer.rsplit("/", 1)[-1]
        return next(
            (g for g in self.exempt_layers if fnmatchcase(layer, g) or fnmatchcase(leaf, g)), None
        )

    def decide(
        self,
        layer_class: str,
        layer: str | None,
        *,
        output: bool = False,
        covered_by: tuple[str, ...] = (),
    ) -> Verdict:
        """The verdict for a weight of a ``layer_class`` layer named ``layer``
        (None: unknown) that has no regularizer of its own.

        ``output``: the layer produces a model output; ``covered_by``: the other
        means proven to regularize the weight (only those in ``other-means`` count).
        """
        if self.required_pattern(layer_class) is None:
            return Verdict("not-required", "require")
        pattern = None if layer is None else self.exempt_pattern(layer)
        if pattern is not None:
            return Verdict("exempt", "exempt-layers", pattern)
        if output and self.exempt_outputs:
            return Verdict("exempt", "exempt-outputs")
        for means in self.other_means:
            if means in covered_by:
                return Verdict("covered", "other-means", means=means)
        return REQUIRED

    def clause_text(self) -> str:
        """What a finding quotes: ``policy: require = ["Dense", "Conv*"]``, or ``""``."""
        if self.require is None:
            return ""
        return "policy: require = [" + ", ".join(f'"{g}"' for g in self.require) + "]"

    def to_dict(self) -> dict[str, Any]:
        """The table as TOML spells it (``require`` None: the catalog's classes)."""
        return {
            "require": list(self.require) if self.require is not None else "catalog",
            "exempt-layers": list(self.exempt_layers),
            "exempt-outputs": self.exempt_outputs,
            "other-means": list(self.other_means),
            "factor-min": self.factor_min,
            "factor-max": self.factor_max,
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Policy:
        """The inverse of :meth:`to_dict` (the Keras 2 worker's protocol)."""
        require = d.get("require", "catalog")
        return cls(
            require=None if require == "catalog" else tuple(require),
            exempt_layers=tuple(d.get("exempt-layers", ())),
            exempt_outputs=bool(d.get("exempt-outputs", False)),
            other_means=tuple(d.get("other-means", ())),
            factor_min=d.get("factor-min"),
            factor_max=d.get("factor-max"),
        )

    def with_exempt(self, patterns: tuple[str, ...]) -> Policy:
        """This policy with more ``exempt-layers`` (``--allow``, ``[tool.reglint.audit] allow``)."""
        extra = tuple(p for p in patterns if p not in self.exempt_layers)
        return replace(self, exempt_layers=(*self.exempt_layers, *extra)) if extra else self


def _strings(value: Any, where: str) -> tuple[str, ...]:
    from .config import ConfigError

    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return tuple(value)
    raise ConfigError(f"{where} must be a list of strings")


def factor_bound(value: Any, where: str) -> float | None:
    """A ``factor-min``/``factor-max`` value: None, or a finite number >= 0."""
    from .config import ConfigError

    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ConfigError(f"{where} must be a number")
    try:
        number = float(value)
    except OverflowError:
        number = math.inf
    if not math.isfinite(number) or number < 0:
        raise ConfigError(f"{where} must be a finite number >= 0")
    return number


def policy_from_table(table: Mapping[str, Any], section: str) -> Policy:
    """The policy of a ``[tool.reglint.policy]`` table; ``section`` prefixes errors
    (``pyproject.toml: [tool.reglint.policy]``)."""
    from .config import ConfigError, check_glob

    kwargs: dict[str, Any] = {}
    for key, value in table.items():
        where = f"{section} {key}"
        if key == "require":
            kwargs["require"] = _strings(value, where)
            for pattern in kwargs["require"]:
                check_glob(pattern, where)
        elif key == "exempt-layers":
            kwargs["exempt_layers"] = _strings(value, where)
            for pattern in kwargs["exempt_layers"]:
                check_glob(pattern, where)
        elif key == "exempt-outputs":
            if not isinstance(value, bool):
                raise ConfigError(f"{where} must be true or false")
            kwargs["exempt_outputs"] = value
        elif key == "other-means":
            means = _strings(value, where)
            unknown = [m for m in means if m not in OTHER_MEANS]
            if unknown:
                choices = ", ".join(f'"{m}"' for m in OTHER_MEANS)
                raise ConfigError(f"{where}: unknown means {unknown[0]!r} (one of {choices})")
            kwargs["other_means"] = tuple(dict.fromkeys(means))
        elif key in ("factor-min", "factor-max"):
            kwargs[key.replace("-", "_")] = factor_bound(value, where)
        else:
            raise ConfigError(f"{section} unknown key {key!r}")
    policy = Policy(**kwargs)
    check_range(policy, section)
    return policy


def check_range(policy: Policy, section: str) -> None:
    from .config import ConfigError

    low, high = policy.factor_min, policy.factor_max
    if low is not None and high is not None and low > high:
        raise ConfigError(f"{section} factor-min is above factor-max")


def merge_factor_aliases(
    policy: Policy, options: Mapping[str, Any], section: str, policy_section: str
) -> Policy:
    """The policy with ``[tool.reglint] factor-min``/``factor-max`` (the old
    RL003 keys, now aliases) folded in; setting one in both places is an error."""
    from .config import ConfigError

    updates: dict[str, float | None] = {}
    for key in ("factor-min", "factor-max"):
        old = factor_bound(options.get(key), f"{section} {key}")
        if old is None:
            continue
        current = getattr(policy, key.replace("-", "_"))
        if current is not None and current != old:
            raise ConfigError(
                f"{section} {key} is also set in {policy_section}: keep one (the policy's)"
            )
        updates[key.replace("-", "_")] = old
    merged = replace(policy, **updates) if updates else policy
    check_range(merged, policy_section)
    return merged


def policy_table(data: Mapping[str, Any], path: Path, tool: bool) -> tuple[dict[str, Any], str]:
    """The raw ``[tool.reglint.policy]`` table (or a reglint.toml's ``[policy]``)
    of a parsed configuration file, and how errors name it."""
    from .config import tool_table

    names = ("tool", "reglint", "policy") if tool else ("policy",)
    return tool_table(data, path, *names), f"{path}: [{'.'.join(names)}]"


__all__ = [
    "OTHER_MEANS",
    "POLICY_KEYS",
    "Policy",
    "Verdict",
    "factor_bound",
    "merge_factor_aliases",
    "policy_from_table",
    "policy_table",
]
