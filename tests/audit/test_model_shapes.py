"""The auditor on models of any input/output structure (fixtures/build_shaped_models.py).

Each saved model gets a stated verdict through the real CLI (``reglint audit
--format json``, one subprocess for all of them, tf_keras ones in its worker)
and through the API; the synthetic data and targets are checked on the loaded
models themselves.
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

pytestmark = pytest.mark.tensorflow

ROOT = Path(__file__).resolve().parents[2]

MHA_KERNELS = [f"mha/{p}/kernel" for p in ("query", "key", "value", "attention_output")]
#: model -> (regularized kernel-type weights the verification must check, or RA001 weights)
PASSING = {
    "dict_inputs.keras": ["emb/embeddings", "head/kernel"],
    "dict_outputs.keras": ["hidden/kernel", "score/kernel", "klass/kernel"],
    "dict_outputs_uncompiled.keras": ["hidden/kernel", "score/kernel", "klass/kernel"],
    "list_outputs.keras": ["hidden/kernel", "score/kernel", "klass/kernel"],
    "text_vectorization.keras": ["emb/embeddings", "head/kernel"],
    "string_lookup.keras": ["emb/embeddings", "head/kernel"],
    "dropout_bn.keras": ["d1/kernel", "head/kernel"],
    "shared_layer.keras": ["shared/kernel", "head/kernel"],
    "masked_lstm.keras": ["emb/embeddings", "lstm/lstm_cell/kernel", "head/kernel"],
    "tfk_dict_inputs.h5": ["emb/embeddings", "head/kernel"],
    "tfk_dict_inputs_sm": ["emb/embeddings", "head/kernel"],
}
LOSSES = {
    "dict_outputs.keras": "{score: mse, klass: sparse_categorical_crossentropy}",
    "dict_outputs_uncompiled.keras": "mean_squared_error",
    "list_outputs.keras": "[mse, categorical_crossentropy]",
}


def _builder():
    spec = importlib.util.spec_from_file_location(
        "build_shaped_models", ROOT / "fixtures" / "build_shaped_models.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def shaped(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``REGLINT_SHAPED_MODELS=DIR`` reuses models built by the fixture script."""
    prebuilt = os.environ.get("REGLINT_SHAPED_MODELS")
    if prebuilt:
        return Path(prebuilt)
    return _builder().build(tmp_path_factory.mktemp("shaped"))


@pytest.fixture(scope="module")
def cli(shaped: Path) -> tuple[int, dict, str]:
    paths = sorted(str(p) for p in shaped.iterdir())
    proc = subprocess.run(
        [sys.executable, "-m", "reglint", "audit", "--format", "json", *paths],
        capture_output=True,
        text=True,
        timeout=600,
    )
    models = {Path(m["path"]).name: m for m in json.loads(proc.stdout)["models"]}
    return proc.returncode, models, proc.stderr


@pytest.mark.slow
def test_every_fixture_is_audited(shaped, cli):
    rc, models, stderr = cli
    assert sorted(models) == sorted([*PASSING, "mha_unreg.keras"]), stderr
    assert rc == 1, stderr  # mha_unreg.keras has findings, nothing failed to load
    assert "error" not in stderr


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(PASSING))
def test_structured_model_passes_with_verification(cli, name):
    _, models, _ = cli
    m = models[name]
    assert m["error"] is None and m["passed"], m
    v = m["verification"]
    assert v["ran"] and v["loss_ok"], v
    assert v["penalty"] > 0 and v["loss_error"] <= v["loss_tolerance"]
    checked = {g["weight"]: g for g in v["gradients"]}
    assert sorted(checked) == sorted(PASSING[name])
    assert all(g["ok"] and g["resolvable"] for g in checked.values()), checked
    if name in LOSSES:
        assert v["loss"] == LOSSES[name]
    if name.startswith("tfk_"):
        assert m["flavor"] == "keras2"


@pytest.mark.slow
def test_shared_layer_is_listed_once(cli):
    _, models, _ = cli
    weights = [w["weight"] for w in models["shared_layer.keras"]["weights"]]
    assert weights.count("shared/kernel") == 1


