"""The hooks of ``.pre-commit-hooks.yaml`` run by the real pre-commit.

``pre-commit try-repo`` needs a git repository whose hook files are committed,
so the hook repository is a fresh git copy of the working tree's package files
(the test works on an uncommitted working tree too). pre-commit then builds
its own virtualenv and pip-installs reglint from that copy (through the
machine's configured package index), once per test session, in a private
``PRE_COMMIT_HOME``.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from reglint_testing import FIXTURES, ROOT

pytestmark = pytest.mark.slow

HOOK_FILES = ("pyproject.toml", "README.md", ".pre-commit-hooks.yaml")
HOOK_DIRS = ("reglint", "rules")

BAD = """\
import keras

model = keras.Sequential([
    keras.Input(shape=(4,)),
    keras.layers.Dense(8, activation="relu"),
])
"""
GOOD = """\
import keras

model = keras.Sequential([
    keras.Input(shape=(4,)),
    keras.layers.Dense(8, activation="relu", kernel_regularizer=keras.regularizers.L2(1e-4)),
])
"""


def git(*args: str, cwd: Path) -> None:
    subprocess.run(
        [
            "git",
            "-c",
            "user.name=reglint tests",
            "-c",
            "user.email=tests@reglint.invalid",
            "-c",
            "commit.gpgsign=false",
            "-c",
            "init.defaultBranch=main",
            *args,
        ],
        cwd=cwd,
        check=True,
        capture_output=True,
        text=True,
    )


@pytest.fixture(scope="session")
def pre_commit_env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """The environment pre-commit runs in: a private cache of hook environments."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GIT_", "PRE_COMMIT"))}
    env["PRE_COMMIT_HOME"] = str(tmp_path_factory.mktemp("pre-commit-home"))
    env["PRE_COMMIT_COLOR"] = "never"
    env.pop("REGLINT_DEBUG", None)
    return env


@pytest.fixture(scope="session")
def hook_repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A git repository holding the working tree's package and hook manifest."""
    repo = tmp_path_factory.mktemp("reglint-hook-repo")
    for name in HOOK_FILES:
        shutil.copy2(ROOT / name, repo / name)
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", ".reglint_cache")
    for name in HOOK_DIRS:
        shutil.copytree(ROOT / name, repo / name, ignore=ignore)
    git("init", "-q", ".", cwd=repo)
    git("add", "-A", cwd=repo)
    git("commit", "-q", "-m", "reglint under test", cwd=repo)
    return repo


@pytest.fixture
def user_repo(tmp_path: Path) -> Iterator[Path]:
    """A user's project: a git repository with a bad and a good Python file."""
    (tmp_path / "bad.py").write_text(BAD, encoding="utf-8")
    (tmp_path / "good.py").write_text(GOOD, encoding="utf-8")
    git("init", "-q", ".", cwd=tmp_path)
    git("add", "-A", cwd=tmp_path)
    yield tmp_path


def try_repo(
    hook_repo: Path, hook: str, files: list[str], cwd: Path, env: dict[str, str]
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "pre_commit",
            "try-repo",
            str(hook_repo),
            hook,
            "--verbose",
            "--files",
            *files,
        ],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )


def test_manifest_is_valid_for_pre_commit() -> None:
    from pre_commit.clientlib import load_manifest

    hooks = {h["id"]: h for h in load_manifest(str(ROOT / ".pre-commit-hooks.yaml"))}
    assert set(hooks) == {"reglint", "reglint-audit"}
    lint = hooks["reglint"]
    assert lint["entry"] == "reglint check --force-exclude"
    assert lint["language"] == "python"
    assert lint["types_or"] == ["python", "pyi", "jupyter"]
    assert lint["require_serial"] is True
    audit = hooks["reglint-audit"]
    assert audit["entry"] == "reglint audit --config-only"  # no TensorFlow in the hook env
    assert audit["additional_dependencies"] == []
    assert yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())[1]["files"] == (
        r"\.(keras|h5|hdf5)$"
    )


def test_lint_hook_fails_on_the_bad_file_and_passes_on_the_good_one(
    hook_repo: Path, user_repo: Path, pre_commit_env: dict[str, str]
) -> None:
    bad = try_repo(hook_repo, "reglint", ["bad.py"], user_repo, pre_commit_env)
    output = bad.stdout + bad.stderr
    assert bad.returncode == 1, output
    assert "bad.py:5:5: RL001 `Dense` is built without `kernel_regularizer`" in output
    assert "Failed" in output

    good = try_repo(hook_repo, "reglint", ["good.py"], user_repo, pre_commit_env)
    output = good.stdout + good.stderr
    assert good.returncode == 0, output
    assert "RL001" not in output
    assert "Passed" in output


def test_lint_hook_skips_files_that_are_not_python(
    hook_repo: Path, user_repo: Path, pre_commit_env: dict[str, str]
) -> None:
    (user_repo / "notes.txt").write_text(BAD, encoding="utf-8")
    git("add", "notes.txt", cwd=user_repo)
    result = try_repo(hook_repo, "reglint", ["notes.txt"], user_repo, pre_commit_env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "(no files to check)Skipped" in result.stdout


@pytest.mark.tensorflow
def test_audit_hook_checks_saved_models_from_their_config(
    hook_repo: Path, tmp_path: Path, pre_commit_env: dict[str, str]
) -> None:
    built = subprocess.run(
        [sys.executable, str(FIXTURES / "tiny_models.py"), str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert built.returncode == 0, built.stderr
    git("init", "-q", ".", cwd=tmp_path)
    git("add", "-A", cwd=tmp_path)

    bad = try_repo(hook_repo, "reglint-audit", ["unregularized.keras"], tmp_path, pre_commit_env)
    output = bad.stdout + bad.stderr
    assert bad.returncode == 1, output
    assert "unregularized.keras: RA001 hidden/kernel" in output

    good = try_repo(hook_repo, "reglint-audit", ["regularized.keras"], tmp_path, pre_commit_env)
    output = good.stdout + good.stderr
    assert good.returncode == 0, output
    assert "Passed" in output
