"""The ``ast`` candidate stage (``Rule.candidates``, slicing) must never change a finding.

Every rule example, rule document example, fixture and notebook is linted with
``reglint.engine.CANDIDATE_STAGE`` on and off; the findings must be identical.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

from reglint import engine, ruledocs
from reglint.candidates import facts, may_fire
from reglint.config import DEFAULT_OPTIONS, Settings
from reglint.notebooks import lint_notebook
from reglint.rules import ALL_RULES
from reglint.source import SourceError

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"

# Spellings the ``ast`` tests must see through (aliases, partials, positions...).
TRICKY = [
    "from keras.layers import Dense as D\nD(4)\n",
    "import keras.layers.Dense as D\nD(4)\n",
    "from keras import layers\nA = layers.Dense\nB = A\nB(4)\n",
    "import functools\nfrom keras import layers\nP = functools.partial(layers.Dense, 4)\n"
    "P(None, True, 'glorot_uniform', 'zeros', 'l2')\n",
    "from keras import layers\nlayers.Dense(4, None, True, 'glorot_uniform', 'zeros', None)\n",
    "from keras import layers\nlayers.Dense(4, None, True, 'glorot_uniform', 'zeros', 'l2')\n",
    "from keras import layers\nlayers.Dense(4, kernel_regularizer=None)\n",
    "from keras import layers\nlayers.Dense(4, *a)\nlayers.Dense(4, **k)\n",
    "from keras import layers\nlayers.Conv2D(8, 3, kernel_regularizer='l2')\n",
    "from keras import layers\nlayers.Dense(4, kernel_regularizer='l1_l2')\n",
    "from keras import regularizers as r\nR = r.L2\nR(-1.0)\n",
    "from keras import regularizers\nregularizers.L2(0)\nregularizers.l1_l2(l1=0, l2=0)\n",
    "from keras import layers\nlayers.Dense(4, kernel_regulariser='l2')\n",
    "from keras import layers\nlayers.Dense(4, regularizer='l2', kernel_regularizer='l1')\n",
    "from keras import layers\nlayers.Dropout(0.5, kernel_regularizer='l2')\n",
    "def f(model):\n    model.layers[0].kernel_regularizer = 'l2'\n",
    "def f(model):\n    setattr(model.layers[0], 'kernel_regularizer', 'l2')\n",
    "def f(model):\n    setattr(model.layers[0], b'kernel_regularizer', 'l2')\n",
    "def f(m):\n    a, m.bias_regularizer = 1, 'l2'\n",
    "def f(m):\n    m.kernel_regularizer: object = 'l2'\n",
    "import keras\nclass L(keras.layers.Layer):\n    def __init__(self):\n"
    "        self.kernel_regularizer = 'l2'\n    def call(self, x):\n"
    "        self.kernel_regularizer = 'l2'\n",
    "import keras\nfor i in range(3):\n    m.add_loss(lambda: i * keras.ops.sum(w))\n",
    "import keras\nfor w in ws:\n    m.add_loss(loss=lambda: keras.ops.sum(w))\n",
    "import keras\nimport tf_keras\nkeras.layers.Dense(4)\ntf_keras.layers.Dense(4)\n",
    "import keras_core\nimport keras\nkeras.layers.Dense(4)\nkeras_core.layers.Flatten()\n",
    "import tensorflow as tf\nfrom tensorflow.python import keras as k2\n"
    "tf.keras.layers.Dense(4)\nk2.layers.Dense(4)\n",
    "import keras\nx = keras.layers.Dense(4, kernel_regularizer=keras.regularizers.l2(l=0.1))\n",
    "import keras\nreg = 'l1_l2'\nkeras.layers.Dense(4, kernel_regularizer=reg)\n",
    "import keras\ndef f(:\n    keras.layers.Dense(4)\n",  # RL000 either way
    "from keras import layers\nclass Dense:\n    pass\nDense(4)\n",
    # Slicing (reglint.slicing): definitions without a site are blanked out
    # unless they bind a name the kept code uses.
    "from keras import layers\nclass T:\n    def a(self):\n        return 1\n\n"
    "    def b(self):\n        layers.Dense(4)\n\n@deco\ndef c():\n    pass\n",
    "def setup():\n    from keras.layers import Dense\n\ndef use():\n    Dense(4)\n",
    "from keras.layers import Dense\ndef use():\n    Dense(4)\n\ndef Dense(units):\n    pass\n",
    "from keras import layers\ndef make():\n    from tensorflow.keras import regularizers\n\n"
    "def use():\n    layers.Dense(4)\n",
    "import functools\nfrom keras import layers\ndef setup():\n"
    "    global P\n    P = functools.partial(layers.Dense, kernel_regularizer=None)\n\n"
    "def use():\n    P(4)\n",
    "from keras import layers\n@register(layers.Dense(4))\nclass A:\n    def f(self):\n"
    "        pass\n",
    # Regularizer values the ast stage clears (positive literals, calls) or not.
    "from keras import layers, regularizers as r\nlayers.Dense(4, kernel_regularizer=r.L2(1e-4))\n",
    "from keras import regularizers as r\nr.L2(0)\nr.L2(-0.1)\nr.L2(True)\nr.L2(1e999)\n",
    "from keras import regularizers as r\nr.L2(float('nan'))\nr.L1L2()\nr.L2()\nr.l2(l=0.1)\n",
    "from keras import regularizers as r\nr.L1L2(l1=0.01)\nr.OrthogonalRegularizer(0.01, 'rows')\n",
    "from keras import regularizers as r\nr.L1L2(0.01, '0.1')\nr.L2(np.float32(0.1))\n",
    "from keras import layers, regularizers as r\n"
    "layers.Dense(4, None, True, 'glorot_uniform', 'zeros', r.L2(0.1))\n"
    "layers.Dense(4, None, True, 'glorot_uniform', 'zeros', 'l2')\n",
    "from keras import layers\nreg = 0.01\nlayers.Dense(4, kernel_regularizer=reg)\n",
    "from keras import layers\nlayers.Dense(4, kernel_regularizer=None, bias_regularizer={})\n",
    "from keras import layers\nlayers.Dense(4, kernel_regularizer=1 + 1)\n",
    "import tensorflow as tf\ntf.keras.layers.Dense(4, kernel_regularizer='l2')\n"
    "tf.keras.layers.Dense(4, kernel_regularizer='l1l2', bias_regularizer='L1L2')\n",
    "from keras import layers\n"
    "layers.Dense(4, kernel_regularizer='l' '2', bias_regularizer=b'l2')\n"
    "layers.Dense(4, *a, kernel_regularizer='l2')\nlayers.Dense(4, **k)\n",
    "from keras import layers\nclass A(layers.Layer):\n    x = layers.Dense(2)\n\n"
    "    def f(self):\n        pass\n\nclass B:\n    def g(self):\n        pass\n",
]


def _sources():
    for code, rule in ALL_RULES.items():
        for kind in ("VALID", "INVALID"):
            for i, example in enumerate(getattr(rule, kind)):
                yield f"{code}-{kind}-{i}", example.code, dict(example.options)
    for doc in ruledocs.all_docs():
        for which, text in (("bad", doc.bad_example), ("good", doc.good_example)):
            if text:
                yield f"doc-{doc.code}-{which}", text, {}
    for path in sorted(FIXTURES.rglob("*.py")):
        yield str(path.relative_to(FIXTURES)), path.read_text(encoding="utf-8"), {}
    for i, text in enumerate(TRICKY):
        yield f"tricky-{i}", text, {}
        yield f"tricky-{i}-range", text, {"factor-min": 1e-5, "factor-max": 1e-2}


CASES = [pytest.param(text, options, id=name) for name, text, options in _sources()]


def _settings(options) -> Settings:
    return Settings(extend_select=("ALL",), options={**DEFAULT_OPTIONS, **options})


@pytest.mark.parametrize(("text", "options"), CASES)
def test_same_findings_with_and_without_stage(monkeypatch, text, options):
    settings = _settings(options)
    monkeypatch.setattr(engine, "CANDIDATE_STAGE", False)
    without = engine.lint_source(text, "example.py", settings)
    monkeypatch.setattr(engine, "CANDIDATE_STAGE", True)
    assert engine.lint_source(text, "example.py", settings) == without


@pytest.mark.parametrize("path", sorted(FIXTURES.rglob("*.ipynb")), ids=lambda p: p.name)
def test_same_notebook_findings(monkeypatch, path):
    text = path.read_text(encoding="utf-8")
    settings = _settings({})
    monkeypatch.setattr(engine, "CANDIDATE_STAGE", False)
    without = _notebook(path, text, settings)
    monkeypatch.setattr(engine, "CANDIDATE_STAGE", True)
    assert _notebook(path, text, settings) == without


def _notebook(path, text, settings):
    try:
        return lint_notebook(str(path), text, settings)
    except SourceError as exc:  # malformed.ipynb: the same error either way
        return f"SourceError: {exc}"


def test_stage_spares_clean_keras_code():
    text = (
        "from keras import layers, regularizers\n"
        "layers.Dense(4, kernel_regularizer=regularizers.L2(1e-4))\n"
    )
    tree = ast.parse(text)
    module = facts(tree)
    assert not may_fire(ALL_RULES["RL001"].candidates, tree, module, DEFAULT_OPTIONS)
    assert not may_fire(ALL_RULES["RL007"].candidates, tree, module, DEFAULT_OPTIONS)
    assert not may_fire(ALL_RULES["RL002"].candidates, tree, module, DEFAULT_OPTIONS)


def test_a_clean_keras_file_never_imports_libcst(tmp_path):
    """The text triggers rules (a comment names a layer and a regularizer), the
    ``ast`` stage clears the file: libcst and the rule classes are never imported."""
    script = (
        "import sys\n"
        "from reglint.engine import lint_source\n"
        "text = open(sys.argv[1]).read()\n"
        "assert lint_source(text, 'clean.py') == []\n"
        "print('libcst' in sys.modules)\n"
    )
    clean = tmp_path / "clean.py"
    clean.write_text(
        "import keras\nfrom keras import layers\n"
        "# base ends in a Dense head whose kernel_regularizer was set when it was built\n"
        "base = keras.models.load_model('base.keras')\n"
        "model = keras.Sequential([base, layers.Dropout(0.5)])\n"
        "model.fit(x, y, epochs=3)\n"
    )
    from reglint.engine import triggered_rules
    from reglint.registry import enabled_infos

    assert triggered_rules(clean.read_text(), enabled_infos(Settings()))
    out = subprocess.run(
        [sys.executable, "-c", script, str(clean)], capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "False"
