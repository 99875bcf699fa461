"""Bad input gets one clear line and the right exit code, never a traceback,
and the other files are still linted. ``check`` never writes to a linted file."""

from __future__ import annotations

import json
import os
import sys

import pytest
from reglint_testing import run_as_nobody, run_reglint

BAD = "import tensorflow as tf\nm = tf.keras.Sequential([tf.keras.layers.Dense(3)])\n"


def lint_json(tmp_path, *paths):
    result = run_reglint("check", "--format", "json", *paths, cwd=tmp_path)
    assert "Traceback" not in result.stderr
    return result, json.loads(result.stdout or "[]")


def test_path_that_does_not_exist(tmp_path):
    (tmp_path / "bad.py").write_text(BAD)
    result, findings = lint_json(tmp_path, "missing.py", "bad.py")
    assert result.returncode == 2
    assert result.stderr.strip() == "reglint: error: missing.py: no such file or directory"
    assert [f["filename"] for f in findings] == ["bad.py"]


def test_directory_without_python_files(tmp_path):
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "notes.txt").write_text("Dense(3)")
    result = run_reglint("check", "data", cwd=tmp_path)
    assert result.returncode == 0
    assert result.stderr.strip() == "reglint: warning: no Python files or notebooks found"


def test_syntax_error_is_rl000_and_other_files_still_linted(tmp_path):
    (tmp_path / "broken.py").write_text("import keras\nkeras.layers.Dense(3\n")
    (tmp_path / "bad.py").write_text(BAD)
    result, findings = lint_json(tmp_path, ".")
    assert result.returncode == 1
    assert [(f["filename"], f["code"]) for f in findings] == [
        ("bad.py", "RL001"),
        ("broken.py", "RL000"),
    ]
    assert findings[1]["location"] == {"row": 2, "column": 19}


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("latin.py", b"import keras\nname = '\xe9t\xe9'\n", "not valid utf-8 text"),
        ("binary.py", bytes(range(256)) * 4, "binary file"),
    ],
)
def test_undecodable_files_are_rl900_findings(tmp_path, name, data, message):
    (tmp_path / name).write_bytes(data)
    (tmp_path / "bad.py").write_text(BAD)
    result, findings = lint_json(tmp_path, ".")
    assert result.stderr == ""
    assert [(f["filename"], f["code"]) for f in findings] == [("bad.py", "RL001"), (name, "RL900")]
    assert message in findings[1]["message"] and "\n" not in findings[1]["message"]
    assert result.returncode == 1
    alone = run_reglint("check", name, cwd=tmp_path)
    assert alone.returncode == 1 and "All checks passed" not in alone.stdout + alone.stderr


def test_pep263_coding_cookie_is_honoured(tmp_path):
    (tmp_path / "latin.py").write_bytes(
        b"# -*- coding: latin-1 -*-\nimport keras\nname = '\xe9'; keras.layers.Dense(3)\n"
    )
    _result, findings = lint_json(tmp_path, "latin.py")
    assert [(f["location"]["row"], f["location"]["column"]) for f in findings] == [(3, 13)]


def test_empty_file(tmp_path):
    (tmp_path / "empty.py").write_text("")
    result = run_reglint("check", "empty.py", cwd=tmp_path)
    assert result.returncode == 0 and result.stderr == ""


def test_bom_and_crlf_keep_positions_and_fix_keeps_them(tmp_path):
    path = tmp_path / "crlf.py"
    path.write_bytes(b"\xef\xbb\xbf" + BAD.replace("\n", "\r\n").encode())
    _result, findings = lint_json(tmp_path, "crlf.py")
    assert [(f["location"]["row"], f["location"]["column"]) for f in findings] == [(2, 26)]
    assert run_reglint("check", "--fix", "--unsafe-fixes", "crlf.py", cwd=tmp_path).returncode == 0
    data = path.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    assert b"\r\n" in data and b"\n" not in data.replace(b"\r\n", b"")
    assert b"kernel_regularizer=tf.keras.regularizers.L2(0.0001)" in data