@pytest.mark.slow
def test_unregularized_attention_gets_ra001_on_its_four_kernels(cli):
    _, models, _ = cli
    m = models["mha_unreg.keras"]
    assert m["error"] is None and not m["passed"]
    assert [(f["code"], f["layer"], f["weight"]) for f in m["findings"]] == [
        ("RA001", "mha", w) for w in MHA_KERNELS
    ]
    assert [g["weight"] for g in m["verification"]["gradients"]] == ["head/kernel"]


@pytest.mark.slow
@pytest.mark.parametrize("name", [n for n in sorted(PASSING) if not n.startswith("tfk_")])
def test_api_gives_the_same_verdict(shaped, name):
    from reglint.audit.api import audit_path

    r = audit_path(shaped / name, steps=2)
    assert r.error is None and r.passed, r.summary()
    assert r.verification.ran and r.verification.steps == 2
    assert sorted(g.weight for g in r.verification.gradients) == sorted(PASSING[name])


def test_api_reports_ra001_on_attention(shaped):
    from reglint.audit.api import audit_path

    r = audit_path(shaped / "mha_unreg.keras", train=False)
    assert [(f.code, f.weight) for f in r.findings] == [("RA001", w) for w in MHA_KERNELS]


def _load(path: Path):
    import keras

    return keras.saving.load_model(path)


def test_dict_inputs_keep_their_names_and_ranges(shaped):
    from reglint.audit.synthetic import make_inputs

    m = _load(shaped / "dict_inputs.keras")
    x = make_inputs(m, 16, 3)
    assert sorted(x) == ["numeric", "tokens"]
    assert x["tokens"].dtype == np.int32 and x["tokens"].shape == (16, 4)
    assert x["tokens"].min() >= 0 and x["tokens"].max() < 30
    assert x["numeric"].dtype == np.float32 and x["numeric"].shape == (16, 3)
    assert m(x).shape == (16, 1)


def test_string_inputs_come_from_the_vocabulary(shaped):
    from reglint.audit.synthetic import make_inputs

    vocab = set(_builder().VOCAB)
    lookup = _load(shaped / "string_lookup.keras")
    words = make_inputs(lookup, 8, 0)
    assert words.shape == (8, 3) and set(words.ravel()) <= vocab
    idx = lookup.get_layer("lookup")(words).numpy()
    assert idx.min() >= 1  # 0 is the OOV index: every token is in the vocabulary

    vec = _load(shaped / "text_vectorization.keras")
    texts = make_inputs(vec, 8, 0)
    assert texts.shape == (8, 1)
    assert {w for t in texts.ravel() for w in t.split()} <= vocab
    assert max(len(t.split()) for t in texts.ravel()) > 1


def test_masked_sequences_are_zero_padded_with_varying_lengths(shaped):
    from reglint.audit.synthetic import make_inputs

    seq = make_inputs(_load(shaped / "masked_lstm.keras"), 16, 0)
    assert seq.shape == (16, 4) and seq.max() < 20
    lengths = (seq != 0).sum(axis=1)
    assert lengths.min() >= 1 and len(set(lengths.tolist())) > 1
    for row, n in zip(seq, lengths, strict=True):
        assert (row[:n] != 0).all() and (row[n:] == 0).all()


def test_targets_follow_each_outputs_loss(shaped):
    from reglint.audit.synthetic import make_inputs, make_targets
    from reglint.audit.verification import loss_spec, loss_weights_spec

    m = _load(shaped / "dict_outputs.keras")
    loss = loss_spec(m)
    assert loss == {"score": "mse", "klass": "sparse_categorical_crossentropy"}
    assert loss_weights_spec(m) == {"score": 1.0, "klass": 0.5}
    y = make_targets(m(make_inputs(m, 8, 0)), loss, 0, m.output_names)
    assert y["score"].shape == (8, 1) and y["score"].dtype == np.float32
    assert y["klass"].shape == (8,) and set(y["klass"].tolist()) <= {0, 1, 2}

    lst = _load(shaped / "list_outputs.keras")
    y = make_targets(lst(make_inputs(lst, 8, 0)), loss_spec(lst), 0)
    assert y[1].shape == (8, 3) and (y[1].sum(axis=1) == 1).all()  # one-hot
    assert loss_weights_spec(lst) == [1.0, 0.3]


