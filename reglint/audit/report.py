"""The data every audit step produces and consumes: plain dataclasses, JSON-able.

Nothing here imports TensorFlow, so formatters, the CLI and the Keras 2 worker
protocol can use it freely.
"""

from __future__ import annotations

import math
import re
from dataclasses import asdict, dataclass, field
from typing import Any

MAX_WARNING_NOTES = 10  # distinct Python warnings kept as notes per model
MAX_OPAQUE_SHOWN = 5  # opaque layers named in the one-line "incomplete" message

_ANSI = re.compile(r"\x1b(?:\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)?|[@-Z\\-_])")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def clean_text(text: str) -> str:
    """``text`` without ANSI escape sequences or control characters (XML/JSON/SARIF-safe)."""
    return _CONTROL.sub("", _ANSI.sub("", text))


def warning_notes(messages: list[str]) -> list[str]:
    """Notes for Python warnings raised while auditing: one line each, distinct, bounded."""
    notes: list[str] = []
    for m in messages:
        note = "warning: " + " ".join(clean_text(m).split())
        if note not in notes:
            notes.append(note)
    if len(notes) > MAX_WARNING_NOTES:
        extra = len(notes) - MAX_WARNING_NOTES
        notes = [*notes[:MAX_WARNING_NOTES], f"warning: ... and {extra} more"]
    return notes


CODES: dict[str, str] = {
    "RA001": "unregularized-kernel",
    "RA002": "regularizer-without-penalty",
    "RA003": "degenerate-penalty",
    "RA004": "penalty-not-in-training-loss",
    "RA005": "gradient-mismatch",
    "RA006": "inference-only-artifact",
}


@dataclass(frozen=True)
class Regularizer:
    """A regularizer as its config names it: ``L2`` with ``{"l2": 0.01}``."""

    class_name: str
    factors: dict[str, float] = field(default_factory=dict)

    def __str__(self) -> str:
        args = ", ".join(f"{k}={v:.3g}" for k, v in self.factors.items())
        return f"{self.class_name}({args})"

    @property
    def degenerate(self) -> bool:
        """All factors zero, or any negative / NaN / infinite (None when unknown)."""
        if not self.factors:
            return False
        values = list(self.factors.values())
        bad = any(not math.isfinite(v) or v < 0 for v in values)
        return bad or all(v == 0 for v in values)


@dataclass
class WeightRecord:
    """One kernel-type (or bias/recurrent) weight and what regularizes it."""

    layer: str
    layer_class: str
    weight: str
    argument: str
    kind: str  # "kernel", "recurrent" or "bias"
    trainable: bool = True
    shape: list[int] | None = None
    regularizer: Regularizer | None = None
    penalty: float | None = None  # measured value; None when not measured
    in_losses: bool | None = None  # whether model.losses carries the penalty
    required: bool = True
    allowed: bool = False  # exempted by --allow
    zero_weight: bool = False  # all entries zero: a zero penalty is then expected
    output: bool = False  # the layer produces a model output (exempt-outputs)
    activity: bool = False  # the layer has an activity_regularizer (other-means "activity")
    #: Other means proven to regularize this weight ("weight-decay", "explicit-penalty"...).
    covered_by: list[str] = field(default_factory=list)
    #: Why a means in the policy's other-means does not cover it (means -> reason).
    not_covered: dict[str, str] = field(default_factory=dict)
    #: The policy's verdict: {"status": "exempt", "clause": "exempt-layers", "pattern": ...}.
    policy: dict[str, Any] | None = None

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["regularizer"] = (
            None
            if self.regularizer is None
            else {"class_name": self.regularizer.class_name, "config": self.regularizer.factors}
        )
        d["penalty"] = _json_float(self.penalty)
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> WeightRecord:
        d = dict(d)
        reg = d.pop("regularizer")
        if reg is not None:
            reg = Regularizer(reg["class_name"], dict(reg["config"]))
        if isinstance(d.get("penalty"), str):
            d["penalty"] = float(d["penalty"])
        return cls(regularizer=reg, **d)


@dataclass
class Finding:
    code: str
    message: str
    layer: str | None = None
    weight: str | None = None
    path: str | None = None  # the model's path, for per-finding formats (SARIF)

    def __post_init__(self) -> None:
        self.message = clean_text(self.message)

    @property
    def name(self) -> str:
        return CODES[self.code]

    @property
    def target(self) -> str:
        return self.weight or self.layer or "model"

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "layer": self.layer,
            "weight": self.weight,
            "message": self.message,
        }


@dataclass
class GradientCheck:
    weight: str
    layer: str | None
    max_error: float
    tolerance: float
    penalty_grad: float  # max |d(penalty)/dW|
    ok: bool
    resolvable: bool = True  # False: the penalty gradient is below float32 noise
    penalty_share: float | None = None  # share of d(penalty)/dW in the applied update


