"""Steps tested alone, without TensorFlow: metadata reader, policy, report, gradient judge."""

from __future__ import annotations

import json

import numpy as np
import pytest

from reglint.audit.checks import check_weights
from reglint.audit.config_audit import records_from_config
from reglint.audit.policy import AuditOptions, is_allowed, load_audit_options
from reglint.audit.regularizers import parse_regularizer
from reglint.audit.report import AuditReport, Regularizer
from reglint.audit.safety import unsafe_reasons
from reglint.audit.stored_config import StoredModel, parse_keras_metadata
from reglint.audit.verification import judge_gradient
from reglint.config import ConfigError


def _field(number: int, payload: bytes) -> bytes:
    key = bytes([(number << 3) | 2])
    n, length = len(payload), b""
    while True:
        b = n & 0x7F
        n >>= 7
        length += bytes([b | (0x80 if n else 0)])
        if not n:
            break
    return key + length + payload


def test_keras_metadata_wire_format():
    meta = json.dumps({"class_name": "Lambda", "config": {"name": "f"}}).encode()
    node = _field(3, b"root.layer-1") + _field(4, b"_tf_keras_layer") + _field(5, meta)
    nodes = parse_keras_metadata(_field(1, node) + _field(1, _field(3, b"root")))
    assert (
        nodes[0]["node_path"] == "root.layer-1" and nodes[0]["metadata"]["class_name"] == "Lambda"
    )
    assert nodes[1] == {"metadata": {}, "node_path": "root"}
    with pytest.raises(ValueError):
        parse_keras_metadata(_field(1, node)[:-5])


def _stored(layers):
    config = {"class_name": "Functional", "config": {"name": "m", "layers": layers}}
    return StoredModel("m.keras", "keras", "keras3", "3.15.1", config)


def _dense(name, reg=None):
    return {"class_name": "Dense", "config": {"name": name, "kernel_regularizer": reg}}


def test_config_records_and_findings():
    l2 = {"module": "keras.regularizers", "class_name": "L2", "config": {"l2": 0.01}}
    zero = {"class_name": "L1L2", "config": {"l1": 0.0, "l2": 0.0}}
    stored = _stored([_dense("a", l2), _dense("b"), _dense("c", zero), _dense("out")])
    report = AuditReport("m.keras", "keras")
    report.weights = records_from_config(stored, AuditOptions(allow=("out",)))
    check_weights(report, live=False)
    assert [(f.code, f.layer) for f in report.findings] == [("RA001", "b"), ("RA003", "c")]


def test_safety_finds_nested_lambda():
    wrapped = {
        "class_name": "TimeDistributed",
        "config": {"name": "td", "layer": {"class_name": "Lambda", "config": {"name": "inner"}}},
    }
    assert unsafe_reasons(_stored([wrapped])) == ["Lambda layer 'inner'"]
    assert unsafe_reasons(_stored([_dense("a")])) == []


def test_regularizer_parsing():
    assert parse_regularizer("l1_l2", "keras2") == Regularizer("L1L2", {"l1": 0.01, "l2": 0.01})
    assert parse_regularizer("L1L2").degenerate
    assert Regularizer("L2", {"l2": -1e-3}).degenerate
    assert not Regularizer("OrthogonalRegularizer", {"factor": 0.01}).degenerate
    assert parse_regularizer(None) is None


def test_policy_from_pyproject(tmp_path):
    (tmp_path / "pyproject.toml").write_text(
        '[tool.reglint.audit]\nallow = ["head", "*_out"]\nrequire-recurrent = true\nsteps = 2\n'
    )
    opts = load_audit_options(tmp_path)
    assert opts.allow == ("head", "*_out") and opts.require_recurrent and opts.steps == 2
    assert is_allowed("tower/head", opts.allow) and is_allowed("y_out", opts.allow)
    assert not is_allowed("hidden", opts.allow)
    (tmp_path / "pyproject.toml").write_text("[tool.reglint.audit]\nsteps = 'x'\n")
    with pytest.raises(ConfigError):
        load_audit_options(tmp_path)


def test_report_json_round_trip_with_nan():
    from reglint.audit.report import Verification, WeightRecord

    r = AuditReport("m.h5", "h5", "keras2", "2.21.0")
    r.weights = [
        WeightRecord(
            "d",
            "Dense",
            "d/kernel",
            "kernel_regularizer",
            "kernel",
            regularizer=Regularizer("L2", {"l2": 0.01}),
            penalty=float("nan"),
        )
    ]
    r.verification = Verification(ran=False, reason="x")
    r.add("RA003", "penalty is nan", "d", "d/kernel")
    data = json.loads(json.dumps(r.to_dict()))
    back = AuditReport.from_dict(data)
    assert back.findings[0].code == "RA003" and np.isnan(back.weights[0].penalty)
    assert not back.passed


def test_gradient_judge():
    rng = np.random.default_rng(0)
    w = rng.standard_normal((64, 32))
    gd = rng.standard_normal((64, 32))
    gp = 2e-3 * w
    _, _, _, share, ok, res = judge_gradient(gd + gp, gd, gp, w, mixed=False)
    assert ok and res and share == pytest.approx(1.0)
    noisy = gd + gp + 1e-4 * rng.standard_normal(w.shape)  # eager vs graph noise
    assert judge_gradient(noisy, gd, gp, w, mixed=False)[4]
    _, _, _, share, ok, res = judge_gradient(
        gd + 1e-4 * rng.standard_normal(w.shape), gd, gp, w, mixed=False
    )
    assert res and not ok and abs(share) < 0.1
    assert not judge_gradient(gd, gd, 1e-12 * w, w, mixed=False)[5]  # below resolution
