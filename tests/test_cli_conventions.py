"""The conventions ruff users reach for: --output-format, .gitignore,
--show-settings/--show-files, reglint.toml, --config in either form, RL011
(unused noqa), --diff with a machine format, and the API using the CLI's config."""

from __future__ import annotations

import json
import subprocess
import sys

from reglint_testing import run_reglint

import reglint

BAD = "import tensorflow as tf\nm = tf.keras.Sequential([tf.keras.layers.Dense(3)])\n"


def write(root, name, text):
    path = root / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def check(root, *args):
    return run_reglint("check", "--no-cache", *args, cwd=root)


# --- output format ------------------------------------------------------------


def test_output_format_option_config_key_and_the_format_alias(tmp_path):
    write(tmp_path, "bad.py", BAD)
    long = check(tmp_path, "--output-format", "json", "bad.py")
    alias = check(tmp_path, "--format", "json", "bad.py")
    assert long.stdout == alias.stdout and json.loads(long.stdout)[0]["code"] == "RL001"
    write(tmp_path, "reglint.toml", 'output-format = "github"\n')
    assert check(tmp_path, "bad.py").stdout.startswith("::error file=bad.py,")
    assert json.loads(check(tmp_path, "--output-format", "json", "bad.py").stdout)
    write(tmp_path, "reglint.toml", 'output-format = "xml"\n')
    bad_key = check(tmp_path, "bad.py")
    assert bad_key.returncode == 2 and "output-format must be one of" in bad_key.stderr


def test_diff_with_a_machine_format_is_a_usage_error(tmp_path):
    write(tmp_path, "m.py", "import tensorflow as tf\nr = tf.keras.regularizers.l2(l=1e-4)\n")
    for fmt in ("json", "sarif", "github"):
        result = check(tmp_path, "--diff", "--output-format", fmt, "m.py")
        assert result.returncode == 2
        assert "--diff prints a unified diff" in result.stderr
    # a configured format is a default: --diff prints its diff
    write(tmp_path, "reglint.toml", 'output-format = "json"\n')
    diff = check(tmp_path, "--diff", "m.py")
    assert diff.returncode == 1 and diff.stdout.startswith("--- m.py\n+++ m.py\n")


# --- .gitignore -----------------------------------------------------------------


def _repo(tmp_path, git=True):
    for name in (
        "a.py",
        "build_out/gen.py",
        "ignored/m.py",
        "sub/drop.py",
        "sub/keep.py",
        "sub/deep/x.py",
        "local.py",
    ):
        write(tmp_path, name, BAD)
    write(tmp_path, ".gitignore", "ignored/\nbuild_*/\n")
    write(tmp_path, "sub/.gitignore", "*.py\n!keep.py\n")
    if git:
        subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
        write(tmp_path, ".git/info/exclude", "local.py\n")


def files(result):
    assert result.returncode == 0, result.stderr
    return result.stdout.splitlines()


