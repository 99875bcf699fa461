"""The crafted-model suite: malicious and broken artifacts, audited in one run.

For each artifact: a one-line error naming it (exit 2), no internal error, the
good models of the same run still audited, the artifact's bytes unchanged, and
no code from it ran (the marker file its graphs or Lambdas write never appears).
"""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from conftest import tree_digest
from crafted_helper import crafted_dir

from reglint.audit.command import audit

pytestmark = [pytest.mark.tensorflow, pytest.mark.slow]

#: Artifact -> words its one-line error must contain.
EXPECTED = {
    "resource_init_sm": "graph op WriteFile (file I/O) in function '__inference__initializer",
    "tfk_custom_write_sm": "graph op WriteFile (file I/O) in function",
    "py_function_sm": "graph op EagerPyFunc (runs Python)",
    "tfsm.keras": "graph op WriteFile (file I/O)",
    "bomb_config.keras": "config.json in .keras archive has compression ratio",
    "bomb_weights.keras": "model.weights.h5 in .keras archive has compression ratio",
    "lying_header.keras": "Bad CRC-32 for file 'config.json'",
    "nested_config.keras": "JSON nested too deeply",
    "nested_config.h5": "JSON nested too deeply",
    "nested_metadata_sm": "JSON nested too deeply",
    "metadata_list.keras": "metadata.json is not a JSON object",
    "metadata_string.keras": "metadata.json is not a JSON object",
    "module_int.keras": "'module' is not a string",
    "metadata_list_sm": "root metadata is not a JSON object",
    "truncated.keras": "corrupt or truncated .keras archive",
    "flipped.keras": "corrupt .keras archive (CRC error)",
    "truncated.h5": "corrupt or truncated HDF5 file",
    "truncated_metadata_sm": "corrupt keras_metadata.pb",
    "truncated_graph_sm": "corrupt saved_model.pb",
    "flipped_graph_sm": "corrupt saved_model.pb",
    "truncated_export_sm": "corrupt saved_model.pb",
}
#: Byte-flipped files that may still load: only "no internal error" is required.
MAY_LOAD = ("flipped.h5",)
FIXTURE_LAMBDAS = ("lambda.keras", "tfk_lambda_sm")
GOOD = ("mlp_unreg.keras", "tfk_reg_sm")


@pytest.fixture(scope="module")
def run(tmp_path_factory, models, lambda_marker):
    crafted = crafted_dir(tmp_path_factory, models, lambda_marker)
    paths = {n: crafted / n for n in (*EXPECTED, *MAY_LOAD)}
    paths.update({n: models / n for n in (*FIXTURE_LAMBDAS, *GOOD)})
    order = [GOOD[0], *EXPECTED, *MAY_LOAD, *FIXTURE_LAMBDAS, GOOD[1]]
    before = {n: tree_digest(paths[n]) for n in order}
    lambda_marker.unlink(missing_ok=True)
    result = CliRunner().invoke(audit, ["--format", "json", *(str(paths[n]) for n in order)])
    return {
        "paths": paths,
        "result": result,
        "reports": {n: r for n, r in zip(order, json.loads(result.stdout)["models"], strict=True)},
        "errors": [ln for ln in result.stderr.splitlines() if ln.startswith("reglint: error:")],
        "changed": [n for n in order if tree_digest(paths[n]) != before[n]],
        "marker": lambda_marker.exists(),
    }


def test_run_exits_2_without_internal_error_or_code_execution(run):
    r = run["result"]
    assert r.exit_code == 2, r.output
    assert "internal error" not in r.stderr and "Traceback" not in r.stderr
    assert run["marker"] is False
    assert run["changed"] == []


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_crafted_artifact_gets_its_one_line_error(run, name):
    report = run["reports"][name]
    assert report["error"] and EXPECTED[name] in report["error"]
    lines = [ln for ln in run["errors"] if ln.startswith(f"reglint: error: {run['paths'][name]}: ")]
    assert len(lines) == 1 and EXPECTED[name] in lines[0]


@pytest.mark.parametrize("name", FIXTURE_LAMBDAS)
def test_lambda_artifacts_refused_in_the_same_run(run, name):
    assert run["reports"][name]["error"].startswith("refused to load")


@pytest.mark.parametrize("name", MAY_LOAD)
def test_byte_flipped_h5_is_audited_or_a_one_line_error(run, name):
    error = run["reports"][name]["error"]
    assert error is None or "\n" not in error


def test_good_models_in_the_same_run_are_audited(run):
    unreg, reg = (run["reports"][n] for n in GOOD)
    assert unreg["error"] is None and {f["code"] for f in unreg["findings"]} == {"RA001"}
    assert reg["error"] is None and reg["passed"] and reg["verification"]["ran"]


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_each_artifact_alone_exits_2(run, name):
    result = CliRunner().invoke(audit, ["--no-train", str(run["paths"][name])])
    assert result.exit_code == 2, result.output
    assert result.stderr.count("reglint: error:") == 1 and EXPECTED[name] in result.stderr