def test_verification_compiles_with_the_models_loss_weights(shaped):
    """The expected data loss is the weighted sum of the per-output losses."""
    import keras

    from reglint.audit.policy import AuditOptions
    from reglint.audit.synthetic import make_inputs, make_targets
    from reglint.audit.verification import verify

    m = _load(shaped / "dict_outputs.keras")
    loss = {"score": "mse", "klass": "sparse_categorical_crossentropy"}
    x = make_inputs(m, 4, 0)
    y = make_targets(m(x), loss, 0, m.output_names)
    pred = m(x, training=True)
    mse = float(keras.losses.mean_squared_error(y["score"], pred["score"]).numpy().mean())
    sce = float(
        keras.losses.sparse_categorical_crossentropy(y["klass"], pred["klass"]).numpy().mean()
    )
    v = verify(m, keras, "keras3", loss, AuditOptions(), loss_weights={"score": 1.0, "klass": 0.5})
    assert v.ran and v.loss_ok
    assert v.data_loss == pytest.approx(mse + 0.5 * sce, rel=1e-4)
    assert v.data_loss != pytest.approx(mse + sce, rel=1e-2)


TF_KERAS_CALLBACK = textwrap.dedent(
    """
    import os, warnings
    os.environ["TF_USE_LEGACY_KERAS"] = "1"
    import numpy as np
    import tf_keras as keras
    from reglint.audit.api import audit_model
    from reglint.audit.callback import RegularizationAudit, RegularizationError, tf_keras_callback

    def build(reg):
        tokens = keras.Input((None,), dtype="int32", name="tokens")
        numeric = keras.Input((3,), name="numeric")
        x = keras.layers.Embedding(30, 4, embeddings_regularizer=reg, name="emb")(tokens)
        x = keras.layers.GlobalAveragePooling1D()(x)
        x = keras.layers.Concatenate()([x, numeric])
        x = keras.layers.Dense(8, kernel_regularizer=reg, name="d1")(x)
        x = keras.layers.BatchNormalization()(x)
        x = keras.layers.Dropout(0.5)(x)
        x = keras.layers.GaussianNoise(0.3)(x)
        out = {"y": keras.layers.Dense(1, kernel_regularizer=reg, name="y")(x),
               "z": keras.layers.Dense(2, kernel_regularizer=reg, name="z")(x)}
        m = keras.Model({"tokens": tokens, "numeric": numeric}, out)
        m.compile(optimizer="sgd", loss={"y": "mse", "z": "mse"}, loss_weights={"y": 1.0, "z": 0.5})
        return m

    x = {"tokens": np.ones((8, 5), "int32"), "numeric": np.ones((8, 3), "float32")}
    y = {"y": np.ones((8, 1), "float32"), "z": np.ones((8, 2), "float32")}
    r = audit_model(build(keras.regularizers.L2(1e-3)), steps=2)
    print("API", r.passed, r.error, [f.code for f in r.findings], len(r.verification.gradients))
    for make in (RegularizationAudit, tf_keras_callback):
        cb = make()
        build(keras.regularizers.L2(1e-3)).fit(x, y, epochs=1, verbose=0, callbacks=[cb])
        print("PASSED", cb.report.passed, cb.report.verification.ran)
        try:
            build(None).fit(x, y, epochs=1, verbose=0, callbacks=[make()])
            print("NOT RAISED")
        except RegularizationError as e:
            print("RAISED", sorted({f.code for f in e.report.findings}), len(e.report.findings))
    """
)


@pytest.mark.slow
def test_callback_and_audit_model_on_tf_keras_dict_model_with_dropout():
    """tf_keras (TF_USE_LEGACY_KERAS=1 before TF): both callbacks run; Dropout/noise/BN
    give no false RA004/RA005."""
    env = {**os.environ, "TF_USE_LEGACY_KERAS": "1", "TF_CPP_MIN_LOG_LEVEL": "3"}
    proc = subprocess.run(
        [sys.executable, "-c", TF_KERAS_CALLBACK],
        capture_output=True,
        text=True,
        timeout=600,
        env=env,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    lines = proc.stdout.splitlines()
    assert lines[0] == "API True None [] 4"
    assert lines[1:] == ["PASSED True True", "RAISED ['RA001'] 4"] * 2
