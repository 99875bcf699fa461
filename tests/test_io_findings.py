"""A file reglint cannot read is an RL900 finding (ruff's E902): in every
format, exit 1, never "All checks passed!"; the other files are still linted."""

from __future__ import annotations

import json
import os
import shutil
import tempfile

import pytest
from reglint_testing import run_reglint

BAD = "import tensorflow as tf\nm = tf.keras.Sequential([tf.keras.layers.Dense(3)])\n"

UNREADABLE = [
    ("latin.py", b"import keras\nname = '\xe9t\xe9'\n", "not valid utf-8 text"),
    ("binary.py", bytes(range(256)) * 4, "binary file (contains NUL bytes)"),
    ("nul.py", b"import keras\x00\n", "binary file (contains NUL bytes)"),
    ("broken.ipynb", b'{"cells": [', "not a Jupyter notebook: the file is not valid JSON"),
    ("latin.ipynb", b'{"cells": []} \xe9', "not valid UTF-8"),
]


@pytest.mark.parametrize(("name", "data", "reason"), UNREADABLE)
def test_an_unreadable_file_is_rl900_next_to_the_others_findings(tmp_path, name, data, reason):
    (tmp_path / name).write_bytes(data)
    (tmp_path / "bad.py").write_text(BAD)
    result = run_reglint("check", "--no-cache", "--format", "json", ".", cwd=tmp_path)
    assert result.returncode == 1 and result.stderr == ""
    findings = json.loads(result.stdout)
    assert sorted((f["filename"], f["code"]) for f in findings) == sorted(
        [("bad.py", "RL001"), (name, "RL900")]
    )
    (rl900,) = (f for f in findings if f["code"] == "RL900")
    assert reason in rl900["message"]
    assert rl900["location"] == {"row": 1, "column": 1}
    assert rl900["url"].endswith("rules/RL900.md")


def test_alone_it_exits_1_and_the_summary_does_not_say_all_passed(tmp_path):
    (tmp_path / "latin.py").write_bytes(b"import keras\nname = '\xe9t\xe9'\n")
    result = run_reglint("check", "--no-cache", "latin.py", cwd=tmp_path)
    assert result.returncode == 1
    assert result.stdout == (
        "latin.py:1:1: RL900 cannot read the file: not valid utf-8 text "
        "(invalid byte 0xe9 at offset 21)\nFound 1 error.\n"
    )


def test_every_format_reports_it(tmp_path):
    (tmp_path / "binary.py").write_bytes(b"\x00\x01")
    github = run_reglint("check", "--no-cache", "--format", "github", "binary.py", cwd=tmp_path)
    assert github.returncode == 1
    assert github.stdout.startswith("::error file=binary.py,line=1,col=1,")
    assert "title=RL900::RL900 cannot read the file: binary file" in github.stdout
    sarif = run_reglint("check", "--no-cache", "--format", "sarif", "binary.py", cwd=tmp_path)
    assert sarif.returncode == 1
    run = json.loads(sarif.stdout)["runs"][0]
    (result,) = run["results"]
    assert result["ruleId"] == "RL900"
    assert run["tool"]["driver"]["rules"][result["ruleIndex"]]["id"] == "RL900"
    assert run["tool"]["driver"]["rules"][result["ruleIndex"]]["name"] == "io-error"
    location = result["locations"][0]["physicalLocation"]
    assert location["artifactLocation"]["uri"] == "binary.py"


def test_a_fifo_named_explicitly_is_rl900_and_does_not_hang(tmp_path):
    os.mkfifo(tmp_path / "pipe.py")
    result = run_reglint("check", "--no-cache", "pipe.py", cwd=tmp_path)
    assert result.returncode == 1
    assert result.stdout.startswith("pipe.py:1:1: RL900 cannot read the file: not a regular file")


