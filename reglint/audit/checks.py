"""Findings RA001–RA003 from weight records (the same for config and live audits)."""

from __future__ import annotations

import math

from .report import AuditReport, WeightRecord


def _must_check(w: WeightRecord) -> bool:
    return w.required and not w.allowed and w.trainable


def check_weights(report: AuditReport, live: bool) -> None:
    """Add RA001, RA002 and RA003 findings for ``report.weights``.

    ``live`` says whether penalties were measured on a loaded model (RA002 and
    the measured-value part of RA003 need one).
    """
    for w in report.weights:
        if not _must_check(w):
            continue
        measured = w.penalty is not None
        if w.regularizer is None and not measured:
            report.add(
                "RA001", f"{w.layer_class} {w.kind} weight has no {w.argument}", w.layer, w.weight
            )
            continue
        reg = w.regularizer
        if live and reg is not None and (not measured or w.in_losses is False):
            report.add(
                "RA002",
                f"{w.argument}={reg} is named by the layer but model.losses carries no "
                "penalty for this weight (set after the layer was built?)",
                w.layer,
                w.weight,
            )
            continue
        if reg is not None and reg.degenerate:
            report.add(
                "RA003",
                f"{w.argument}={reg}: the penalty factor is zero, negative or not finite",
                w.layer,
                w.weight,
            )
            continue
        if measured:
            p = w.penalty
            assert p is not None
            if not math.isfinite(p) or p < 0:
                report.add("RA003", f"penalty is {p:g}", w.layer, w.weight)
            elif p == 0 and not w.zero_weight:
                report.add(
                    "RA003", f"penalty of {reg or 'the regularizer'} is 0", w.layer, w.weight
                )
