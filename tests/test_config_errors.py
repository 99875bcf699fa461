"""A bad configuration is one line naming the file and the key, exit 2; never an
internal error nor a value ``--fix`` would write (issue 10, item 12)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from reglint.audit.command import audit
from reglint.audit.policy import MAX_SEED, load_audit_options
from reglint.cli import main
from reglint.config import ConfigError

BAD = "import keras\nlayer = keras.layers.Dense(3)\n"
DEEP = "[" * 5000 + "]" * 5000


def check(tmp_path: Path, *args: str, source: str | None = BAD):
    if source is not None:
        (tmp_path / "a.py").write_text(source)
    cwd = os.getcwd()
    os.chdir(tmp_path)
    try:
        return CliRunner().invoke(main, ["check", "--no-cache", *args, "a.py"])
    finally:
        os.chdir(cwd)


def one_error(result) -> str:
    assert result.exit_code == 2, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith("reglint: error: ") and "internal error" not in line
    return line


@pytest.mark.parametrize(
    ("toml", "expected"),
    [
        ("tool = 3", "pyproject.toml: [tool] must be a table"),
        ("[tool]\nreglint = 3", "pyproject.toml: [tool.reglint] must be a table"),
        (
            f"[tool.reglint]\nfix-factor = {'1' * 5000}",
            "pyproject.toml: invalid TOML: Exceeds the limit (4300 digits)",
        ),
        (f"[tool.reglint]\nselect = {DEEP}", "pyproject.toml: invalid TOML: nested too deeply"),
        (
            "[tool.reglint]\nfix-factor = nan",
            "[tool.reglint] fix-factor must be a finite number > 0",
        ),
        (
            "[tool.reglint]\nfix-factor = inf",
            "[tool.reglint] fix-factor must be a finite number > 0",
        ),
        ("[tool.reglint]\nfix-factor = -1e-4", "[tool.reglint] fix-factor must be a finite number"),
        ("[tool.reglint]\nfix-factor = 0", "[tool.reglint] fix-factor must be a finite number > 0"),
        (f"[tool.reglint]\nfix-factor = {'9' * 400}", "fix-factor must be a finite number > 0"),
        ("[tool.reglint]\nfactor-max = -inf", "[tool.reglint] factor-max must be a finite number"),
        ("[tool.reglint]\nfactor-min = 1e-2\nfactor-max = 1e-3", "factor-min is above factor-max"),
        (
            "[tool.reglint]\nfix-factor = 0.5\nfactor-max = 0.1",
            "[tool.reglint] fix-factor is outside factor-min..factor-max",
        ),
        ("[tool.reglint]\nfix-factor = '1e-4'", "[tool.reglint] fix-factor must be a number"),
        (
            "[tool.reglint]\nextend-exclude = ['[z-a]']",
            "[tool.reglint] extend-exclude: invalid glob '[z-a]'",
        ),
        ("[tool.reglint]\nexclude = ['build', 'x\\']", "[tool.reglint] exclude: invalid glob"),
        (
            "[tool.reglint.per-file-ignores]\n'!' = ['RL001']",
            "[tool.reglint] per-file-ignores: invalid glob '!'",
        ),
        ("[tool.reglint]\nper-file-ignores = 3", "[tool.reglint] per-file-ignores must be a table"),
        (
            "[tool.reglint.per-file-ignores]\n'tests/*' = [1]",
            "[tool.reglint] per-file-ignores.tests/* must be a list of strings",
        ),
        ("[tool.reglint]\nselect = 3", "[tool.reglint] select must be a list of strings"),
        ("[tool.reglint]\nrequire-recurrent = 1", "require-recurrent must be true or false"),
        ("[tool.reglint]\nnope = 1", "[tool.reglint] unknown key 'nope'"),
        ("[tool.reglint\n", "pyproject.toml: invalid TOML: "),
    ],
)
def test_bad_values_name_the_file_and_the_key(tmp_path, toml, expected):
    (tmp_path / "pyproject.toml").write_text(toml + "\n")
    line = one_error(check(tmp_path))
    assert str(tmp_path / "pyproject.toml") in line
    assert expected in line


def test_fix_factor_inside_the_range_is_what_fix_writes(tmp_path):
    (tmp_path / "pyproject.toml").write_text(
        "[tool.reglint]\nfix-factor = 1e-3\nfactor-min = 1e-4\nfactor-max = 1e-2\n"
    )
    result = check(tmp_path, "--fix", "--unsafe-fixes")
    assert result.exit_code == 0, result.output
    assert "L2(0.001)" in (tmp_path / "a.py").read_text()
    assert check(tmp_path, source=None).exit_code == 0  # the fix raised no RL003


def test_unreadable_pyproject_files(tmp_path):
    path = tmp_path / "pyproject.toml"
    path.write_bytes(b'[tool.reglint]\nselect = ["\xff"]\n')
    assert one_error(check(tmp_path)) == (
        f"reglint: error: {path}: not valid UTF-8 (invalid byte 0xff at offset 26)"
    )
    path.unlink()
    os.mkfifo(path)  # a FIFO is not a config file: the search goes on (none above here)
    assert check(tmp_path).exit_code == 1
    fifo = tmp_path / "fifo.toml"
    os.mkfifo(fifo)
    line = one_error(check(tmp_path, "--config", str(fifo)))
    assert line == f"reglint: error: cannot read {fifo}: not a regular file (a FIFO)"
    path.unlink()
    path.mkdir()  # a directory named pyproject.toml is not a config file either
    assert check(tmp_path).exit_code == 1


def test_a_config_file_given_with_config_names_itself(tmp_path):
    config = tmp_path / "reglint.toml"
    config.write_text("fix-factor = nan\n")
    line = one_error(check(tmp_path, "--config", str(config)))
    assert line == f"reglint: error: {config}: fix-factor must be a finite number > 0"


def test_invalid_command_line_globs(tmp_path):
    assert one_error(check(tmp_path, "--exclude", "[z-a]")).startswith(
        "reglint: error: --exclude: invalid glob '[z-a]'"
    )
    assert "--extend-exclude: invalid glob '!'" in one_error(
        check(tmp_path, "--extend-exclude", "!")
    )


# --- [tool.reglint.audit] -----------------------------------------------------


@pytest.mark.parametrize(
    ("toml", "expected"),
    [
        ("tool = 3", "[tool] must be a table"),
        ("[tool]\nreglint = []", "[tool.reglint] must be a table"),
        ("[tool.reglint]\naudit = 1", "[tool.reglint.audit] must be a table"),
        (f"[tool.reglint.audit]\nsteps = {'1' * 5000}", "invalid TOML: Exceeds the limit"),
        (f"[tool.reglint.audit]\nallow = {DEEP}", "invalid TOML: nested too deeply"),
        ("[tool.reglint.audit]\nsteps = 0", "[tool.reglint.audit] steps must be between 1 and"),
        ("[tool.reglint.audit]\nsteps = 101", "[tool.reglint.audit] steps must be between 1 and"),
        ("[tool.reglint.audit]\nbatch-size = 4096", "batch-size must be between 1 and 1024"),
        ("[tool.reglint.audit]\nsteps = 1.5", "[tool.reglint.audit] steps must be an integer"),
        ("[tool.reglint.audit]\nbatch-size = -4", "batch-size must be between 1 and"),
        ("[tool.reglint.audit]\nseed = -1", f"seed must be between 0 and {MAX_SEED}"),
        (f"[tool.reglint.audit]\nseed = {2**64}", f"seed must be between 0 and {MAX_SEED}"),
        ("[tool.reglint.audit]\ntrain = 'no'", "[tool.reglint.audit] train must be true or false"),
        ("[tool.reglint.audit]\nsteps = true", "[tool.reglint.audit] steps must be an integer"),
        ("[tool.reglint.audit]\nallow = 'head'", "allow must be a list of strings"),
        ("[tool.reglint.audit]\nunsafe = true", "[tool.reglint.audit] unknown key 'unsafe'"),
    ],
)
def test_audit_options_name_the_file_and_the_key(tmp_path, toml, expected):
    path = tmp_path / "pyproject.toml"
    path.write_text(toml + "\n")
    with pytest.raises(ConfigError) as info:
        load_audit_options(tmp_path)
    message = str(info.value)
    assert message.startswith(f"{path}: ") and expected in message
    assert "\n" not in message


def test_good_audit_options_are_read(tmp_path):
    (tmp_path / "pyproject.toml").write_text(
        f"[tool.reglint.audit]\nsteps = 2\nbatch-size = 1\nseed = {MAX_SEED}\nallow = ['head']\n"
    )
    options = load_audit_options(tmp_path)
    assert (options.steps, options.batch_size, options.seed, options.allow) == (
        2,
        1,
        MAX_SEED,
        ("head",),
    )


def test_audit_command_reports_a_bad_config_in_one_line(tmp_path, monkeypatch):
    """Before any model is touched (the model path need not even exist)."""
    (tmp_path / "pyproject.toml").write_text("tool = 3\n")
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(audit, ["--config-only", "model.keras"])
    assert result.exit_code == 2
    (line,) = result.stderr.strip().splitlines()
    assert str(tmp_path / "pyproject.toml") in line and "[tool] must be a table" in line


def test_the_auditor_reads_the_same_config_file_as_check(tmp_path):
    """A reglint.toml beside pyproject.toml wins for both halves; its tables are top level."""
    (tmp_path / "pyproject.toml").write_text("[tool.reglint.audit]\nsteps = 3\n")
    (tmp_path / "reglint.toml").write_text(
        "[audit]\nsteps = 2\nallow = ['head']\n[policy]\nexempt-outputs = true\n"
    )
    options = load_audit_options(tmp_path)
    assert (options.steps, options.allow, options.policy.exempt_outputs) == (2, ("head",), True)
    (tmp_path / "reglint.toml").write_text("[audit]\nsteps = 0\n")
    with pytest.raises(ConfigError) as info:
        load_audit_options(tmp_path)
    assert (
        str(info.value) == f"{tmp_path / 'reglint.toml'}: [audit] steps must be between 1 and 100"
    )