def test_rl900_ignores_the_selection_and_cannot_be_ignored(tmp_path):
    (tmp_path / "binary.py").write_bytes(b"\x00")
    selected = run_reglint("check", "--no-cache", "--select", "RL004", "binary.py", cwd=tmp_path)
    assert selected.returncode == 1 and "RL900" in selected.stdout
    ignored = run_reglint("check", "--no-cache", "--ignore", "RL900", "binary.py", cwd=tmp_path)
    assert ignored.returncode == 2
    assert ignored.stderr.startswith("reglint: error: RL900 cannot be ignored")
    (tmp_path / "pyproject.toml").write_text(
        '[tool.reglint]\nper-file-ignores = { "*.py" = ["RL9"] }\n'
    )
    per_file = run_reglint("check", "--no-cache", "binary.py", cwd=tmp_path)
    assert per_file.returncode == 2 and "cannot be ignored" in per_file.stderr
    # excluding the file is the way
    (tmp_path / "pyproject.toml").write_text('[tool.reglint]\nextend-exclude = ["binary.py"]\n')
    excluded = run_reglint("check", "--no-cache", ".", cwd=tmp_path)
    assert excluded.returncode == 0


def test_a_path_that_does_not_exist_stays_a_usage_error(tmp_path):
    result = run_reglint("check", "--no-cache", "missing.py", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.strip() == "reglint: error: missing.py: no such file or directory"


def test_fix_and_add_noqa_runs_count_it(tmp_path):
    (tmp_path / "binary.py").write_bytes(b"\x00")
    fix = run_reglint("check", "--no-cache", "--fix", "binary.py", cwd=tmp_path)
    assert fix.returncode == 1 and "RL900" in fix.stdout
    noqa = run_reglint("check", "--no-cache", "--add-noqa", "binary.py", cwd=tmp_path)
    assert noqa.returncode == 1
    assert "binary.py: binary file (contains NUL bytes)" in noqa.stderr
    assert (tmp_path / "binary.py").read_bytes() == b"\x00"


@pytest.mark.slow
def test_a_file_over_the_size_limit(tmp_path):
    from reglint.source import MAX_BYTES

    with open(tmp_path / "huge.py", "wb") as fh:  # sparse: no disk is used
        fh.truncate(MAX_BYTES + 1)
    result = run_reglint("check", "--no-cache", "huge.py", cwd=tmp_path)
    assert result.returncode == 1
    assert "huge.py:1:1: RL900 cannot read the file: file larger than 50 MB" in result.stdout


def _as_nobody(directory, *args):
    from test_bad_input import _check_as_nobody

    return _check_as_nobody(directory, *args)


def test_permission_denied_on_a_file_and_a_directory():
    directory = tempfile.mkdtemp()
    try:
        os.chmod(directory, 0o755)
        for name in ("secret.py", "bad.py", os.path.join("locked", "inner.py")):
            os.makedirs(os.path.dirname(os.path.join(directory, name)), exist_ok=True)
            with open(os.path.join(directory, name), "w") as fh:
                fh.write(BAD)
        os.chmod(os.path.join(directory, "secret.py"), 0)
        os.chmod(os.path.join(directory, "locked"), 0)
        code, out, err = _as_nobody(directory, "--no-cache", "--format", "json", "-j", "1", ".")
        assert err == ""
        assert code == 1
        got = sorted((f["filename"], f["code"], f["message"]) for f in json.loads(out))
        assert got == [
            ("bad.py", "RL001", got[0][2]),
            ("locked", "RL900", "cannot read the file: Permission denied"),
            ("secret.py", "RL900", "cannot read the file: Permission denied"),
        ]
    finally:
        os.chmod(os.path.join(directory, "locked"), 0o755)
        shutil.rmtree(directory)


@pytest.mark.slow
def test_a_crashed_analysis_is_an_error_and_the_summary_does_not_say_all_passed(
    tmp_path, monkeypatch
):
    from reglint.runner import CRASH_TEST_VARIABLE, MIN_FILES_FOR_POOL

    for i in range(MIN_FILES_FOR_POOL):
        (tmp_path / f"f{i:02}.py").write_text("x = 1\n")
    monkeypatch.setenv(CRASH_TEST_VARIABLE, "f03.py")
    result = run_reglint("check", "--no-cache", "-j", "2", ".", cwd=tmp_path)
    assert result.stderr.strip() == "reglint: error: f03.py: analysis crashed (signal 11)"
    assert "All checks passed!" not in result.stdout
    assert result.stdout == "1 file could not be analyzed (see the errors above).\n"
