"""The policy's clauses in ``reglint audit``, on real saved models."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from reglint.policy import Policy

pytestmark = pytest.mark.tensorflow

keras = pytest.importorskip("keras")
tf = pytest.importorskip("tensorflow")

from reglint.audit.api import audit_model, audit_path  # noqa: E402
from reglint.audit.formats import to_text  # noqa: E402
from reglint.audit.policy import AuditOptions, load_audit_options  # noqa: E402


def _functional(optimizer="adam", activity=None):
    inputs = keras.Input((3,))
    x = keras.layers.Dense(4, name="body", activity_regularizer=activity)(inputs)
    x = keras.layers.Dense(4, name="reg", kernel_regularizer=keras.regularizers.L2(1e-3))(x)
    outputs = keras.layers.Dense(2, name="head")(x)
    model = keras.Model(inputs, outputs)
    model.compile(optimizer=optimizer, loss="mse")
    return model


def _saved(tmp_path: Path, model, name: str = "m.keras") -> Path:
    path = tmp_path / name
    model.save(path)
    return path


def _ra001(report) -> set[str]:
    return {f.layer for f in report.findings if f.code == "RA001"}


def _verdicts(report) -> dict[str, dict]:
    return {w.weight: w.policy for w in report.weights if w.kind == "kernel"}


def test_default_policy_requires_every_kernel(tmp_path: Path) -> None:
    report = audit_path(_saved(tmp_path, _functional()))
    assert _ra001(report) == {"body", "head"}
    assert _verdicts(report)["body/kernel"] == {"status": "required"}


def test_require_selects_classes_and_names_the_clause(tmp_path: Path) -> None:
    report = audit_path(_saved(tmp_path, _functional()), policy=Policy(require=("Conv*",)))
    assert _ra001(report) == set() and report.passed
    assert _verdicts(report)["head/kernel"] == {"status": "not-required", "clause": "require"}
    report = audit_path(_saved(tmp_path, _functional()), policy=Policy(require=("Dense",)))
    assert all('policy: require = ["Dense"]' in f.message for f in report.findings)


def test_exempt_layers_and_allow_alias(tmp_path: Path) -> None:
    path = _saved(tmp_path, _functional())
    report = audit_path(path, policy=Policy(exempt_layers=("head*",)))
    assert _ra001(report) == {"body"}
    assert _verdicts(report)["head/kernel"] == {
        "status": "exempt",
        "clause": "exempt-layers",
        "pattern": "head*",
    }
    assert _ra001(audit_path(path, allow=["bo*"])) == {"head"}


def test_exempt_outputs_from_the_graph(tmp_path: Path) -> None:
    report = audit_path(_saved(tmp_path, _functional()), policy=Policy(exempt_outputs=True))
    assert _ra001(report) == {"body"}
    assert _verdicts(report)["head/kernel"]["clause"] == "exempt-outputs"
    seq = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2, name="a")])
    seq.add(keras.layers.Dense(1, name="last"))
    seq.compile("adam", "mse")
    assert _ra001(
        audit_path(_saved(tmp_path, seq, "s.keras"), policy=Policy(exempt_outputs=True))
    ) == {"a"}


def test_activity_counts_only_when_listed(tmp_path: Path) -> None:
    path = _saved(tmp_path, _functional(activity=keras.regularizers.L2(1e-3)))
    assert _ra001(audit_path(path)) == {"body", "head"}
    report = audit_path(path, policy=Policy(other_means=("activity",)))
    assert _ra001(report) == {"head"}
    assert _verdicts(report)["body/kernel"] == {
        "status": "covered",
        "clause": "other-means",
        "means": "activity",
    }


@pytest.mark.parametrize("decay", [0.01, 0.0])
def test_done_when_adamw(tmp_path: Path, decay: float) -> None:
    """The issue's "done when", runtime half: no RA001 with decay, RA001 again without."""
    optimizer = keras.optimizers.AdamW(learning_rate=0.01, weight_decay=decay)
    path = _saved(tmp_path, _functional(optimizer))
    report = audit_path(path, policy=Policy(other_means=("weight-decay",)))
    if decay:
        assert _ra001(report) == set() and report.passed
        assert _verdicts(report)["body/kernel"]["means"] == "weight-decay"
    else:
        assert _ra001(report) == {"body", "head"}
        assert all(
            "weight-decay: its optimizer AdamW has no weight_decay > 0" in f.message
            for f in report.findings
        )


def test_sgd_decay_in_memory_leaves_the_model_alone() -> None:
    model = _functional(keras.optimizers.SGD(learning_rate=0.1, weight_decay=0.5))
    before = [w.copy() for w in model.get_weights()]
    iterations = int(model.optimizer.iterations.numpy())
    report = audit_model(model, policy=Policy(other_means=("weight-decay",)))
    assert _ra001(report) == set()
    assert int(model.optimizer.iterations.numpy()) == iterations
    assert all((a == b).all() for a, b in zip(before, model.get_weights(), strict=True))


