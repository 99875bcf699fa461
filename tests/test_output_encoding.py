"""Text that is not valid Unicode (a file name that is not UTF-8, lone
surrogates in a source) is reported in every output format, never an
``internal error: UnicodeEncodeError``."""

from __future__ import annotations

import json
import os
import sys

import pytest
from reglint_testing import run_reglint

LAYER_FILE = "import keras\nx = keras.layers.Dense(3)\n"
SURROGATE_CELL = {
    "cells": [
        {
            "cell_type": "code",
            "metadata": {},
            "outputs": [],
            "execution_count": None,
            "source": 'import keras\nx = "\udce1"\n',
        },
        {
            "cell_type": "code",
            "metadata": {},
            "outputs": [],
            "execution_count": None,
            "source": "keras.layers.Dense(2)\n",
        },
    ],
    "metadata": {},
    "nbformat": 4,
    "nbformat_minor": 5,
}

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="bytes file names: Linux")


@pytest.fixture
def tree(tmp_path):
    (tmp_path / os.fsdecode(b"caf\xe9.py")).write_text(LAYER_FILE)
    (tmp_path / "rue.py").write_bytes(
        b'# coding: raw_unicode_escape\nimport keras\nx = "\\udce1"\nkeras.layers.Dense(3)\n'
    )
    # json.dumps keeps the lone surrogate as the escape \udce1, as Jupyter writes it.
    (tmp_path / "nb.ipynb").write_text(json.dumps(SURROGATE_CELL))
    return tmp_path


EXPECTED = [
    ("caf\\xe9.py", "RL001", 2),
    ("nb.ipynb", "RL000", 2),
    ("rue.py", "RL000", 3),
]


@pytest.mark.parametrize("cache", [False, True], ids=["no-cache", "cached"])
def test_json(tree, cache):
    args = () if cache else ("--no-cache",)
    for _ in range(2 if cache else 1):  # a cached run answers from the cache the second time
        result = run_reglint("check", *args, "--format", "json", ".", cwd=tree)
        assert result.returncode == 1 and result.stderr == ""
        findings = json.loads(result.stdout)
        assert [(f["filename"], f["code"], f["location"]["row"]) for f in findings] == EXPECTED
    messages = [f["message"] for f in findings]
    assert "surrogates not allowed" in messages[1] and "surrogates not allowed" in messages[2]
    assert findings[1]["cell"] == 1
    result.stdout.encode("utf-8")  # valid UTF-8: no lone surrogate reaches the output


def test_text(tree):
    result = run_reglint("check", "--no-cache", ".", cwd=tree)
    assert result.returncode == 1 and "internal error" not in result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith("caf\\xe9.py:2:5: RL001 ")
    assert lines[1].startswith("nb.ipynb:cell 1:2:")
    assert "RL000 syntax error: (unicode error)" in lines[1]
    assert lines[2].startswith("rue.py:3:") and "surrogates not allowed" in lines[2]


def test_github(tree):
    result = run_reglint("check", "--no-cache", "--format", "github", ".", cwd=tree)
    assert result.returncode == 1 and result.stderr == ""
    lines = result.stdout.splitlines()
    assert lines[0].startswith("::error file=caf\\xe9.py,line=2,col=5,")
    assert len(lines) == 3


def test_sarif_keeps_the_file_name_bytes_in_the_uri(tree):
    result = run_reglint("check", "--no-cache", "--format", "sarif", ".", cwd=tree)
    assert result.returncode == 1 and result.stderr == ""
    results = json.loads(result.stdout)["runs"][0]["results"]
    uris = [r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in results]
    assert uris == ["caf%E9.py", "nb.ipynb", "rue.py"]
    assert [r["ruleId"] for r in results] == ["RL001", "RL000", "RL000"]


def test_error_lines_name_an_undecodable_file(tree):
    (tree / os.fsdecode(b"bin\xff.py")).write_bytes(b"import keras\x00\n")
    result = run_reglint("check", "--no-cache", "--format", "json", ".", cwd=tree)
    assert "internal error" not in result.stderr
    findings = json.loads(result.stdout)
    assert {f["filename"] for f in findings if f["code"] == "RL900"} == {"bin\\xff.py"}
    assert len(findings) == 4
