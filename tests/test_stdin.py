"""``reglint check -``: standard input linted as if it were ``--stdin-filename``."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from reglint_testing import run_reglint

BAD = "import tensorflow as tf\nm = tf.keras.Sequential([tf.keras.layers.Dense(3)])\n"
#: RL004's keyword rename is a safe fix; RL001's added regularizer is not.
LEGACY = "import tensorflow as tf\nr = tf.keras.regularizers.l2(l=1e-4)\n"
LEGACY_FIXED = "import tensorflow as tf\nr = tf.keras.regularizers.l2(l2=1e-4)\n"
NOTEBOOK = {
    "cells": [
        {
            "cell_type": "code",
            "execution_count": None,
            "metadata": {},
            "outputs": [],
            "source": ["import keras\n", "x = 1\n"],
        },
        {
            "cell_type": "code",
            "execution_count": None,
            "metadata": {},
            "outputs": [],
            "source": ["layer = keras.layers.Dense(3)\n"],
        },
    ],
    "metadata": {},
    "nbformat": 4,
    "nbformat_minor": 5,
}


def stdin(tmp_path, text: str | bytes, *args: str):
    data = text.encode() if isinstance(text, str) else text
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    return subprocess.run(
        [sys.executable, "-m", "reglint", "check", "--no-cache", *args],
        input=data,
        cwd=tmp_path,
        env=env,
        capture_output=True,
        timeout=120,
    )


def test_stdin_is_linted_as_the_given_path_with_its_config(tmp_path):
    (tmp_path / "pyproject.toml").write_text(
        '[tool.reglint]\nper-file-ignores = { "generated/*" = ["RL001"] }\n'
    )
    seen = stdin(tmp_path, BAD, "--stdin-filename", "src/model.py", "-")
    assert seen.returncode == 1
    assert seen.stdout.decode().startswith("src/model.py:2:26: RL001 ")
    ignored = stdin(tmp_path, BAD, "--stdin-filename", "generated/model.py", "-")
    assert ignored.returncode == 0, ignored.stderr
    assert ignored.stdout.decode() == "All checks passed!\n"


def test_the_config_is_found_from_the_stdin_filename_not_the_working_directory(tmp_path):
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "reglint.toml").write_text('ignore = ["RL001"]\n')
    here = stdin(tmp_path, BAD, "--stdin-filename", "m.py", "-")
    there = stdin(tmp_path, BAD, "--stdin-filename", "sub/m.py", "-")
    assert (here.returncode, there.returncode) == (1, 0)


def test_an_excluded_path_with_force_exclude_gives_no_findings_and_fix_echoes_the_text(tmp_path):
    (tmp_path / "pyproject.toml").write_text('[tool.reglint]\nextend-exclude = ["vendor/"]\n')
    excluded = ("--force-exclude", "--stdin-filename", "vendor/m.py", "-")
    result = stdin(tmp_path, BAD, *excluded)
    assert result.returncode == 0 and "RL001" not in result.stdout.decode()
    fixed = stdin(tmp_path, LEGACY, "--fix", *excluded)
    assert fixed.returncode == 0 and fixed.stdout.decode() == LEGACY
    # without --force-exclude a path named explicitly is linted, as ruff does
    assert stdin(tmp_path, BAD, *excluded[1:]).returncode == 1


def test_fix_prints_the_fixed_text_on_stdout_and_the_report_on_stderr(tmp_path):
    result = stdin(tmp_path, LEGACY, "--fix", "--stdin-filename", "m.py", "-")
    assert result.returncode == 0, result.stderr
    assert result.stdout.decode() == LEGACY_FIXED
    assert "1 fixed, 0 remaining" in result.stderr.decode()
    both = stdin(tmp_path, LEGACY + BAD.split("\n", 1)[1], "--fix", "--stdin-filename", "m.py", "-")
    assert both.returncode == 1
    assert both.stdout.decode() == LEGACY_FIXED + BAD.split("\n", 1)[1]
    err = both.stderr.decode()
    assert "m.py:3:26: RL001 " in err and "RL004" not in err.split("Found")[0]


def test_fix_keeps_the_encoding_and_line_endings_of_the_input(tmp_path):
    text = "# -*- coding: latin-1 -*-\n" + LEGACY.replace("\n", "  # caf\xe9\n")
    data = text.replace("\n", "\r\n").encode("latin-1")
    result = stdin(tmp_path, data, "--fix", "--stdin-filename", "m.py", "-")
    assert result.returncode == 0, result.stderr
    assert result.stdout == data.replace(b"l2(l=1e-4)", b"l2(l2=1e-4)")


def test_json_report_with_fix_goes_to_stderr(tmp_path):
    result = stdin(
        tmp_path, BAD, "--fix", "--output-format", "json", "--stdin-filename", "m.py", "-"
    )
    assert result.stdout.decode() == BAD
    assert [f["filename"] for f in json.loads(result.stderr)] == ["m.py"]


def test_diff_of_stdin(tmp_path):
    result = stdin(tmp_path, LEGACY, "--diff", "--stdin-filename", "m.py", "-")
    assert result.returncode == 1
    out = result.stdout.decode()
    assert "--- m.py\n+++ m.py\n" in out and "+r = tf.keras.regularizers.l2(l2=1e-4)" in out


def test_dash_alone_is_stdin_with_the_working_directory_config(tmp_path):
    result = stdin(tmp_path, BAD, "-")
    assert result.returncode == 1
    assert result.stdout.decode().startswith("<stdin>:2:26: RL001 ")
    (tmp_path / "reglint.toml").write_text('ignore = ["RL001"]\n')
    assert stdin(tmp_path, BAD, "-").returncode == 0


def test_a_notebook_on_stdin(tmp_path):
    result = stdin(tmp_path, json.dumps(NOTEBOOK), "--stdin-filename", "nb.ipynb", "-")
    assert result.returncode == 1
    assert result.stdout.decode().startswith("nb.ipynb:cell 2:1:9: RL001 ")
    broken = stdin(tmp_path, "{not json", "--stdin-filename", "nb.ipynb", "-")
    assert broken.returncode == 1
    assert broken.stdout.decode().startswith("nb.ipynb:1:1: RL900 cannot read the file: ")


def test_undecodable_stdin_is_rl900(tmp_path):
    result = stdin(tmp_path, b"import keras\x00\n", "--stdin-filename", "m.py", "-")
    assert result.returncode == 1
    assert result.stdout.decode().splitlines()[0] == (
        "m.py:1:1: RL900 cannot read the file: binary file (contains NUL bytes)"
    )
    assert "All checks passed!" not in result.stdout.decode()


def test_usage_errors(tmp_path):
    (tmp_path / "m.py").write_text(BAD)
    for args in (
        ("-", "m.py"),
        ("--stdin-filename", "x.py", "m.py"),
        ("--add-noqa", "-"),
    ):
        result = stdin(tmp_path, BAD, *args)
        assert result.returncode == 2, args
        assert "Traceback" not in result.stderr.decode()


def test_stdin_is_never_read_when_not_asked(tmp_path):
    """A pipe that never closes: reading it would hang until the timeout."""
    (tmp_path / "m.py").write_text(BAD)
    read_end, write_end = os.pipe()
    try:
        result = run_reglint("check", "--no-cache", "m.py", cwd=tmp_path, stdin=read_end)
        assert result.returncode == 1 and "m.py:2:26: RL001" in result.stdout
    finally:
        os.close(read_end)
        os.close(write_end)
