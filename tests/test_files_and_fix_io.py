"""Only regular files are read, with one size limit; ``--fix`` never aborts the
run nor replaces a symlink: a file it cannot write costs one line and exit 2
(issue 10, items 9 and 11)."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from click.testing import CliRunner
from reglint_testing import run_as_nobody, run_reglint

import reglint.runner as runner
import reglint.source
from reglint.cli import main

BAD = "import keras\nlayer = keras.layers.Dense(3)\n"
FIXED = "kernel_regularizer=keras.regularizers.L2(0.0001)"


#: Seconds after which a command or a read counts as hung.
HANG_S = 60


def check(tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    """``reglint check`` in a subprocess, as a user runs it; a hang fails the test."""
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    env.pop("REGLINT_DEBUG", None)
    result = subprocess.run(
        [sys.executable, "-m", "reglint", "check", "--no-cache", "-j", "1", *args],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=HANG_S,
    )
    assert "Traceback" not in result.stderr and "internal error" not in result.stderr
    return result


def errors(result) -> list[str]:
    return result.stderr.strip().splitlines()


def io_errors(findings: list[dict]) -> dict[str, str]:
    """File name -> message of the RL900 findings (files that could not be read)."""
    return {f["filename"]: f["message"] for f in findings if f["code"] == "RL900"}


def test_a_fifo_named_on_the_command_line_is_refused_without_blocking(tmp_path):
    (tmp_path / "bad.py").write_text(BAD)
    os.mkfifo(tmp_path / "x.py")
    result = check(tmp_path, "--format", "json", "x.py", "bad.py")
    findings = json.loads(result.stdout)
    assert io_errors(findings) == {"x.py": "cannot read the file: not a regular file (a FIFO)"}
    assert [f["filename"] for f in findings if f["code"] != "RL900"] == ["bad.py"]
    assert result.returncode == 1


def test_special_files_in_a_walk_are_skipped(tmp_path):
    """A FIFO, a socket, a link to a device and a link loop to a directory."""
    (tmp_path / "bad.py").write_text(BAD)
    os.mkfifo(tmp_path / "fifo.py")
    os.symlink("/dev/zero", tmp_path / "zero.ipynb")
    os.symlink("/dev/null", tmp_path / "null.py")
    os.symlink(".", tmp_path / "loop.py")
    with socket.socket(socket.AF_UNIX) as sock:
        sock.bind(str(tmp_path / "sock.py"))
        result = check(tmp_path, "--format", "json", ".")
    assert result.stderr == ""
    assert [f["filename"] for f in json.loads(result.stdout)] == ["bad.py"]
    assert result.returncode == 1


@pytest.mark.parametrize(
    ("name", "target", "kind"),
    [
        ("zero.ipynb", "/dev/zero", "a character device"),
        ("null.py", "/dev/null", "a character device"),
        ("dir.py", ".", None),  # a directory is walked, not read
    ],
)
def test_special_files_named_on_the_command_line(tmp_path, name, target, kind):
    (tmp_path / "bad.py").write_text(BAD)
    os.symlink(target, tmp_path / name)
    result = check(tmp_path, "--format", "json", name, "bad.py")
    findings = json.loads(result.stdout)
    assert result.stderr == ""
    expected = {} if kind is None else {name: f"cannot read the file: not a regular file ({kind})"}
    assert io_errors(findings) == expected
    assert "bad.py" in {f["filename"] for f in findings}


def test_a_socket_named_on_the_command_line(tmp_path):
    (tmp_path / "bad.py").write_text(BAD)
    with socket.socket(socket.AF_UNIX) as sock:
        sock.bind(str(tmp_path / "s.py"))
        result = check(tmp_path, "--format", "json", "s.py", "bad.py")
    findings = json.loads(result.stdout)
    assert io_errors(findings) == {"s.py": "cannot read the file: not a regular file (a socket)"}
    assert result.returncode == 1


def test_a_file_swapped_for_a_fifo_after_the_walk_does_not_hang(tmp_path):
    """The race: the walk saw a regular file; the read must fstat what it opened."""
    fifo = tmp_path / "late.py"
    os.mkfifo(fifo)
    with no_hang(), pytest.raises(reglint.source.SourceError, match="not a regular file"):
        runner._read(str(fifo))
    real_stat = os.stat

    def stat_says_regular(path, *args, **kwargs):
        # what the first stat saw before the file was swapped for the FIFO
        return real_stat(tmp_path / "bad.py") if str(path) == str(fifo) else real_stat(path)

    (tmp_path / "bad.py").write_text(BAD)
    os.stat = stat_says_regular
    try:
        with (
            no_hang(),
            pytest.raises(reglint.source.SourceError, match=r"not a regular file \(a FIFO\)"),
        ):
            runner._read(str(fifo))
    finally:
        os.stat = real_stat


@contextlib.contextmanager
def no_hang():
    """Fail, rather than block forever, on an in-process read that hangs."""

    def hung(*_):
        raise TimeoutError("the read blocked")

    previous = signal.signal(signal.SIGALRM, hung)
    signal.alarm(HANG_S)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def test_notebooks_have_the_size_limit_of_sources(tmp_path, monkeypatch):
    monkeypatch.setattr(reglint.source, "MAX_BYTES", 1000)
    cell = {"cell_type": "code", "metadata": {}, "source": ["x = 1\n" * 200], "outputs": []}
    notebook = {"cells": [cell], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    (tmp_path / "big.ipynb").write_text(json.dumps(notebook))
    result = runner.lint_file(str(tmp_path / "big.ipynb"), runner.Settings(root=tmp_path))
    assert result.error == "file larger than 0 MB, skipped"
    small = {**notebook, "cells": [{**cell, "source": ["x = 1\n"]}]}
    (tmp_path / "big.ipynb").write_text(json.dumps(small))
    assert (
        runner.lint_file(str(tmp_path / "big.ipynb"), runner.Settings(root=tmp_path)).error is None
    )


# --- --fix ------------------------------------------------------------------


def test_fix_writes_through_a_symlink_and_keeps_the_link(tmp_path):
    (tmp_path / "real").mkdir()
    target = tmp_path / "real" / "model.py"
    target.write_text(BAD)
    os.symlink("real/model.py", tmp_path / "link.py")
    diff = check(tmp_path, "--diff", "--unsafe-fixes", "link.py")
    assert diff.returncode == 1 and FIXED in diff.stdout and target.read_text() == BAD
    result = check(tmp_path, "--fix", "--unsafe-fixes", "link.py")
    assert result.returncode == 0, result.stderr
    assert os.path.islink(tmp_path / "link.py")
    assert os.readlink(tmp_path / "link.py") == "real/model.py"
    assert FIXED in target.read_text()
    assert not list(tmp_path.glob("**/*.reglint-tmp"))


def test_fix_of_one_file_reached_twice_writes_it_once_without_error(tmp_path):
    """The link and its target in one walk; a pool run reads both before writing."""
    for i in range(20):  # enough files for the process pool
        (tmp_path / f"m{i:02}.py").write_text(BAD)
    os.symlink("m00.py", tmp_path / "alias.py")
    result = run_reglint(
        "check", "--no-cache", "-j", "2", "--fix", "--unsafe-fixes", ".", cwd=tmp_path
    )
    assert result.returncode == 0 and result.stderr == "", result.stderr
    assert (tmp_path / "m00.py").read_text().count("kernel_regularizer") == 1
    assert os.path.islink(tmp_path / "alias.py")


def test_add_noqa_writes_through_a_symlink(tmp_path):
    (tmp_path / "model.py").write_text(BAD)
    os.symlink("model.py", tmp_path / "link.py")
    result = check(tmp_path, "--add-noqa", "link.py")
    assert result.returncode == 0, result.stderr
    assert os.path.islink(tmp_path / "link.py")
    assert "# noqa: RL001" in (tmp_path / "model.py").read_text()


def test_a_file_deleted_during_fix_costs_one_line_and_the_others_are_fixed(tmp_path, monkeypatch):
    for name in ("a.py", "gone.py", "z.py"):
        (tmp_path / name).write_text(BAD)
    real_lint = runner._lint_data

    def lint_then_delete(path, *args):
        result = real_lint(path, *args)
        if path.endswith("gone.py"):
            os.unlink(path)  # another process removes it before the fix is written
        return result

    monkeypatch.setattr(runner, "_lint_data", lint_then_delete)
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(
        main, ["check", "--no-cache", "-j", "1", "--fix", "--unsafe-fixes", "--format", "json", "."]
    )
    assert result.exit_code == 2
    assert result.stderr.strip() == (
        "reglint: error: gone.py: cannot write the fixes: No such file or directory; not fixed"
    )
    assert FIXED in (tmp_path / "a.py").read_text() and FIXED in (tmp_path / "z.py").read_text()
    # the findings of the file that could not be fixed are still reported
    assert [f["filename"] for f in json.loads(result.stdout)] == ["gone.py"]


def test_a_file_changed_during_fix_is_left_alone_and_reported(tmp_path, monkeypatch):
    for name in ("a.py", "edited.py"):
        (tmp_path / name).write_text(BAD)
    real_lint = runner._lint_data

    def lint_then_edit(path, *args):
        result = real_lint(path, *args)
        if path.endswith("edited.py"):
            Path(path).write_text(BAD + "# edited\n")
        return result

    monkeypatch.setattr(runner, "_lint_data", lint_then_edit)
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(
        main, ["check", "--no-cache", "-j", "1", "--fix", "--unsafe-fixes", "."]
    )
    assert result.exit_code == 2
    assert result.stderr.strip() == "reglint: error: edited.py: changed while linting; not fixed"
    assert (tmp_path / "edited.py").read_text() == BAD + "# edited\n"
    assert FIXED in (tmp_path / "a.py").read_text()


@pytest.fixture
def shared_dir():
    """A directory outside pytest's root-only tmp tree, so that 'nobody' can enter it."""
    if os.geteuid() != 0:
        pytest.skip("needs root to switch to an unprivileged user")
    directory = tempfile.mkdtemp()
    os.chmod(directory, 0o755)
    yield directory
    shutil.rmtree(directory)