def test_excluded_weights_are_not_covered() -> None:
    optimizer = keras.optimizers.AdamW(weight_decay=0.01)
    model = _functional(optimizer)
    optimizer.exclude_from_weight_decay(var_list=[model.get_layer("head").kernel])
    report = audit_model(model, policy=Policy(other_means=("weight-decay",)))
    assert _ra001(report) == {"head"}
    assert "exclude_from_weight_decay" in next(f.message for f in report.findings)


def test_decay_that_the_step_does_not_apply_is_not_covered() -> None:
    """Ftrl takes weight_decay but its zero-gradient step moves weights otherwise."""
    optimizer = keras.optimizers.Ftrl(
        learning_rate=0.1, weight_decay=0.1, l2_regularization_strength=1.0
    )
    report = audit_model(_functional(optimizer), policy=Policy(other_means=("weight-decay",)))
    assert _ra001(report) == {"body", "head"}
    assert "zero-gradient step" in report.findings[0].message


class PenalizedForTest(keras.Model):
    factor = 1e-2

    def train_step(self, data):
        x, y = data[0], data[1]
        with tf.GradientTape() as tape:
            y_pred = self(x, training=True)
            penalty = tf.add_n([tf.nn.l2_loss(v) for v in self.trainable_variables])
            loss = self.compute_loss(x, y, y_pred) + self.factor * penalty
        grads = tape.gradient(loss, self.trainable_variables)
        self.optimizer.apply_gradients(zip(grads, self.trainable_variables, strict=True))
        return {"loss": loss}


class UnpenalizedForTest(PenalizedForTest):
    factor = 0.0


def _penalized(factor: float):
    inputs = keras.Input((3,))
    outputs = keras.layers.Dense(2, name="head")(keras.layers.Dense(4, name="body")(inputs))
    model = (PenalizedForTest if factor else UnpenalizedForTest)(inputs, outputs)
    model.compile(optimizer="adam", loss="mse")
    return model


def test_explicit_penalty_in_train_step_is_measured() -> None:
    policy = Policy(other_means=("explicit-penalty",))
    report = audit_model(_penalized(1e-2), policy=policy)
    assert _ra001(report) == set() and report.passed, report.summary()
    assert set(report.verification.explicit_penalty) == {"body/kernel", "head/kernel"}
    assert report.verification.explicit_loss > 0
    report = audit_model(_penalized(0.0), policy=policy)
    assert _ra001(report) == {"body", "head"}
    assert "the loss has no extra term" in report.findings[0].message


def test_explicit_penalty_not_measured_without_training() -> None:
    report = audit_model(
        _penalized(1e-2), policy=Policy(other_means=("explicit-penalty",)), train=False
    )
    assert _ra001(report) == {"body", "head"}


def test_text_and_json_name_the_clause(tmp_path: Path) -> None:
    path = _saved(tmp_path, _functional(keras.optimizers.AdamW(weight_decay=0.01)))
    report = audit_path(path, policy=Policy(exempt_layers=("head",), other_means=("weight-decay",)))
    text = to_text([report])
    assert 'exempt (exempt-layers = "head")' in text and "covered by weight-decay" in text
    d = report.to_dict()
    kernels = {w["weight"]: w["policy"] for w in d["weights"] if w["kind"] == "kernel"}
    assert kernels["body/kernel"] == {
        "status": "covered",
        "clause": "other-means",
        "means": "weight-decay",
    }


@pytest.mark.slow
def test_pyproject_policy_reaches_the_cli(tmp_path: Path) -> None:
    path = _saved(tmp_path, _functional())
    (tmp_path / "pyproject.toml").write_text(
        '[tool.reglint.policy]\nexempt-outputs = true\n[tool.reglint.audit]\nallow = ["body"]\n'
    )
    options = load_audit_options(tmp_path)
    assert options.effective_policy.exempt_layers == ("body",)
    assert AuditOptions.from_dict(json.loads(json.dumps(options.to_dict()))) == options
    done = subprocess.run(
        [sys.executable, "-m", "reglint", "audit", "--format", "json", path.name],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    (tmp_path / "pyproject.toml").write_text('[tool.reglint.policy]\nexempt-outputs = "yes"\n')
    done = subprocess.run(
        [sys.executable, "-m", "reglint", "audit", path.name],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 2 and "exempt-outputs must be true or false" in done.stderr
    assert "Traceback" not in done.stderr


def test_factor_range_is_ra003(tmp_path: Path) -> None:
    report = audit_path(_saved(tmp_path, _functional()), policy=Policy(factor_max=1e-4))
    ra003 = [f for f in report.findings if f.code == "RA003"]
    assert [f.layer for f in ra003] == ["reg"]
    assert "above factor-max" in ra003[0].message


def test_callback_accepts_a_policy() -> None:
    from reglint.audit.callback import RegularizationAudit

    model = _functional(keras.optimizers.AdamW(weight_decay=0.01))
    callback = RegularizationAudit(policy=Policy(other_means=("weight-decay",)), train=False)
    model.fit(tf.zeros((4, 3)), tf.zeros((4, 2)), epochs=1, verbose=0, callbacks=[callback])
    assert callback.report is not None and callback.report.passed
