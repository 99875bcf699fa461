"""``reglint check --fix`` on real model-building scripts, proven with real Keras 3.

The scripts in ``fixtures/fix/`` build models whose layers named ``fix_*`` are
unregularized (RL001) or carry a regularizer Keras 3 misreads or rejects
(RL002 uncalled factory, RL004 ``l=``, RL007 typo / wrong keyword). After
``--fix`` each script must parse, be stable under a second ``--fix``, and, run
with Keras, put a positive penalty in ``model.losses`` for every fixed layer.
"""

from __future__ import annotations

import ast
import json
import os
import re
import shutil
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from reglint_testing import FIXTURES, run_reglint

SCRIPTS = ("rl001_keras3.py", "rl001_tf_keras.py", "value_fixes.py")
FIX_NAME = re.compile(r'name="(fix_\w+)"')


def fixed_layer_rows(text: str) -> dict[str, int]:
    """Layer name -> the (last) row of its construction, for every ``fix_*`` layer."""
    return {m.group(1): text.count("\n", 0, m.start()) + 1 for m in FIX_NAME.finditer(text)}


@pytest.fixture(scope="module")
def fixed(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Copies of the scripts, their findings before, and the output of ``--fix`` twice."""
    work = tmp_path_factory.mktemp("fix")
    for name in SCRIPTS:
        shutil.copy(FIXTURES / "fix" / name, work / name)
    before = run_reglint("check", "--no-cache", "--format", "json", *SCRIPTS, cwd=work)
    assert before.returncode == 1, before.stderr
    originals = {name: (work / name).read_text(encoding="utf-8") for name in SCRIPTS}
    safe_copy = tmp_path_factory.mktemp("safe")
    for name in SCRIPTS:
        shutil.copy(FIXTURES / "fix" / name, safe_copy / name)
    safe = run_reglint("check", "--no-cache", "--fix", *SCRIPTS, cwd=safe_copy)
    first = run_reglint("check", "--no-cache", "--fix", "--unsafe-fixes", *SCRIPTS, cwd=work)
    after_first = {name: (work / name).read_bytes() for name in SCRIPTS}
    second = run_reglint("check", "--no-cache", "--fix", "--unsafe-fixes", *SCRIPTS, cwd=work)
    return {
        "safe": safe,
        "after_safe": {name: (safe_copy / name).read_text(encoding="utf-8") for name in SCRIPTS},
        "dir": work,
        "findings": json.loads(before.stdout),
        "originals": originals,
        "first": first,
        "after_first": after_first,
        "second": second,
    }


def test_every_fix_layer_is_flagged_with_a_fix(fixed) -> None:
    """The fixtures are what they claim: each ``fix_*`` layer has a fixable finding."""
    for name in SCRIPTS:
        rows = fixed_layer_rows(fixed["originals"][name])
        assert rows, name
        fixable_rows = set()
        for f in fixed["findings"]:
            if f["filename"] == name and f["fix"]:
                fixable_rows.update(range(f["location"]["row"], f["end_location"]["row"] + 1))
        unflagged = {layer for layer, row in rows.items() if row not in fixable_rows}
        assert not unflagged, f"{name}: no fix for {unflagged}"
    codes = {f["code"] for f in fixed["findings"] if f["fix"]}
    assert codes >= {"RL001", "RL002", "RL004", "RL007"}


def test_fix_fixes_everything_and_says_so(fixed) -> None:
    first = fixed["first"]
    assert first.returncode == 0, first.stdout + first.stderr
    n = sum(1 for f in fixed["findings"] if f["fix"])
    assert first.stdout.strip() == f"Found {n} errors ({n} fixed, 0 remaining)."
    assert first.stderr == ""


def test_fixed_scripts_parse_and_a_second_fix_changes_nothing(fixed) -> None:
    for name in SCRIPTS:
        text = fixed["after_first"][name].decode("utf-8")
        ast.parse(text, filename=name)
        assert text != fixed["originals"][name]
        assert (fixed["dir"] / name).read_bytes() == fixed["after_first"][name]
    second = fixed["second"]
    assert second.returncode == 0, second.stdout + second.stderr
    assert second.stdout.strip() == "All checks passed!"
    clean = run_reglint("check", "--no-cache", *SCRIPTS, cwd=fixed["dir"])
    assert clean.returncode == 0, clean.stdout


def test_plain_fix_applies_only_the_safe_fixes(fixed) -> None:
    """Without --unsafe-fixes: RL004 renames and RL007 spelling fixes only."""
    assert fixed["safe"].returncode == 1  # the unsafe fixes' findings remain
    for name in ("rl001_keras3.py", "rl001_tf_keras.py"):
        assert fixed["after_safe"][name] == fixed["originals"][name]  # RL001 adds a penalty
    values = fixed["after_safe"]["value_fixes.py"]
    assert "l2(l2=0.01)" in values and "l1(l1=0.001)" in values
    assert 'layers.Dense(8, kernel_regularizer=l2(0.01), name="fix_typo")' in values
    assert 'layers.Dense(1, kernel_regularizer=l2(0.01), name="fix_british")' in values
    assert "kernel_regularizer=regularizers.l2," in values  # uncalled: a factor change
    assert 'kernel_regularizer=l2(0.01), name="fix_embedding"' in values  # another weight


def test_fix_keeps_the_file_style(fixed) -> None:
    keras3 = fixed["after_first"]["rl001_keras3.py"].decode("utf-8")
    # `import keras` style: `keras.regularizers`, no import added
    assert "import regularizers" not in keras3
    assert "kernel_regularizer=keras.regularizers.L2(0.0001),\n    )," in keras3  # comma kept
    # positional kernel_regularizer (index 5 of Dense) replaced where it stands
    assert '"zeros", keras.regularizers.L2(0.0001), name="fix_positional"' in keras3
    tf_keras = fixed["after_first"]["rl001_tf_keras.py"].decode("utf-8")
    assert "kernel_regularizer=tf.keras.regularizers.L2(0.0001)" in tf_keras
    assert "import regularizers" not in tf_keras
    values = fixed["after_first"]["value_fixes.py"].decode("utf-8")
    assert "l2(l2=0.01)" in values and "l1(l1=0.001)" in values
    assert 'layers.Dense(8, kernel_regularizer=l2(0.01), name="fix_typo")' in values
    assert 'embeddings_regularizer=l2(0.01), name="fix_embedding"' in values


def run_with_keras(paths: list[Path]) -> dict[str, Any]:
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "CUDA_VISIBLE_DEVICES": ""}
    done = subprocess.run(
        [sys.executable, str(FIXTURES / "fix" / "inspect_models.py"), *map(str, paths)],
        capture_output=True,
        text=True,
        timeout=600,
        env=env,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.splitlines()[-1])


@pytest.mark.tensorflow
def test_fixed_layers_carry_a_penalty_in_model_losses(fixed) -> None:
    originals = [FIXTURES / "fix" / name for name in SCRIPTS]
    fixed_paths = [fixed["dir"] / name for name in SCRIPTS]
    measured = run_with_keras([*originals, *fixed_paths])
    for name, original, fixed_path in zip(SCRIPTS, originals, fixed_paths, strict=True):
        layers = set(fixed_layer_rows(fixed["originals"][name]))
        before = measured[str(original)]
        after = measured[str(fixed_path)]
        assert "error" not in after, f"{name} fails after --fix: {after}"
        penalties = {
            layer: penalty
            for model in after["models"].values()
            for layer, penalty in model["layers"].items()
        }
        assert layers <= set(penalties), name
        assert {layer for layer in layers if not penalties[layer] > 0} == set(), name
        if "error" in before:
            # Keras 3 rejects the unfixed script (l=..., kernal_regularizer, ...)
            assert before["error"].startswith(("TypeError", "ValueError")), before
            continue
        old = {
            layer: penalty
            for model in before["models"].values()
            for layer, penalty in model["layers"].items()
        }
        assert {layer for layer in layers if old[layer] != 0.0} == set(), name
        # model.losses grew by at least one penalty per fixed layer
        gained = sum(
            after["models"][m]["losses"] - before["models"][m]["losses"] for m in after["models"]
        )
        assert gained >= len(layers), (name, gained)


UNFIXABLE = """\
import keras
from keras import layers

model = keras.Sequential([
    keras.Input(shape=(4,)),
    layers.Dense(8, kernel_regularizer=0.01),
    layers.Dense(1),
])
"""


def test_fix_writes_atomically_keeps_the_mode_and_reports_what_remains(tmp_path) -> None:
    script = tmp_path / "model.py"
    script.write_text(UNFIXABLE, encoding="utf-8")
    script.chmod(0o741)
    witness = tmp_path / "hardlink.py"
    os.link(script, witness)  # an in-place rewrite would change this one too
    clean = tmp_path / "clean.py"
    clean.write_text("import keras\n", encoding="utf-8")
    clean_stat = clean.stat()
    inode = script.stat().st_ino

    result = run_reglint(
        "check", "--no-cache", "--fix", "--unsafe-fixes", "model.py", "clean.py", cwd=tmp_path
    )
    assert result.returncode == 1  # a finding --fix cannot fix remains
    lines = result.stdout.splitlines()
    assert lines[0].startswith("model.py:6:40: RL002 `kernel_regularizer=0.01`")
    assert lines[-1] == "Found 2 errors (1 fixed, 1 remaining)."
    assert len(lines) == 2

    text = script.read_text(encoding="utf-8")
    assert "layers.Dense(1, kernel_regularizer=keras.regularizers.L2(0.0001))" in text
    assert "kernel_regularizer=0.01" in text  # the unfixable finding is left as it was
    assert stat.S_IMODE(script.stat().st_mode) == 0o741
    assert script.stat().st_ino != inode  # replaced by rename, not rewritten in place
    assert witness.read_text(encoding="utf-8") == UNFIXABLE
    assert sorted(p.name for p in tmp_path.iterdir()) == ["clean.py", "hardlink.py", "model.py"]
    # a file with nothing to fix is not touched
    assert clean.stat().st_ino == clean_stat.st_ino
    assert clean.stat().st_mtime_ns == clean_stat.st_mtime_ns