def test_unwritable_files_cost_one_line_each_and_the_rest_are_fixed(shared_dir):
    """A read-only file in a writable folder, and a writable file in a read-only folder."""
    root = Path(shared_dir)
    (root / "open").mkdir(mode=0o777)
    (root / "open").chmod(0o777)
    (root / "locked").mkdir()
    for rel in ("open/a.py", "open/readonly.py", "locked/mine.py", "open/z.py"):
        (root / rel).write_text(BAD)
        if rel != "open/readonly.py":
            os.chown(root / rel, 65534, 65534)
    os.chmod(root / "open/readonly.py", 0o644)  # root's: 'nobody' may read, not write
    args = ["--no-cache", "-j", "1", "--unsafe-fixes", "--format", "json", "open", "locked"]
    code, out, err = run_as_nobody(
        shared_dir,
        ["check", "--no-cache", "--diff", "--unsafe-fixes", "open", "locked"],
        ["check", "--fix", *args],
    )
    assert sorted(err.strip().splitlines()) == [
        "reglint: error: locked/mine.py: cannot write the fixes: Permission denied; not fixed",
        "reglint: error: open/readonly.py: cannot write the fixes: Permission denied; not fixed",
    ]
    assert code == 2
    assert FIXED in (root / "open/a.py").read_text() and FIXED in (root / "open/z.py").read_text()
    assert (root / "open/readonly.py").read_text() == BAD
    assert (root / "locked/mine.py").read_text() == BAD
    assert sorted(f["filename"] for f in json.loads(out)) == ["locked/mine.py", "open/readonly.py"]
    assert not list(root.glob("**/*.reglint-tmp"))


def test_add_noqa_on_an_unwritable_file_costs_one_line_and_the_rest_get_theirs(shared_dir):
    root = Path(shared_dir)
    for name in ("a.py", "readonly.py"):
        (root / name).write_text(BAD)
    os.chown(root / "a.py", 65534, 65534)
    os.chmod(root / "readonly.py", 0o644)  # root's: 'nobody' may read, not write
    os.chmod(root, 0o777)
    args = ["--no-cache", "-j", "1", "a.py", "readonly.py"]
    code, _, err = run_as_nobody(shared_dir, ["check", *args], ["check", "--add-noqa", *args])
    assert err.splitlines()[0] == (
        "reglint: error: readonly.py: cannot write the noqa comments: Permission denied; "
        "not changed"
    )
    assert "internal error" not in err
    assert code == 2
    assert "# noqa: RL001" in (root / "a.py").read_text()
    assert (root / "readonly.py").read_text() == BAD