@dataclass
class Verification:
    """Figures of the verification training step(s)."""

    ran: bool
    reason: str | None = None  # why it did not run
    loss: str | None = None  # which loss was used
    steps: int = 0
    batch_size: int = 0
    seed: int = 0
    data_loss: float | None = None
    penalty: float | None = None
    training_loss: float | None = None
    loss_error: float | None = None
    loss_tolerance: float | None = None
    loss_ok: bool | None = None
    gradients: list[GradientCheck] = field(default_factory=list)
    #: other-means "explicit-penalty": weight -> max |d(extra loss term)/dW| measured
    #: (the applied update minus the data gradient and the weight's own penalty gradient).
    explicit_penalty: dict[str, float] = field(default_factory=dict)
    explicit_loss: float | None = None  # training loss - data loss - own penalties
    explicit_reason: str | None = None  # why an explicit penalty could not be measured

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        for k in (
            "data_loss",
            "penalty",
            "training_loss",
            "loss_error",
            "loss_tolerance",
            "explicit_loss",
        ):
            d[k] = _json_float(d[k])
        for g in d["gradients"]:
            for k in ("max_error", "tolerance", "penalty_grad", "penalty_share"):
                g[k] = _json_float(g[k])
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Verification:
        d = dict(d)
        grads = [
            GradientCheck(**{k: _py_float(v) for k, v in g.items()}) for g in d.pop("gradients")
        ]
        d = {k: _py_float(v) for k, v in d.items()}
        d["explicit_penalty"] = dict(d.get("explicit_penalty") or {})
        return cls(gradients=grads, **d)


@dataclass
class AuditReport:
    """The audit of one model: what was found, measured and checked."""

    path: str | None
    format: str  # "keras", "h5", "savedmodel", "export", "memory"
    flavor: str | None = None  # "keras3" or "keras2"
    keras_version: str | None = None
    weights: list[WeightRecord] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    verification: Verification | None = None
    notes: list[str] = field(default_factory=list)
    error: str | None = None  # the model could not be read or loaded (exit 2)
    #: Layers whose weights the audit could not see (status "incomplete").
    opaque: list[str] = field(default_factory=list)
    incomplete_allowed: bool = False  # --allow-incomplete: "incomplete" does not fail

    @property
    def status(self) -> str:
        """``error``, ``failed`` (findings), ``incomplete`` (opaque layers) or ``passed``."""
        if self.error is not None:
            return "error"
        if self.findings:
            return "failed"
        return "incomplete" if self.opaque else "passed"

    @property
    def passed(self) -> bool:
        """The gate: no error, no finding, and nothing unseen unless that is allowed."""
        return self.status == "passed" or (self.status == "incomplete" and self.incomplete_allowed)

    @property
    def incomplete_message(self) -> str | None:
        """``N layer(s) opaque: ...`` when some layers' weights were not seen."""
        if not self.opaque:
            return None
        more = ", ..." if len(self.opaque) > MAX_OPAQUE_SHOWN else ""
        shown = ", ".join(self.opaque[:MAX_OPAQUE_SHOWN]) + more
        return (
            f"incomplete: {len(self.opaque)} layer(s) opaque ({shown}): the audit cannot see "
            "their weights"
        )

    @property
    def name(self) -> str:
        return self.path or "<in-memory model>"

    def __setattr__(self, name: str, value: Any) -> None:
        if name == "error" and isinstance(value, str):
            value = clean_text(value)
        super().__setattr__(name, value)

    def add(
        self, code: str, message: str, layer: str | None = None, weight: str | None = None
    ) -> None:
        self.findings.append(Finding(code, message, layer, weight, self.path))

    def summary(self) -> str:
        """One paragraph: the verdict, then one line per finding."""
        if self.error is not None:
            return f"{self.name}: error: {self.error}"
        if self.status == "incomplete":
            return f"{self.name}: {self.incomplete_message}"
        if self.passed:
            n = sum(1 for w in self.weights if w.required and w.trainable and not w.allowed)
            return f"{self.name}: passed ({n} kernel-type weights regularized)"
        lines = [f"{self.name}: {len(self.findings)} finding(s)"]
        lines += [f"  {f.code} {f.target}: {f.message}" for f in self.findings]
        if self.opaque:
            lines.append(f"  {self.incomplete_message}")
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "format": self.format,
            "flavor": self.flavor,
            "keras_version": self.keras_version,
            "passed": self.passed,
            "status": self.status,
            "opaque": list(self.opaque),
            "incomplete_allowed": self.incomplete_allowed,
            "error": self.error,
            "findings": [f.to_dict() for f in self.findings],
            "weights": [w.to_dict() for w in self.weights],
            "verification": None if self.verification is None else self.verification.to_dict(),
            "notes": [clean_text(n) for n in self.notes],
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> AuditReport:
        r = cls(
            path=d["path"],
            format=d["format"],
            flavor=d.get("flavor"),
            keras_version=d.get("keras_version"),
            error=d.get("error"),
            notes=list(d.get("notes", ())),
            opaque=list(d.get("opaque", ())),
            incomplete_allowed=bool(d.get("incomplete_allowed", False)),
        )
        r.weights = [WeightRecord.from_dict(w) for w in d.get("weights", ())]
        r.findings = [
            Finding(f["code"], f["message"], f["layer"], f["weight"], r.path)
            for f in d.get("findings", ())
        ]
        if d.get("verification") is not None:
            r.verification = Verification.from_dict(d["verification"])
        return r


def _json_float(v: float | None) -> float | str | None:
    """JSON has no NaN/Infinity: those are written as strings."""
    if v is None or math.isfinite(v):
        return v
    return str(v)


def _py_float(v: Any) -> Any:
    if isinstance(v, str) and v in ("nan", "inf", "-inf"):
        return float(v)
    return v
