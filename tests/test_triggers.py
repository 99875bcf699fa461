"""Text triggers are a prefilter: they may let through files no rule fires on,
never hold back one a rule fires on."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from reglint import catalog
from reglint.rule_info import any_word
from reglint.rules import ALL_RULES

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


@pytest.mark.parametrize("text", TEXTS)
def test_any_word_matches_like_word_boundaries(text):
    names = [*catalog.KERNEL_LAYERS, *catalog.REGULARIZERS]
    slow = re.compile(rf"\b(?:{'|'.join(map(re.escape, names))})\b")
    fast = re.compile(any_word(names))
    assert [m.span() for m in fast.finditer(text)] == [m.span() for m in slow.finditer(text)]


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
