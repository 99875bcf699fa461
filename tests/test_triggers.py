"""Text triggers are a prefilter: they may let through files no rule fires on,
never hold back one a rule fires on."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from reglint import catalog
from reglint.rules import ALL_RULES
from reglint.triggers import Literals, Pattern, Text, Words

ROOT = Path(__file__).resolve().parent.parent
TEXTS = [
    "Dense(4)",
    "layers.Dense(4)",
    "MyDense(4)",
    "Densely",
    "_Dense(1)",
    "x=L2(0.1)",
    "xL2(0.1)",
    "l2",
    "kernel_regularizer=l1_l2(0.1)",
    "Conv2DTranspose(3)\n",
    "# a Dense comment",
    "DenseDense",
    *(p.read_text(encoding="utf-8") for p in sorted(ROOT.glob("fixtures/**/*.py"))),
]


NON_ASCII = [
    "é = Dense(4)",
    "Denseé(4)",
    "# ünïcode\nx = L2(0.1)\n",
    "café_Dense(1)",
]


@pytest.mark.parametrize("text", [*TEXTS, *NON_ASCII])
def test_words_pass_like_word_boundaries(text):
    names = [*catalog.KERNEL_LAYERS, *catalog.REGULARIZERS]
    slow = re.compile(rf"\b(?:{'|'.join(map(re.escape, names))})\b")
    assert Words(names).search(text) == bool(slow.search(text))


@pytest.mark.parametrize("text", ["# Dense→Dense", "x = 'Dense→'", "Dense\u00a0(1)"])
def test_a_word_beside_a_non_ascii_symbol_is_longer_than_a_regex_word(text):
    """The documented difference: Python puts no such symbol beside an
    identifier outside comments and strings (in code it is a syntax error)."""
    assert re.search(r"\bDense\b", text)
    assert not Words(["Dense"]).search(text)
    with pytest.raises(SyntaxError):
        compile("Dense\u00a0(1)", "<t>", "exec")


def test_text_computes_its_words_once():
    text = Text("x = layers.Dense(4)")
    assert text.words is text.words
    assert Words(["Dense"]).passes(text) and not Words(["Conv2D"]).passes(text)


def test_literals_and_patterns():
    assert Literals("train_step").search("def custom_train_step(self):")
    assert Literals("regul", ignore_case=True).search("Dense(W_Regularizer=l2)")
    assert not Literals("regul", ignore_case=True).search("Dense(4)")
    with pytest.raises(ValueError):
        Literals("Regul", ignore_case=True)
    assert Pattern(r"l(?<!\wl)\s*=(?!=)").search("l2(l = 0.1)")
    assert not Pattern(r"regulari[sz]er", literal="regulari").search("regularize")
    assert (Words(["Dense"]) | Literals("add_loss")).search("self.add_loss(x)")


@pytest.mark.parametrize(
    "text",
    [
        "import tensorflow.python.keras as k\n",
        "tf.python.keras.layers.Dense(1)\n",
        "from tensorflow import python\n",
        "from tensorflow import python as p\n",
        "from tensorflow import keras, python\n",
        "from tensorflow import (\n    keras,\n    python\n)\n",
        "from tensorflow import python  # internal\n",
        "from tensorflow import python; python.keras\n",
        "import tf_keras\n",
        "os.environ['TF_USE_LEGACY_KERAS'] = '1'\n",
    ],
)
def test_rl010_trigger_sees_every_keras_2_spelling(text):
    assert ALL_RULES["RL010"].trigger.search(text)


@pytest.mark.parametrize("text", ["```python\n", "Python is fun", "see the python docs"])
def test_rl010_trigger_skips_prose(text):
    assert not ALL_RULES["RL010"].trigger.search(text)
