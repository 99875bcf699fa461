"""The ``reglint check`` command as a user runs it: output, exit codes, config."""

from __future__ import annotations

import json
import textwrap

from reglint_testing import run_reglint

BAD = "import tensorflow as tf\nm = tf.keras.Sequential([tf.keras.layers.Dense(3)])\n"
GOOD = (
    "import tensorflow as tf\n"
    "m = tf.keras.Sequential([tf.keras.layers.Dense(3, kernel_regularizer='l2')])\n"
)


def write(tmp_path, name, text):
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def test_text_output_and_exit_code_one(tmp_path):
    write(tmp_path, "bad.py", BAD)
    result = run_reglint("check", "bad.py", cwd=tmp_path)
    assert result.returncode == 1
    assert result.stdout.splitlines()[0] == (
        "bad.py:2:26: RL001 `Dense` is built without `kernel_regularizer`: "
        "its weights train unpenalized"
    )
    assert "Found 1 error." in result.stdout


def test_clean_file_exits_zero(tmp_path):
    write(tmp_path, "good.py", GOOD)
    result = run_reglint("check", "good.py", cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "All checks passed!" in result.stdout


def test_json_uses_ruff_field_names(tmp_path):
    write(tmp_path, "bad.py", BAD)
    result = run_reglint("check", "--format", "json", "bad.py", cwd=tmp_path)
    assert result.returncode == 1
    (item,) = json.loads(result.stdout)
    assert item["code"] == "RL001"
    assert item["filename"] == "bad.py"
    assert item["location"] == {"row": 2, "column": 26}
    assert item["end_location"] == {"row": 2, "column": 50}
    assert item["fix"]["edits"][0]["content"].endswith(
        "kernel_regularizer=tf.keras.regularizers.L2(0.0001))"
    )
    assert item["url"].endswith("RL001.md")


def test_github_annotations(tmp_path):
    write(tmp_path, "bad.py", BAD)
    result = run_reglint("check", "--format", "github", "bad.py", cwd=tmp_path)
    assert result.stdout.startswith(
        "::error file=bad.py,line=2,col=26,endLine=2,endColumn=50,title=RL001::RL001 `Dense`"
    )


def test_exit_zero_select_ignore_and_statistics(tmp_path):
    write(tmp_path, "bad.py", BAD)
    assert run_reglint("check", "--exit-zero", "bad.py", cwd=tmp_path).returncode == 0
    assert run_reglint("check", "--ignore", "RL001", "bad.py", cwd=tmp_path).returncode == 0
    assert run_reglint("check", "--select", "RL00", "bad.py", cwd=tmp_path).returncode == 1
    stats = run_reglint("check", "--statistics", "bad.py", cwd=tmp_path)
    # RL001's fix is unsafe: [*] only when --unsafe-fixes would apply it
    assert stats.stdout.split() == ["1", "RL001", "missing-kernel-regularizer"]
    stats = run_reglint("check", "--statistics", "--unsafe-fixes", "bad.py", cwd=tmp_path)
    assert stats.stdout.split() == ["1", "RL001", "[*]", "missing-kernel-regularizer"]


def test_unknown_selector_is_a_usage_error(tmp_path):
    write(tmp_path, "bad.py", BAD)
    result = run_reglint("check", "--select", "XYZ1", "bad.py", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.strip() == "reglint: error: unknown rule selector 'XYZ1'"


def test_pyproject_config_select_ignore_per_file_ignores_and_exclude(tmp_path):
    write(
        tmp_path,
        "pyproject.toml",
        textwrap.dedent("""
        [tool.reglint]
        extend-exclude = ["generated"]
        per-file-ignores = { "tests/*.py" = ["RL001"] }
    """),
    )
    write(tmp_path, "src/model.py", BAD)
    write(tmp_path, "tests/test_model.py", BAD)
    write(tmp_path, "generated/model.py", BAD)
    result = run_reglint("check", ".", "--format", "json", cwd=tmp_path)
    assert result.returncode == 1
    assert [f["filename"] for f in json.loads(result.stdout)] == ["src/model.py"]


def test_invalid_config_is_one_line_exit_two(tmp_path):
    write(tmp_path, "pyproject.toml", "[tool.reglint]\nselect = 3\n")
    write(tmp_path, "a.py", BAD)
    result = run_reglint("check", "a.py", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.strip() == (
        f"reglint: error: {tmp_path / 'pyproject.toml'}: [tool.reglint] select must be a list of"
        " strings"
    )
    write(tmp_path, "pyproject.toml", "[tool.reglint\n")
    result = run_reglint("check", "a.py", cwd=tmp_path)
    assert result.returncode == 2 and len(result.stderr.strip().splitlines()) == 1


def test_noqa_suppresses(tmp_path):
    write(
        tmp_path,
        "a.py",
        "import tensorflow as tf\n"
        "tf.keras.layers.Dense(3)  # noqa: RL001\n"
        "tf.keras.layers.Dense(3)  # noqa\n"
        "tf.keras.layers.Dense(3)  # noqa: RL002\n",
    )
    result = run_reglint("check", "a.py", "--format", "json", cwd=tmp_path)
    assert [f["location"]["row"] for f in json.loads(result.stdout)] == [4]


def test_findings_sorted_by_file_row_column(tmp_path):
    write(tmp_path, "b.py", BAD)
    write(
        tmp_path,
        "a.py",
        "import tensorflow as tf\n\ntf.keras.layers.Dense(1); "
        "tf.keras.layers.Conv2D(1, 3)\ntf.keras.layers.Dense(2)\n",
    )
    result = run_reglint("check", ".", "--format", "json", cwd=tmp_path)
    got = [
        (f["filename"], f["location"]["row"], f["location"]["column"])
        for f in json.loads(result.stdout)
    ]
    assert got == [("a.py", 3, 1), ("a.py", 3, 27), ("a.py", 4, 1), ("b.py", 2, 26)]


def test_rules_and_rule_commands():
    listing = run_reglint("rules")
    assert listing.returncode == 0
    assert "RL001  missing-kernel-regularizer" in listing.stdout
    doc = run_reglint("rule", "rl001")
    assert doc.returncode == 0
    assert doc.stdout.startswith("# RL001 missing-kernel-regularizer")
    assert "## Why is this bad?" in doc.stdout
    unknown = run_reglint("rule", "RL999")
    assert unknown.returncode == 2 and "unknown rule" in unknown.stderr


def test_parallel_and_serial_runs_agree(tmp_path):
    for i in range(40):
        write(tmp_path, f"pkg/m{i:02d}.py", BAD if i % 3 else GOOD)
    serial = run_reglint("check", ".", "--format", "json", "-j", "1", cwd=tmp_path)
    parallel = run_reglint("check", ".", "--format", "json", "-j", "2", cwd=tmp_path)
    assert serial.stdout == parallel.stdout
    assert len(json.loads(serial.stdout)) == 26


def test_fix_writes_and_second_fix_changes_nothing(tmp_path):
    path = write(tmp_path, "bad.py", BAD)
    plain = run_reglint("check", "--fix", "bad.py", cwd=tmp_path)
    assert plain.returncode == 1 and path.read_text() == BAD  # RL001's fix is unsafe
    result = run_reglint("check", "--fix", "--unsafe-fixes", "bad.py", cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "kernel_regularizer=tf.keras.regularizers.L2(0.0001)" in path.read_text()
    fixed = path.read_text()
    again = run_reglint("check", "--fix", "--unsafe-fixes", "bad.py", cwd=tmp_path)
    assert again.returncode == 0 and path.read_text() == fixed


def test_diff_writes_nothing(tmp_path):
    path = write(tmp_path, "bad.py", BAD)
    assert run_reglint("check", "--diff", "bad.py", cwd=tmp_path).stdout == ""  # unsafe only
    result = run_reglint("check", "--diff", "--unsafe-fixes", "bad.py", cwd=tmp_path)
    assert result.returncode == 1
    assert "+m = tf.keras.Sequential([tf.keras.layers.Dense(3, kernel_regularizer=" in result.stdout
    assert path.read_text() == BAD


def test_add_noqa_baselines_and_is_idempotent(tmp_path):
    text = (
        "import tensorflow as tf\n"
        "a = tf.keras.layers.Dense(3)  # first layer\n"
        's = """\n'
        "tf.keras.layers.Dense(3)\n"
        '"""\n'
    )
    path = write(tmp_path, "a.py", text)
    assert run_reglint("check", "--add-noqa", "a.py", cwd=tmp_path).returncode == 0
    baselined = path.read_text()
    assert baselined.splitlines()[1] == "a = tf.keras.layers.Dense(3)  # first layer  # noqa: RL001"
    assert run_reglint("check", "a.py", cwd=tmp_path).returncode == 0
    run_reglint("check", "--add-noqa", "a.py", cwd=tmp_path)
    assert path.read_text() == baselined


def test_json_streamed_per_file_equals_one_document(tmp_path):
    from reglint.findings import Finding, Location
    from reglint.formats.json_format import render, stream

    def finding(row):
        return Finding("RL001", "m", "a.py", Location(row, 1), Location(row, 5))

    chunks = [[finding(1), finding(2)], [], [finding(3)]]
    assert "".join(stream(chunks)) == render([f for c in chunks for f in c])
    assert "".join(stream([[], []])) == render([]) == "[]\n"


def test_reader_closing_the_pipe_is_not_an_error(tmp_path):
    import subprocess
    import sys

    for i in range(150):  # more output than a pipe buffers
        write(tmp_path, f"m{i:03d}.py", BAD)
    proc = subprocess.Popen(
        [sys.executable, "-m", "reglint", "check", "--format", "json", "-j", "1", "."],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    proc.stdout.readline()
    proc.stdout.close()
    _, err = proc.communicate(timeout=120)
    assert b"Traceback" not in err and b"internal error" not in err


def test_rules_all_lists_the_audit_checks_in_every_format():
    text = run_reglint("rules", "--all").stdout
    listed = json.loads(run_reglint("rules", "--all", "--format", "json").stdout)
    audit = [r["code"] for r in listed if r.get("audit")]
    assert audit == [f"RA00{i}" for i in range(1, 7)]
    assert all(f"{code}  " in text for code in audit)
    assert not any(
        r.get("audit") for r in json.loads(run_reglint("rules", "--format", "json").stdout)
    )
