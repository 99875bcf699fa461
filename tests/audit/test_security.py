"""Issue 10 items 1, 2, 3, 14: graph ops, archive limits, malformed stored configs.

Each reproducer audits a real artifact built with TensorFlow/tf_keras whose
graph writes the marker file; a positive control with ``unsafe=True`` proves the
code really runs when it is loaded, so "marker not created" means something.
"""

from __future__ import annotations

import shutil
import time
import zipfile

import pytest
from crafted_helper import crafted_dir

from reglint.audit import stored_config
from reglint.audit.api import audit_paths
from reglint.audit.graph_scan import DENYLISTED_OPS, TF_SCAN_DENYLIST, scan_saved_model_dir
from reglint.audit.policy import AuditOptions
from reglint.audit.stored_config import ArtifactError, read_stored_model

pytestmark = pytest.mark.tensorflow


@pytest.fixture(scope="session")
def crafted(tmp_path_factory, models, lambda_marker):
    return crafted_dir(tmp_path_factory, models, lambda_marker)


def _audit(paths, **options):
    return audit_paths([str(p) for p in paths], AuditOptions(train=False, **options))


# --- item 1: an inference-only SavedModel whose resource initializer writes a file


def test_item1_resource_initializer_is_refused_before_loading(crafted, models, lambda_marker):
    lambda_marker.unlink(missing_ok=True)
    bad, good = _audit([crafted / "resource_init_sm", models / "mlp_unreg.keras"])
    assert bad.error.startswith("refused to load")
    assert "graph op WriteFile (file I/O) in function '__inference__initializer" in bad.error
    assert "\n" not in bad.error
    assert not lambda_marker.exists()
    assert good.error is None and {f.code for f in good.findings} == {"RA001"}


def test_item1_positive_control_unsafe_runs_the_initializer(crafted, lambda_marker):
    lambda_marker.unlink(missing_ok=True)
    (r,) = _audit([crafted / "resource_init_sm"], unsafe=True)
    assert r.error is None and [f.code for f in r.findings] == ["RA006"]
    assert lambda_marker.read_text() == "resource initializer ran"
    lambda_marker.unlink()


# --- item 2: a tf_keras SavedModel whose unregistered custom layer writes a file


@pytest.mark.slow
def test_item2_tf_keras_custom_layer_is_refused(crafted, models, lambda_marker):
    lambda_marker.unlink(missing_ok=True)
    bad, good = _audit([crafted / "tfk_custom_write_sm", models / "tfk_reg_sm"])
    assert not bad.passed
    assert bad.error.startswith("refused to load") and "graph op WriteFile" in bad.error
    assert "writer_layer_call" in bad.error
    assert not lambda_marker.exists()
    assert good.error is None and good.passed


@pytest.mark.slow
def test_item2_positive_control_unsafe_runs_the_layer(crafted, lambda_marker):
    lambda_marker.unlink(missing_ok=True)
    (r,) = _audit([crafted / "tfk_custom_write_sm"], unsafe=True)
    assert r.error is None, r.error
    assert lambda_marker.read_text() == "custom layer call ran"
    lambda_marker.unlink()


def test_tfsm_layer_target_is_scanned(crafted, lambda_marker):
    """A .keras whose TFSMLayer loads the writing SavedModel: refused naming both."""
    lambda_marker.unlink(missing_ok=True)
    (r,) = _audit([crafted / "tfsm.keras"])
    assert r.error.startswith("refused to load") and "graph op WriteFile" in r.error
    assert str(crafted / "resource_init_sm") in r.error
    assert not lambda_marker.exists()


def test_py_function_is_refused(crafted):
    (r,) = _audit([crafted / "py_function_sm"])
    assert "graph op EagerPyFunc (runs Python)" in r.error


def test_config_only_notes_the_ops_without_loading(crafted, lambda_marker):
    lambda_marker.unlink(missing_ok=True)
    (r,) = _audit([crafted / "resource_init_sm"], config_only=True)
    assert r.error is None and [f.code for f in r.findings] == ["RA006"]
    assert any("graph op WriteFile" in n for n in r.notes)
    assert not lambda_marker.exists()


