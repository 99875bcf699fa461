"""Every audit code fires on a real model with that defect, and on no model without it."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.tensorflow

CLEAN = (
    "mlp_reg.keras",
    "mlp_reg_mse.h5",
    "cnn.keras",
    "rnn.keras",
    "multi_input.keras",
    "nested.keras",
    "mha.keras",
    "mixed.keras",
    "tfk_reg.h5",
    "tfk_reg.keras",
    "tfk_reg_sm",
)
EXPECTED = {
    "mlp_unreg.keras": {"RA001"},
    "partial_allow.keras": {"RA001"},
    "l2_zero.keras": {"RA003"},
    "tfk_negative.h5": {"RA003"},
    "export_dir": {"RA006"},
}


def codes(report) -> set[str]:
    return {f.code for f in report.findings}


@pytest.mark.parametrize("name", CLEAN)
def test_clean_models_pass_with_verification(all_reports, name):
    r = all_reports["reports"][name]
    assert r.error is None, r.error
    assert r.passed, r.summary()
    v = r.verification
    assert v.ran and v.loss_ok, v
    assert v.penalty > 0
    assert abs(v.training_loss - (v.data_loss + v.penalty)) <= v.loss_tolerance
    assert v.gradients and all(g.ok for g in v.gradients)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_defective_models_get_their_code(all_reports, name):
    r = all_reports["reports"][name]
    assert r.error is None, r.error
    assert codes(r) == EXPECTED[name], r.summary()


def test_ra001_names_the_layer_and_weight(all_reports):
    r = all_reports["reports"]["partial_allow.keras"]
    [f] = r.findings
    assert (f.layer, f.weight) == ("head", "head/kernel")
    assert f.path == r.path


def test_ra003_negative_factor_tf_keras(all_reports):
    r = all_reports["reports"]["tfk_negative.h5"]
    assert r.flavor == "keras2"
    assert all(w.penalty < 0 for w in r.weights if w.kind == "kernel")


def test_ra006_lists_what_it_could_see(all_reports):
    r = all_reports["reports"]["export_dir"]
    assert r.format == "export"
    assert {w.weight.rsplit("/", 1)[-1] for w in r.weights} == {"kernel"}
    assert "not checked" in r.findings[0].message


def test_weights_of_wrappers_and_attention(all_reports):
    reps = all_reports["reports"]
    mha = {w.weight for w in reps["mha.keras"].weights if w.kind == "kernel" and w.penalty}
    assert {
        "mha/query/kernel",
        "mha/key/kernel",
        "mha/value/kernel",
        "mha/attention_output/kernel",
    } <= mha
    rnn = reps["rnn.keras"].weights
    lstm_kernels = [w for w in rnn if w.layer_class == "LSTM" and w.kind == "kernel"]
    assert len(lstm_kernels) == 2 and all(w.in_losses for w in lstm_kernels)  # Bidirectional
    recurrent = [w for w in rnn if w.kind == "recurrent"]
    assert recurrent and not any(w.required for w in recurrent)
    assert any(w.layer_class == "Embedding" and w.penalty for w in rnn)
    assert any(w.layer == "td/td_dense" for w in rnn)  # TimeDistributed
    nested = reps["nested.keras"].weights
    assert any(w.layer == "inner/inner_dense" and w.penalty for w in nested)
    cnn = {(w.layer_class, w.weight) for w in reps["cnn.keras"].weights if w.penalty}
    assert ("SeparableConv2D", "sep/depthwise_kernel") in cnn
    assert ("SeparableConv2D", "sep/pointwise_kernel") in cnn
    assert ("DepthwiseConv2D", "dw/kernel") in cnn


def test_mixed_precision_penalty_is_float32_sum(all_reports):
    r = all_reports["reports"]["mixed.keras"]
    assert r.passed
    assert sum(w.penalty for w in r.weights if w.penalty) == pytest.approx(
        r.verification.penalty, rel=1e-5
    )


def test_allow_and_require_recurrent(models):
    from reglint.audit.api import audit_path

    assert audit_path(models / "partial_allow.keras", allow=["hea*"], train=False).passed
    r = audit_path(models / "rnn.keras", require_recurrent=True, train=False)
    assert {(f.code, f.weight.rsplit("/", 1)[-1]) for f in r.findings} == {
        ("RA001", "recurrent_kernel")
    }
    assert len(r.findings) == 2


def test_require_bias(models):
    from reglint.audit.api import audit_path

    r = audit_path(models / "mlp_reg.keras", require_bias=True, train=False)
    assert {f.weight for f in r.findings} == {"hidden/bias", "head/bias"}