def test_five_megabyte_file(tmp_path):
    """A generated module: a weight table in comments, a data list, many layers."""
    table = "".join(f"# weight row {i}: " + "0.125, " * 20 + "\n" for i in range(33000))
    data = "WEIGHTS = [\n" + "".join(f"    {i}.5,\n" for i in range(2000)) + "]\n"
    layers = "".join(
        f"x_{i} = tf.keras.layers.Dense({i}, kernel_regularizer='l2')\n" for i in range(500)
    )
    text = "import tensorflow as tf\n" + table + data + layers + "last = tf.keras.layers.Dense(1)\n"
    assert len(text) > 5 * 1024 * 1024
    (tmp_path / "huge.py").write_text(text)
    _result, findings = lint_json(tmp_path, "huge.py")
    assert [(f["code"], f["location"]["row"]) for f in findings] == [("RL001", text.count("\n"))]


def test_symlink_loops(tmp_path):
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "bad.py").write_text(BAD)
    os.symlink("..", tmp_path / "pkg" / "loop")
    os.symlink("self.py", tmp_path / "self.py")
    result, findings = lint_json(tmp_path, ".")
    assert sorted((f["filename"], f["code"]) for f in findings) == [
        ("pkg/bad.py", "RL001"),
        ("self.py", "RL900"),
    ]
    assert result.stderr == ""


def _check_as_nobody(directory, *args):
    """``reglint check ARGS`` as 'nobody' (root reads every file); (exit code, stdout, stderr)."""
    return run_as_nobody(directory, ["check", "--no-cache", *args], ["check", *args])


def test_unreadable_file():
    import shutil
    import tempfile

    directory = tempfile.mkdtemp()
    try:
        os.chmod(directory, 0o755)
        secret = os.path.join(directory, "secret.py")
        with open(secret, "w") as fh:
            fh.write(BAD)
        os.chmod(secret, 0)
        with open(os.path.join(directory, "bad.py"), "w") as fh:
            fh.write(BAD)
        code, out, err = _check_as_nobody(
            directory, "--format", "json", "-j", "1", "--no-cache", "secret.py", "bad.py"
        )
        assert err.strip() == ""
        findings = {f["filename"]: (f["code"], f["message"]) for f in json.loads(out)}
        assert findings["bad.py"][0] == "RL001"
        assert findings["secret.py"] == ("RL900", "cannot read the file: Permission denied")
        assert len(findings) == 2
        assert code == 1
    finally:
        shutil.rmtree(directory)


def test_check_never_writes_to_linted_files(tmp_path):
    files = {"bad.py": BAD, "broken.py": "import keras\nkeras.layers.Dense(\n"}
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    before = {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in tmp_path.glob("*.py")}
    run_reglint("check", ".", cwd=tmp_path)
    run_reglint("check", "--diff", "--unsafe-fixes", ".", cwd=tmp_path)
    after = {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in tmp_path.glob("*.py")}
    assert before == after


def test_check_never_imports_tensorflow(tmp_path):
    (tmp_path / "bad.py").write_text(BAD)
    probe = (
        "import sys, runpy\n"
        "sys.argv = ['reglint', 'check', 'bad.py']\n"
        "try:\n    runpy.run_module('reglint', run_name='__main__')\n"
        "except SystemExit:\n    pass\n"
        "heavy = sorted(m for m in sys.modules if m.split('.')[0] in "
        "('tensorflow', 'keras', 'tf_keras', 'numpy', 'h5py'))\n"
        "print('IMPORTED', heavy)\n"
    )
    import subprocess

    out = subprocess.run(
        [sys.executable, "-c", probe], cwd=tmp_path, capture_output=True, text=True, timeout=120
    )
    assert "IMPORTED []" in out.stdout, out.stdout + out.stderr
    assert "RL001" in out.stdout