@pytest.mark.parametrize("name", ["tfk_reg_sm", "tfk_lambda_sm", "export_dir"])
def test_normal_saved_models_are_not_refused(models, name):
    """Every SavedModel has SaveV2/RestoreV2/MergeV2Checkpoints in its saver functions."""
    assert scan_saved_model_dir(models / name) == []


def _proto(path):
    from tensorflow.core.protobuf import saved_model_pb2

    sm = saved_model_pb2.SavedModel()
    sm.ParseFromString((path / "saved_model.pb").read_bytes())
    return sm


def _saver_function(mg, which):
    node = mg.saver_def.save_tensor_name if which == "save" else mg.saver_def.restore_op_name
    name = node.split(":")[0]
    return next(n for n in mg.graph_def.node if n.name == name).attr["f"].func.name


@pytest.mark.parametrize("which,op", [("save", "SaveV2"), ("restore", "RestoreV2")])
def test_saver_function_called_from_elsewhere_is_flagged(tmp_path, models, which, op):
    """The checkpoint-op exemption holds only while nothing but the saver calls it."""
    out = tmp_path / "sm"
    shutil.copytree(models / "export_dir", out)
    sm = _proto(out)
    mg = sm.meta_graphs[0]
    evil = mg.graph_def.node.add(name="evil_call", op="StatefulPartitionedCall")
    evil.attr["f"].func.name = _saver_function(mg, which)
    (out / "saved_model.pb").write_bytes(sm.SerializeToString())
    reasons = scan_saved_model_dir(out)
    assert any(
        f"graph op {op} (file I/O) in function '__inference__traced_{which}" in r for r in reasons
    )


def test_checkpoint_op_in_a_serving_function_is_flagged(tmp_path, models):
    out = tmp_path / "sm"
    shutil.copytree(models / "export_dir", out)
    sm = _proto(out)
    mg = sm.meta_graphs[0]
    fn = next(f for f in mg.graph_def.library.function if "traced" not in f.signature.name)
    fn.node_def.add(name="ckpt", op="MergeV2Checkpoints")
    (out / "saved_model.pb").write_bytes(sm.SerializeToString())
    assert scan_saved_model_dir(out) == [
        f"graph op MergeV2Checkpoints (file I/O) in function '{fn.signature.name}'"
    ]


def test_text_format_saved_model_is_refused(tmp_path, models):
    from google.protobuf import text_format

    out = tmp_path / "sm"
    shutil.copytree(models / "export_dir", out)
    (out / "saved_model.pbtxt").write_text(text_format.MessageToString(_proto(out)))
    (out / "saved_model.pb").unlink()
    assert read_stored_model(out).graph_reasons == [
        "a text-format saved_model.pbtxt, whose graph reglint does not scan"
    ]


def test_denylist_contains_tensorflow_scan_list_and_real_op_names():
    from tensorflow.distribute.experimental.rpc.kernels import gen_rpc_ops  # noqa: F401
    from tensorflow.python.framework import op_def_registry

    assert {"WriteFile", "ReadFile", "PrintV2"} == TF_SCAN_DENYLIST
    assert DENYLISTED_OPS.keys() >= TF_SCAN_DENYLIST
    assert {"PyFunc", "EagerPyFunc", "PyFuncStateless", "MatchingFiles"} <= DENYLISTED_OPS.keys()
    unknown = [op for op in DENYLISTED_OPS if op_def_registry.get(op) is None]
    assert unknown == []


# --- item 3: archive limits


@pytest.mark.parametrize("name", ["bomb_config.keras", "bomb_weights.keras"])
def test_item3_zip_bomb_refused_fast(crafted, name):
    start = time.perf_counter()
    with pytest.raises(ArtifactError, match=r"compression ratio 10\d\d:1 .*zip bomb") as e:
        read_stored_model(crafted / name)
    assert time.perf_counter() - start < 1.0
    assert "\n" not in str(e.value)


