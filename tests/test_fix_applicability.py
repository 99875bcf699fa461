"""Fix applicability as in ruff, through the real CLI: every fix is ``safe`` or
``unsafe``; ``--fix`` applies the safe ones, ``--unsafe-fixes`` the others too;
``[*]``, the summary, ``--show-fixes``, ``--fix-only``, ``--exit-non-zero-on-fix``."""

from __future__ import annotations

import json
from pathlib import Path

from reglint_testing import run_reglint

#: One finding per line; the comment says the fix's applicability.
MIXED = """\
import numpy as np
from keras import layers, regularizers

layers.Dense(4)  # RL001 unsafe: adds a penalty
layers.Dense(4, kernel_regularizer=regularizers.l2)  # RL002 unsafe: 0.01 -> 1e-4
layers.Dense(4, kernel_regularizer=regularizers.L2('0.01'))  # RL002 safe: the number written
layers.Dense(4, kernel_regularizer=regularizers.L2(np.float32(0.01)))  # RL002 safe: unwrapped
layers.Dense(4, kernel_regularizer=regularizers.l2(l=0.01))  # RL004 safe: rename
layers.Dense(4, kernel_regulariser='l2')  # RL007 safe: spelling
layers.Dense(4, W_regularizer='l2')  # RL007 safe: Keras 1's name
layers.DepthwiseConv2D(3, kernel_regularizer='l2')  # RL007 unsafe: another weight
layers.Dense(4, regularizer='l2')  # RL007 unsafe: a guess
for layer in model.layers:
    layer.add_loss(lambda: regularizers.L2(1e-4)(layer.kernel))  # RL008 unsafe
"""
EXPECTED = {
    4: ("RL001", "unsafe"),
    5: ("RL002", "unsafe"),
    6: ("RL002", "safe"),
    7: ("RL002", "safe"),
    8: ("RL004", "safe"),
    9: ("RL007", "safe"),
    10: ("RL007", "safe"),
    11: ("RL007", "unsafe"),
    12: ("RL007", "unsafe"),
    14: ("RL008", "unsafe"),
}
SAFE = sum(1 for _, a in EXPECTED.values() if a == "safe")
UNSAFE = len(EXPECTED) - SAFE


def _check(tmp_path: Path, *args: str, text: str = MIXED):
    (tmp_path / "m.py").write_text(text, encoding="utf-8")
    return run_reglint("check", "--no-cache", *args, "m.py", cwd=tmp_path)


def test_every_fix_says_whether_it_is_safe(tmp_path) -> None:
    result = _check(tmp_path, "--format", "json")
    got = {
        f["location"]["row"]: (f["code"], f["fix"]["applicability"])
        for f in json.loads(result.stdout)
        if f["fix"] is not None
    }
    assert got == EXPECTED


def test_text_marks_what_fix_would_fix_and_counts_the_hidden_fixes(tmp_path) -> None:
    result = _check(tmp_path)
    lines = result.stdout.splitlines()
    marked = {int(line.split(":")[1]) for line in lines if " [*] " in line}
    assert marked == {row for row, (_, a) in EXPECTED.items() if a == "safe"}
    assert lines[-1] == (
        f"[*] {SAFE} fixable with the `--fix` option ({UNSAFE} hidden fixes can be "
        "enabled with the `--unsafe-fixes` option)."
    )
    unsafe = _check(tmp_path, "--unsafe-fixes")
    marked = {int(line.split(":")[1]) for line in unsafe.stdout.splitlines() if " [*] " in line}
    assert marked == set(EXPECTED)
    assert unsafe.stdout.splitlines()[-1] == f"[*] {len(EXPECTED)} fixable with the `--fix` option."


def test_fix_applies_safe_fixes_and_unsafe_ones_only_when_asked(tmp_path) -> None:
    result = _check(tmp_path, "--fix")
    assert result.returncode == 1
    text = (tmp_path / "m.py").read_text()
    assert "regularizers.L2(0.01))  # RL002 safe: the number" in text
    assert "regularizers.L2(0.01))  # RL002 safe: unwrapped" in text
    assert "regularizers.l2(l2=0.01)" in text
    assert "kernel_regularizer='l2')  # RL007 safe: spelling" in text
    assert "layers.Dense(4, kernel_regularizer='l2')  # RL007 safe: Keras 1" in text
    assert "layers.Dense(4)  # RL001" in text  # the unsafe ones are left as they were
    assert "kernel_regularizer=regularizers.l2)" in text
    assert "DepthwiseConv2D(3, kernel_regularizer='l2')" in text
    assert "lambda: regularizers" in text
    found, hint = result.stdout.splitlines()[-2:]
    assert f"({SAFE} fixed, " in found
    assert hint == (
        f"No fixes available ({UNSAFE} hidden fixes can be enabled with the `--unsafe-fixes` "
        "option)."
    )
    result = _check(tmp_path, "--fix", "--unsafe-fixes", text=text)
    assert result.returncode == 0, result.stdout
    text = (tmp_path / "m.py").read_text()
    assert "layers.Dense(4, kernel_regularizer=regularizers.L2(0.0001))  # RL001" in text
    assert "kernel_regularizer=regularizers.l2(0.0001))" in text
    assert "DepthwiseConv2D(3, depthwise_regularizer='l2')" in text
    assert "lambda layer=layer: regularizers" in text


