"""``keras-version`` (config key and ``--keras-version``): messages and fixes
speak to the Keras the project runs, through the real CLI. Auto (unset): each
name's own Keras (``keras`` 3, ``tf_keras`` 2, ``tf.keras`` either)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from reglint_testing import run_reglint

UNCALLED = (
    "import tensorflow as tf\n"
    "tf.keras.layers.Dense(4, kernel_regularizer=tf.keras.regularizers.l2)\n"
)
K3_SAYS = "Keras 3 silently uses `L2(0.01)`"
K2_SAYS = "Keras 2 (tf_keras) raises when the layer is built"


def _findings(tmp_path: Path, text: str, *args: str) -> list[dict]:
    (tmp_path / "m.py").write_text(text, encoding="utf-8")
    result = run_reglint("check", "--no-cache", "--format", "json", *args, "m.py", cwd=tmp_path)
    assert result.returncode in (0, 1), result.stderr
    return json.loads(result.stdout)


@pytest.mark.parametrize(
    ("args", "says", "not_said"),
    [
        ((), [K3_SAYS, K2_SAYS], []),
        (("--keras-version", "3"), [K3_SAYS], [K2_SAYS]),
        (("--keras-version", "2"), [K2_SAYS], [K3_SAYS]),
    ],
)
def test_uncalled_regularizer_message_per_keras(tmp_path, args, says, not_said) -> None:
    [finding] = _findings(tmp_path, UNCALLED, *args)
    assert all(s in finding["message"] for s in says), finding["message"]
    assert not any(s in finding["message"] for s in not_said), finding["message"]


def test_the_config_key_is_the_cli_option(tmp_path) -> None:
    for value in ('"2"', "2"):
        (tmp_path / "pyproject.toml").write_text(f"[tool.reglint]\nkeras-version = {value}\n")
        [finding] = _findings(tmp_path, UNCALLED)
        assert K2_SAYS in finding["message"] and K3_SAYS not in finding["message"]
    [finding] = _findings(tmp_path, UNCALLED, "--keras-version", "3")  # the CLI wins
    assert K3_SAYS in finding["message"] and K2_SAYS not in finding["message"]


def test_a_bad_keras_version_is_a_one_line_config_error(tmp_path) -> None:
    (tmp_path / "m.py").write_text(UNCALLED)
    (tmp_path / "pyproject.toml").write_text('[tool.reglint]\nkeras-version = "4"\n')
    result = run_reglint("check", "--no-cache", "m.py", cwd=tmp_path)
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr.splitlines() == [
        f"reglint: error: {tmp_path / 'pyproject.toml'}: [tool.reglint] keras-version must be "
        '"2" or "3"'
    ]
    bad_option = run_reglint("check", "--keras-version", "1", "m.py", cwd=tmp_path)
    assert bad_option.returncode == 2 and "Invalid value for '--keras-version'" in bad_option.stderr


def test_uncalled_fix_is_safe_only_when_it_writes_what_keras_3_did(tmp_path) -> None:
    text = (
        "from keras import layers, regularizers\n"
        "layers.Dense(4, kernel_regularizer=regularizers.l2)\n"
    )
    (tmp_path / "pyproject.toml").write_text("[tool.reglint]\nfix-factor = 0.01\n")
    [finding] = _findings(tmp_path, text)
    assert finding["fix"]["applicability"] == "safe"  # l2(0.01) is what Keras 3 ran
    [finding] = _findings(tmp_path, text, "--keras-version", "2")
    assert finding["fix"]["applicability"] == "unsafe"  # Keras 2 raised: now it trains
    (tmp_path / "pyproject.toml").write_text("[tool.reglint]\n")
    [finding] = _findings(tmp_path, text)
    assert finding["fix"]["applicability"] == "unsafe"  # 0.01 -> 1e-4


def test_keras_2_defaults_are_judged_by_keras_2(tmp_path) -> None:
    """``l1_l2()`` adds nothing in Keras 3 (factors 0) and 0.01 each in Keras 2."""
    text = "from keras import regularizers\nreg = regularizers.l1_l2()\n"
    assert [f["code"] for f in _findings(tmp_path, text)] == ["RL003"]
    assert [f["code"] for f in _findings(tmp_path, text, "--keras-version", "3")] == ["RL003"]
    assert _findings(tmp_path, text, "--keras-version", "2") == []
    # tf_keras is Keras 2 whatever the project's Keras
    text = "from tf_keras import regularizers\nreg = regularizers.l1_l2()\n"
    assert _findings(tmp_path, text, "--keras-version", "3") == []


@pytest.mark.parametrize(
    ("version", "said", "not_said"),
    [
        (None, ["Keras 3 removed", "tf_keras (`TF_USE_LEGACY_KERAS=1`) still accepts it"], []),
        ("3", ["Keras 3 removed"], ["tf_keras"]),
        ("2", ["tf_keras still accepts it, but the code breaks on Keras 3"], []),
    ],
)
def test_legacy_keyword_message_per_keras(tmp_path, version, said, not_said) -> None:
    text = "import tensorflow as tf\ntf.keras.regularizers.l2(l=0.01)\n"
    args = ("--keras-version", version) if version else ()
    [finding] = _findings(tmp_path, text, *args)
    assert all(s in finding["message"] for s in said), finding["message"]
    assert not any(s in finding["message"] for s in not_said), finding["message"]
    assert finding["fix"]["applicability"] == "safe"  # the same factor in every Keras


@pytest.mark.parametrize(
    ("version", "said", "not_said"),
    [
        (None, ["Keras 3 raises `ValueError: Invalid", "tf_keras (Keras 2) raises"], []),
        ("3", ["Keras 3 raises `ValueError: Invalid value for argument l2`"], ["tf_keras"]),
        ("2", ["tf_keras (Keras 2) raises"], ["Keras 3"]),
    ],
)
def test_numpy_factor_message_per_keras(tmp_path, version, said, not_said) -> None:
    text = (
        "import numpy as np\nimport tensorflow as tf\ntf.keras.regularizers.L2(np.float32(0.01))\n"
    )
    args = ("--keras-version", version) if version else ()
    [finding] = _findings(tmp_path, text, *args)
    assert all(s in finding["message"] for s in said), finding["message"]
    assert not any(s in finding["message"] for s in not_said), finding["message"]


@pytest.mark.parametrize(
    ("version", "said", "not_said"),
    [
        (None, ["Keras 3 raises `ValueError`", "tf_keras accepts and ignores it"], []),
        ("3", ["Keras 3 raises `ValueError`"], ["tf_keras"]),
        ("2", ["tf_keras accepts and ignores it"], ["Keras 3"]),
    ],
)
def test_wrong_keyword_message_per_keras(tmp_path, version, said, not_said) -> None:
    text = "import tensorflow as tf\ntf.keras.layers.DepthwiseConv2D(3, kernel_regularizer='l2')\n"
    args = ("--keras-version", version) if version else ()
    findings = [f for f in _findings(tmp_path, text, *args) if f["code"] == "RL007"]
    [finding] = findings
    assert all(s in finding["message"] for s in said), finding["message"]
    assert not any(s in finding["message"] for s in not_said), finding["message"]