def test_item3_member_size_cap_counts_inflated_bytes(models, monkeypatch):
    """A config larger than MAX_CONFIG_BYTES is refused, whatever the header says."""
    path = models / "mlp_reg.keras"
    size = zipfile.ZipFile(path).getinfo("config.json").file_size
    monkeypatch.setattr(stored_config, "MAX_CONFIG_BYTES", size - 1)
    with pytest.raises(ArtifactError, match=r"config\.json in \.keras archive is larger than"):
        read_stored_model(path)


def test_item3_lying_header_is_a_one_line_error(crafted):
    """config.json declares 2 bytes and inflates to 8 MiB: zipfile stops at the declared size."""
    start = time.perf_counter()
    with pytest.raises(ArtifactError, match=r"Bad CRC-32 for file 'config\.json'"):
        read_stored_model(crafted / "lying_header.keras")
    assert time.perf_counter() - start < 1.0


def test_item3_member_count_and_total_size_caps(tmp_path, monkeypatch):
    path = tmp_path / "many.keras"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("config.json", "{}")
        for i in range(5):
            z.writestr(f"assets/{i}", "x" * 100)
    monkeypatch.setattr(stored_config, "MAX_ARCHIVE_MEMBERS", 5)
    with pytest.raises(ArtifactError, match="has 6 members"):
        read_stored_model(path)
    monkeypatch.setattr(stored_config, "MAX_ARCHIVE_MEMBERS", 10)
    monkeypatch.setattr(stored_config, "MAX_ARCHIVE_BYTES", 300)
    with pytest.raises(ArtifactError, match="inflates to more than"):
        read_stored_model(path)


# --- item 14: nested JSON and JSON of the wrong type


ITEM14 = {
    "nested_config.keras": "unreadable config.json in .keras archive: JSON nested too deeply",
    "nested_config.h5": "unreadable model_config in HDF5 file: JSON nested too deeply",
    "nested_metadata_sm": "metadata of root: JSON nested too deeply",
    "metadata_list.keras": "metadata.json is not a JSON object",
    "metadata_string.keras": "metadata.json is not a JSON object",
    "module_int.keras": "config.json 'module' is not a string (a JSON int)",
    "metadata_list_sm": "the root metadata is not a JSON object",
}


@pytest.mark.parametrize("name", sorted(ITEM14))
def test_item14_malformed_config_is_a_one_line_error(crafted, name):
    with pytest.raises(ArtifactError) as e:
        read_stored_model(crafted / name)
    assert ITEM14[name] in str(e.value) and "\n" not in str(e.value)


def test_item14_cli_names_each_file_and_audits_the_others(crafted, models):
    import json

    from click.testing import CliRunner

    from reglint.audit.command import audit

    bad = [str(crafted / n) for n in sorted(ITEM14)]
    good = str(models / "mlp_unreg.keras")
    result = CliRunner().invoke(audit, ["--format", "json", "--no-train", *bad, good])
    assert result.exit_code == 2, result.output
    errors = [line for line in result.stderr.splitlines() if line.startswith("reglint: error:")]
    assert len(errors) == len(bad)
    for path, line in zip(bad, errors, strict=True):
        assert line.startswith(f"reglint: error: {path}: ")
    assert "internal error" not in result.stderr and "Traceback" not in result.stderr
    reports = json.loads(result.stdout)["models"]
    assert [r["path"] for r in reports] == [*bad, good]
    assert {f["code"] for f in reports[-1]["findings"]} == {"RA001"}


def test_unexpected_exception_costs_only_its_artifact(models, monkeypatch):
    """audit_paths turns any exception of one artifact into that artifact's error."""
    from reglint.audit import api

    real = api.read_stored_model

    def flaky(path):
        if str(path).endswith("mlp_reg.keras"):
            raise KeyError("boom")
        return real(path)

    monkeypatch.setattr(api, "read_stored_model", flaky)
    bad, good = _audit([models / "mlp_reg.keras", models / "mlp_unreg.keras"])
    assert bad.error == "cannot read the model: KeyError: 'boom'"
    assert good.error is None and {f.code for f in good.findings} == {"RA001"}
