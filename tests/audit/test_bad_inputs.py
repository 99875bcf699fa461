"""Each bad input: a one-line message, exit 2, the other models still audited."""

from __future__ import annotations

import zipfile

import pytest

from reglint.audit.stored_config import ArtifactError, read_stored_model


def make_bad(tmp_path, models=None):
    bad = {}
    bad["missing"] = (tmp_path / "nope.keras", "no such file or directory")
    (tmp_path / "empty.keras").write_bytes(b"")
    bad["empty"] = (tmp_path / "empty.keras", "empty file")
    (tmp_path / "random.keras").write_bytes(bytes(range(256)) * 4)
    bad["random"] = (tmp_path / "random.keras", "not a Keras model")
    (tmp_path / "notsm").mkdir()
    (tmp_path / "notsm" / "x.txt").write_text("hi")
    bad["dir"] = (tmp_path / "notsm", "not a SavedModel")
    (tmp_path / "weights.h5").write_bytes(b"\x89HDF\r\n\x1a\n" + b"\0" * 100)
    bad["hdf5"] = (tmp_path / "weights.h5", "HDF5")
    with zipfile.ZipFile(tmp_path / "nocfg.keras", "w") as z:
        z.writestr("other.txt", "x")
    bad["zip-without-config"] = (tmp_path / "nocfg.keras", "without config.json")
    if models is not None:
        data = (models / "mlp_reg.keras").read_bytes()
        (tmp_path / "truncated.keras").write_bytes(data[: len(data) // 2])
        bad["truncated"] = (tmp_path / "truncated.keras", "truncated")
    return bad


@pytest.mark.parametrize(
    "case", ["missing", "empty", "random", "dir", "hdf5", "zip-without-config"]
)
def test_stored_config_errors_without_tensorflow(tmp_path, case):
    path, words = make_bad(tmp_path)[case]
    with pytest.raises(ArtifactError, match=words) as e:
        read_stored_model(path)
    assert "\n" not in str(e.value)


@pytest.mark.tensorflow
def test_truncated_keras_zip(tmp_path, models):
    path, words = make_bad(tmp_path, models)["truncated"]
    with pytest.raises(ArtifactError, match=words):
        read_stored_model(path)


@pytest.mark.tensorflow
def test_cli_bad_inputs_exit_2_and_others_still_audited(tmp_path, models):
    from click.testing import CliRunner

    from reglint.audit.command import audit

    bad = make_bad(tmp_path, models)
    paths = [str(p) for p, _ in bad.values()]
    paths += [
        str(models / "lambda.keras"),
        str(models / "unbuilt.keras"),
        str(models / "mlp_unreg.keras"),
    ]
    result = CliRunner().invoke(audit, ["--format", "json", "--no-train", *paths])
    assert result.exit_code == 2, result.output
    errors = [line for line in result.stderr.splitlines() if "reglint: error:" in line]
    assert len(errors) == len(paths) - 1
    for (path, words), line in zip(bad.values(), errors, strict=False):
        assert line.startswith(f"reglint: error: {path}: ") and words in line
    assert "refused to load" in errors[-2] and "input shape" in errors[-1]
    assert "Traceback" not in result.stderr
    import json

    models_json = json.loads(result.stdout)["models"]
    assert models_json[-1]["findings"][0]["code"] == "RA001"  # still audited
