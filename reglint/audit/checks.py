"""Findings RA001–RA003 from weight records (the same for config and live audits).

Whether a weight needs a regularizer of its own is the policy's verdict
(:meth:`reglint.policy.Policy.decide`); it is kept on each record, so that
every finding and every exemption says which clause decided it.
"""

from __future__ import annotations

import math

from ..policy import Policy, Verdict
from .policy import AuditOptions
from .report import AuditReport, WeightRecord


def verdict(w: WeightRecord, policy: Policy) -> Verdict:
    """The policy's verdict on ``w``; other means count only when it has no regularizer."""
    missing = w.regularizer is None and w.penalty is None
    return policy.decide(
        w.layer_class,
        w.layer,
        output=w.output,
        covered_by=tuple(w.covered_by) if missing else (),
    )


def check_weights(report: AuditReport, live: bool, options: AuditOptions | None = None) -> None:
    """Add RA001, RA002 and RA003 findings for ``report.weights``.

    ``live`` says whether penalties were measured on a loaded model (RA002 and
    the measured-value part of RA003 need one). ``options`` carry the policy
    (default: every catalog layer's kernel-type weights).
    """
    options = options or AuditOptions()
    policy = options.effective_policy
    for w in report.weights:
        if not (w.required and w.trainable):
            continue
        decided = verdict(w, policy)
        if w.allowed and decided.status in ("required", "covered"):
            decided = Verdict("exempt", "exempt-layers")  # marked by the record's reader
        w.policy = decided.to_dict()
        if decided.status in ("exempt", "not-required"):
            w.allowed = True
        if not decided.reports:
            continue
        _check_weight(report, w, live, policy)


def _ra001_message(w: WeightRecord, policy: Policy) -> str:
    why = [policy.clause_text().removeprefix("policy: ")] if policy.require is not None else []
    why += [f"{means}: {reason}" for means, reason in w.not_covered.items()]
    for means in policy.other_means:
        if means not in w.not_covered and means not in w.covered_by:
            why.append(f"{means}: not found")
    suffix = f" (policy: {'; '.join(why)})" if why else ""
    return f"{w.layer_class} {w.kind} weight has no {w.argument}{suffix}"


def _check_weight(report: AuditReport, w: WeightRecord, live: bool, policy: Policy) -> None:
    measured = w.penalty is not None
    if w.regularizer is None and not measured:
        report.add("RA001", _ra001_message(w, policy), w.layer, w.weight)
        return
    reg = w.regularizer
    if live and reg is not None and (not measured or w.in_losses is False):
        report.add(
            "RA002",
            f"{w.argument}={reg} is named by the layer but model.losses carries no "
            "penalty for this weight (set after the layer was built?)",
            w.layer,
            w.weight,
        )
        return
    if reg is not None and reg.degenerate:
        report.add(
            "RA003",
            f"{w.argument}={reg}: the penalty factor is zero, negative or not finite",
            w.layer,
            w.weight,
        )
        return
    if reg is not None and _out_of_range(report, w, policy):
        return
    if measured:
        p = w.penalty
        assert p is not None
        if not math.isfinite(p) or p < 0:
            report.add("RA003", f"penalty is {p:g}", w.layer, w.weight)
        elif p == 0 and not w.zero_weight:
            report.add("RA003", f"penalty of {reg or 'the regularizer'} is 0", w.layer, w.weight)


def _out_of_range(report: AuditReport, w: WeightRecord, policy: Policy) -> bool:
    """RA003 for a factor outside the policy's ``factor-min``..``factor-max`` (as RL003)."""
    assert w.regularizer is not None
    low, high = policy.factor_min, policy.factor_max
    for param, value in w.regularizer.factors.items():
        if not math.isfinite(value) or value <= 0:
            continue
        if low is not None and value < low:
            side, bound, key = "below", low, "factor-min"
        elif high is not None and value > high:
            side, bound, key = "above", high, "factor-max"
        else:
            continue
        report.add(
            "RA003",
            f"{w.argument}={w.regularizer}: {param}={value:g} is {side} {key} ({bound:g}) "
            f"(policy: {key} = {bound:g})",
            w.layer,
            w.weight,
        )
        return True
    return False