def test_unsafe_fixes_config_key_and_its_validation(tmp_path) -> None:
    (tmp_path / "pyproject.toml").write_text("[tool.reglint]\nunsafe-fixes = true\n")
    assert _check(tmp_path, "--fix").returncode == 0
    assert "kernel_regularizer=regularizers.L2(0.0001)" in (tmp_path / "m.py").read_text()
    # --no-unsafe-fixes overrides the configuration
    assert _check(tmp_path, "--fix", "--no-unsafe-fixes").returncode == 1
    (tmp_path / "pyproject.toml").write_text('[tool.reglint]\nunsafe-fixes = "yes"\n')
    bad = _check(tmp_path)
    assert bad.returncode == 2 and bad.stdout == ""
    assert bad.stderr.splitlines() == [
        f"reglint: error: {tmp_path / 'pyproject.toml'}: [tool.reglint] unsafe-fixes must be "
        "true or false"
    ]


def test_diff_shows_safe_fixes_and_unsafe_ones_with_the_flag(tmp_path) -> None:
    safe = _check(tmp_path, "--diff")
    assert safe.returncode == 1
    assert "+layers.Dense(4, kernel_regularizer=regularizers.l2(l2=0.01))" in safe.stdout
    assert "kernel_regularizer=regularizers.L2(0.0001)" not in safe.stdout
    unsafe = _check(tmp_path, "--diff", "--unsafe-fixes")
    assert "+layers.Dense(4, kernel_regularizer=regularizers.L2(0.0001))" in unsafe.stdout
    assert (tmp_path / "m.py").read_text() == MIXED


def test_show_fixes_lists_what_was_fixed_per_file(tmp_path) -> None:
    result = _check(tmp_path, "--fix", "--show-fixes")
    out = result.stdout.splitlines()
    at = out.index(f"Fixed {SAFE} errors:")
    assert out[at + 1 : at + 5] == [
        "- m.py:",
        "    2 \u00d7 RL002 (invalid-regularizer)",
        "    1 \u00d7 RL004 (legacy-regularizer-keyword)",
        "    2 \u00d7 RL007 (regularizer-argument-not-accepted)",
    ]


def test_fix_only_reports_nothing_that_remains(tmp_path) -> None:
    result = _check(tmp_path, "--fix-only")
    assert result.returncode == 0  # unsafe findings remain, but --fix-only does not judge
    assert result.stdout == f"Fixed {SAFE} errors.\n"
    assert "regularizers.l2(l2=0.01)" in (tmp_path / "m.py").read_text()
    again = _check(tmp_path, "--fix-only", "--exit-non-zero-on-fix", text=MIXED)
    assert again.returncode == 1 and again.stdout == f"Fixed {SAFE} errors.\n"
    nothing = _check(tmp_path, "--fix-only", "--exit-non-zero-on-fix", text="import keras\n")
    assert nothing.returncode == 0 and nothing.stdout == ""


def test_exit_non_zero_on_fix_even_when_nothing_remains(tmp_path) -> None:
    text = "from keras import regularizers\nregularizers.l2(l=0.01)\n"
    plain = _check(tmp_path, "--fix", text=text)
    assert plain.returncode == 0
    result = _check(tmp_path, "--fix", "--exit-non-zero-on-fix", text=text)
    assert result.returncode == 1
    assert result.stdout.strip() == "Found 1 error (1 fixed, 0 remaining)."
    assert (
        _check(tmp_path, "--fix", "--exit-non-zero-on-fix", "--exit-zero", text=text).returncode
        == 0
    )


def test_sarif_carries_the_applicability_of_every_fix(tmp_path) -> None:
    result = _check(tmp_path, "--format", "sarif")
    run = json.loads(result.stdout)["runs"][0]
    kinds = [
        fix["properties"]["applicability"] for r in run["results"] for fix in r.get("fixes", [])
    ]
    assert sorted(kinds) == sorted(a for _, a in EXPECTED.values())


def test_keras_1_keywords_are_renamed_to_what_they_meant(tmp_path) -> None:
    """Regression: ``W_regularizer`` was 'did you mean `bias_regularizer`?'."""
    text = "from keras import layers\nlayers.Dense(4, W_regularizer='l2', b_regularizer='l1')\n"
    result = _check(tmp_path, "--select", "RL007", text=text)
    assert "Keras 1's `W_regularizer` is `kernel_regularizer`" in result.stdout
    assert "Keras 1's `b_regularizer` is `bias_regularizer`" in result.stdout
    assert "did you mean `bias_regularizer`" not in result.stdout
    fixed = _check(tmp_path, "--fix", text=text)
    assert fixed.returncode == 0, fixed.stdout
    assert (tmp_path / "m.py").read_text() == (
        "from keras import layers\n"
        "layers.Dense(4, kernel_regularizer='l2', bias_regularizer='l1')\n"
    )
