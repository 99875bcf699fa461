"""``reglint audit DIR``: every model below it, one discovery shared with the pytest plugin."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from custom_helper import error_lines, reglint

pytestmark = [pytest.mark.tensorflow, pytest.mark.slow]

EXPECTED = {"one.keras", "a/b/two.h5", "three.keras", "exported"}


@pytest.fixture(scope="module")
def tree(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """models/: 3 model files, a weights-only file, a SavedModel, an excluded subfolder."""
    import keras

    root = tmp_path_factory.mktemp("tree") / "models"
    (root / "a" / "b").mkdir(parents=True)
    (root / "skip").mkdir()

    def model(reg):
        inp = keras.Input((3,))
        return keras.Model(inp, keras.layers.Dense(1, kernel_regularizer=reg)(inp))

    model("l2").save(root / "one.keras")
    model(None).save(root / "a" / "b" / "two.h5")
    model("l2").save(root / "three.keras")
    model("l2").save(root / "skip" / "four.keras")
    model("l2").save_weights(root / "a" / "only.weights.h5")
    model("l2").export(root / "exported", verbose=False)
    (root / "notes.txt").write_text("not a model\n")
    (root / "empty").mkdir()
    return root


def _audited(stdout: str, root: Path) -> set[str]:
    """The audited paths (relative to models/, which the CLI ran next to)."""
    return {Path(m["path"]).relative_to(root.name).as_posix() for m in json.loads(stdout)["models"]}


def test_directory_audits_every_model_below_it(tree):
    proc = reglint("--config-only", "--format", "json", "models", cwd=tree.parent)
    assert proc.returncode == 1, proc.stderr  # two.h5 has RA001, exported is RA006
    assert not error_lines(proc.stderr)
    assert _audited(proc.stdout, tree) == EXPECTED | {"skip/four.keras"}
    codes = {
        Path(m["path"]).name: [f["code"] for f in m["findings"]]
        for m in json.loads(proc.stdout)["models"]
    }
    assert codes == {
        "one.keras": [],
        "two.h5": ["RA001"],
        "three.keras": [],
        "exported": ["RA006"],
        "four.keras": [],
    }


def test_exclude_option_and_config(tree):
    proc = reglint(
        "--config-only", "--format", "json", "--exclude", "skip/", "models", cwd=tree.parent
    )
    assert proc.returncode == 1, proc.stderr
    assert _audited(proc.stdout, tree) == EXPECTED
    proc = reglint(
        "--config-only", "--format", "json", "--exclude", "*.h5", "models", cwd=tree.parent
    )
    assert _audited(proc.stdout, tree) == EXPECTED - {"a/b/two.h5"} | {"skip/four.keras"}
    (tree.parent / "pyproject.toml").write_text('[tool.reglint.audit]\nexclude = ["skip"]\n')
    try:
        proc = reglint("--config-only", "--format", "json", "models", cwd=tree.parent)
        assert _audited(proc.stdout, tree) == EXPECTED
        (tree.parent / "pyproject.toml").write_text('[tool.reglint.audit]\nexclude = ["a/**/"]\n')
        proc = reglint("--config-only", "--format", "json", "models", cwd=tree.parent)
        assert _audited(proc.stdout, tree) == EXPECTED - {"a/b/two.h5"} | {"skip/four.keras"}
    finally:
        (tree.parent / "pyproject.toml").unlink()


def test_bad_exclude_glob_is_a_usage_error(tree):
    proc = reglint("--config-only", "--exclude", "!", "models", cwd=tree.parent)
    assert proc.returncode == 2
    assert error_lines(proc.stderr) == [
        line for line in proc.stderr.splitlines() if "--exclude: invalid glob '!'" in line
    ]


def test_weights_file_given_explicitly_and_empty_directory(tree):
    proc = reglint(
        "--config-only",
        "--format",
        "json",
        "models/a/only.weights.h5",
        "models/empty",
        "models/one.keras",
        cwd=tree.parent,
    )
    assert proc.returncode == 2
    assert error_lines(proc.stderr) == [
        "reglint: error: models/a/only.weights.h5: holds weights only (model.save_weights), "
        "not a model: audit the .keras/.h5 model file",
        "reglint: error: models/empty: not a SavedModel, and no model below this directory "
        "(.keras, .h5 files or SavedModel directories)",
    ]
    one = [m for m in json.loads(proc.stdout)["models"] if m["path"] == "models/one.keras"]
    assert one and one[0]["passed"]  # the bad inputs cost the good model nothing


def test_saved_model_directory_is_one_model(tree):
    proc = reglint("--config-only", "--format", "json", "models/exported", cwd=tree.parent)
    assert [m["path"] for m in json.loads(proc.stdout)["models"]] == ["models/exported"]


def test_pytest_plugin_searches_with_the_same_discovery(tree):
    (tree.parent / "pyproject.toml").write_text('[tool.reglint.audit]\nexclude = ["skip"]\n')
    try:
        proc = subprocess.run(
            [
                sys.executable,
                "-m",
                "pytest",
                "-q",
                "-rA",
                "-p",
                "no:cacheprovider",
                "--reglint-audit",
                "models",
                "--reglint-config-only",
            ],
            cwd=tree.parent,
            capture_output=True,
            text=True,
            timeout=300,
        )
    finally:
        (tree.parent / "pyproject.toml").unlink()
    items = {
        line.split()[1].removesuffix("::reglint-audit").removeprefix("models/")
        for line in proc.stdout.splitlines()
        if line.startswith(("PASSED ", "FAILED "))
    }
    assert items == EXPECTED, proc.stdout
    assert "2 failed, 2 passed" in proc.stdout  # a/b/two.h5 (RA001) and exported (RA006)