def test_gitignore_is_respected_in_a_git_work_tree(tmp_path):
    _repo(tmp_path)
    assert files(check(tmp_path, "--show-files")) == ["a.py", "sub/keep.py"]
    assert files(check(tmp_path, "--show-files", "sub")) == ["sub/keep.py"]
    assert files(check(tmp_path, "--show-files", "--no-respect-gitignore")) == [
        "a.py",
        "local.py",
        "build_out/gen.py",
        "ignored/m.py",
        "sub/drop.py",
        "sub/keep.py",
        "sub/deep/x.py",
    ]
    # what git itself says
    listed = subprocess.run(
        ["git", "ls-files", "--others", "--exclude-standard"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    assert sorted(p for p in listed if p.endswith(".py")) == ["a.py", "sub/keep.py"]
    # a file named explicitly is linted whatever .gitignore says, as in ruff
    assert check(tmp_path, "ignored/m.py").returncode == 1
    # and the lint itself skips the ignored files
    result = check(tmp_path, "--output-format", "json", ".")
    assert sorted(f["filename"] for f in json.loads(result.stdout)) == ["a.py", "sub/keep.py"]


def test_respect_gitignore_config_key(tmp_path):
    _repo(tmp_path)
    write(tmp_path, "reglint.toml", "respect-gitignore = false\n")
    assert len(files(check(tmp_path, "--show-files"))) == 7
    assert files(check(tmp_path, "--show-files", "--respect-gitignore")) == ["a.py", "sub/keep.py"]


def test_gitignore_outside_a_git_work_tree_is_not_read(tmp_path):
    """As ruff, whose walker applies .gitignore files only inside a repository."""
    _repo(tmp_path, git=False)
    assert len(files(check(tmp_path, "--show-files"))) == 7


# --- --show-files / --show-settings --------------------------------------------


def test_show_files_and_a_missing_path(tmp_path):
    write(tmp_path, "pkg/a.py", BAD)
    write(tmp_path, "pkg/b.ipynb", "{}")
    write(tmp_path, "pkg/notes.txt", "")
    assert files(check(tmp_path, "--show-files", "pkg")) == ["pkg/a.py", "pkg/b.ipynb"]
    missing = check(tmp_path, "--show-files", "pkg", "nope.py")
    assert missing.returncode == 2 and "nope.py: no such file or directory" in missing.stderr


def test_show_settings_for_the_first_file(tmp_path):
    write(tmp_path, "src/m.py", BAD)
    config = write(
        tmp_path,
        "pyproject.toml",
        '[tool.reglint]\nextend-select = ["RL009"]\n'
        'per-file-ignores = { "src/*" = ["RL001"] }\nfactor-max = 0.1\n',
    )
    result = check(tmp_path, "--show-settings", "--ignore", "RL004", "src")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "Resolved settings for: src/m.py"
    assert lines[1] == f"Settings path: {config}"
    assert 'ignore = ["RL004"]' in lines
    assert 'per-file-ignores = {"src/*": ["RL001"]}' in lines
    assert "factor-max = 0.1" in lines
    enabled = json.loads(
        next(line for line in lines if line.startswith("enabled-rules")).split("=")[1]
    )
    assert "RL009" in enabled and "RL001" not in enabled and "RL004" not in enabled


# --- reglint.toml and --config ----------------------------------------------------


def test_reglint_toml_beats_pyproject_and_dot_reglint_toml_beats_both(tmp_path):
    write(tmp_path, "bad.py", BAD)
    write(tmp_path, "pyproject.toml", '[tool.reglint]\nignore = ["RL001"]\n')
    assert check(tmp_path, "bad.py").returncode == 0
    write(tmp_path, "reglint.toml", "ignore = []\n")
    assert check(tmp_path, "bad.py").returncode == 1
    write(tmp_path, ".reglint.toml", 'ignore = ["RL00"]\n')
    assert check(tmp_path, "bad.py").returncode == 0
    # the nearest directory wins, whatever the file's name
    write(tmp_path, "pkg/pyproject.toml", "[tool.reglint]\n")
    write(tmp_path, "pkg/bad.py", BAD)
    assert check(tmp_path, "pkg/bad.py").returncode == 1


def test_reglint_toml_keys_are_top_level_and_errors_name_the_file(tmp_path):
    write(tmp_path, "bad.py", BAD)
    write(tmp_path, "reglint.toml", 'select = ["RL0"]\nunknown-key = 1\n')
    result = check(tmp_path, "bad.py")
    assert result.returncode == 2
    assert result.stderr.strip() == (
        f"reglint: error: {tmp_path / 'reglint.toml'}: unknown key 'unknown-key'"
    )


def test_config_file_in_either_form(tmp_path):
    write(tmp_path, "bad.py", BAD)
    write(tmp_path, "top.toml", 'ignore = ["RL001"]\n')
    write(tmp_path, "tool.toml", '[tool.reglint]\nignore = ["RL001"]\n[tool.other]\nx = 1\n')
    write(tmp_path, "cfg/pyproject.toml", '[tool.reglint]\nignore = ["RL001"]\n')
    for config in ("top.toml", "tool.toml", "cfg/pyproject.toml"):
        result = check(tmp_path, "--config", config, "bad.py")
        assert result.returncode == 0, (config, result.stderr)
    assert check(tmp_path, "bad.py").returncode == 1


# --- RL011 unused-noqa --------------------------------------------------------------

NOQA = (
    "from keras import layers\n"
    "a = layers.Dropout(0.5)  # noqa: RL001\n"
    "b = layers.Dense(3)  # noqa: RL001, RL004, E501\n"
    "c = 1  # noqa: E501\n"
)


def test_unused_noqa_is_opt_in_and_fixes_safely(tmp_path):
    path = write(tmp_path, "m.py", NOQA)
    assert check(tmp_path, "m.py").returncode == 0
    result = check(tmp_path, "--extend-select", "RL011", "m.py")
    assert result.returncode == 1
    assert result.stdout.splitlines()[:2] == [
        "m.py:2:26: RL011 [*] unused `noqa` directive (unused: `RL001`)",
        "m.py:3:22: RL011 [*] unused `noqa` directive (unused: `RL004`)",
    ]
    fixed = check(tmp_path, "--extend-select", "RL011", "--fix", "m.py")
    assert fixed.returncode == 0, fixed.stdout
    assert path.read_text() == (
        "from keras import layers\n"
        "a = layers.Dropout(0.5)\n"
        "b = layers.Dense(3)  # noqa: RL001, E501\n"
        "c = 1  # noqa: E501\n"
    )


def test_unused_noqa_names_non_enabled_and_unknown_codes(tmp_path):
    write(tmp_path, "m.py", "x = 1  # noqa: RL009, RL999\n")
    result = check(tmp_path, "--extend-select", "RL011", "m.py")
    assert "(non-enabled: `RL009`; unknown: `RL999`)" in result.stdout


def test_a_noqa_comment_alone_never_imports_libcst():
    """With RL011 off or on, a file whose other triggers do not match is not parsed."""
    probe = (
        "import sys\n"
        "from reglint.config import Settings\n"
        "from reglint.engine import lint_source\n"
        "text = 'x = 1  # noqa: RL001\\n'\n"
        "off = lint_source(text, 'm.py', Settings())\n"
        "on = lint_source(text, 'm.py', Settings(extend_select=('RL011',)))\n"
        "print([f.code for f in off], [f.code for f in on], 'libcst' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["[]", "['RL011']", "False"]


# --- the API ----------------------------------------------------------------------------


def test_lint_source_applies_the_configuration_of_its_path(tmp_path):
    write(
        tmp_path, "pyproject.toml", '[tool.reglint]\nper-file-ignores = { "gen/*" = ["RL001"] }\n'
    )
    generated = str(tmp_path / "gen" / "m.py")  # need not exist
    assert reglint.lint_source(BAD, generated) == []
    assert [f.code for f in reglint.lint_source(BAD, str(tmp_path / "src" / "m.py"))] == ["RL001"]
    # explicit settings win; without a path, the defaults
    from reglint.config import Settings

    assert [f.code for f in reglint.lint_source(BAD, generated, Settings())] == ["RL001"]
    assert [f.code for f in reglint.lint_source(BAD, settings=Settings())] == ["RL001"]
    assert [f.code for f in reglint.lint_source(BAD)] == ["RL001"]
