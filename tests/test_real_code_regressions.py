"""Regressions found by running reglint over real Keras code (docs/evaluation.md).

Each test is a small self-written reduction of a pattern seen in the corpora
(keras-hub, keras guides/examples, tutorial notebooks); no corpus code is copied.
"""

from __future__ import annotations

from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from reglint.config import Settings
from reglint.engine import lint_source
from reglint.notebooks import lint_notebook

SNIPPETS = Path(__file__).resolve().parent.parent / "fixtures" / "snippets"


def _codes(source: str, select: str = "ALL"):
    findings = lint_source(source, "snippet.py", Settings(select=(select,)))
    return [(f.code, f.location.row, f.location.column) for f in findings]


def _notebook(tmp_path: Path, *sources: str):
    cells = [new_markdown_cell("# title")] + [new_code_cell(s) for s in sources]
    nb = new_notebook(cells=cells, metadata={"language_info": {"name": "python"}})
    path = tmp_path / "nb.ipynb"
    nbformat.write(nb, path)
    findings = lint_notebook(str(path), path.read_text(encoding="utf-8"), Settings(select=("ALL",)))
    return [(f.code, f.cell, f.location.row, f.location.column) for f in findings]


def test_notebook_cell_with_leading_indent_is_python(tmp_path):
    # IPython removes the first line's indentation from a cell (leading_indent
    # cleanup), so such a cell runs; it is not a syntax error, and its layers
    # are linted with columns in the original cell.
    found = _notebook(
        tmp_path,
        "import tensorflow as tf",
        " m = tf.keras.Sequential([tf.keras.layers.Dense(1),\n"
        "                          tf.keras.layers.Dense(2)])\n"
        "m(x)",
    )
    assert found == [("RL001", 2, 1, 27), ("RL001", 2, 2, 27)]


def test_partial_alias_of_a_layer_is_a_construction():
    # ``DefaultConv2D = partial(Conv2D, ...)`` (tutorial style): each call of the
    # alias builds a layer; a regularizer bound by the partial counts.
    source = (
        "import functools\n"
        "from keras import layers, regularizers\n"
        "Conv = functools.partial(layers.Conv2D, kernel_size=3, padding='same')\n"
        "RegDense = functools.partial(layers.Dense, kernel_regularizer=regularizers.L2(1e-4))\n"
        "x = Conv(32)(inputs)\n"
        "x = RegDense(10)(x)\n"
        "x = RegDense(10, kernel_regularizer=None)(x)\n"
    )
    assert _codes(source, "RL001") == [("RL001", 5, 5), ("RL001", 7, 5)]


def test_step_function_called_with_a_tf_module_is_not_a_keras_loop():
    source = (
        "import tensorflow as tf\n"
        "from tensorflow import keras\n"
        "class Linear(tf.Module):\n"
        "    def __call__(self, x):\n"
        "        return x * self.w\n"
        "def train_step(model, x, y):\n"
        "    with tf.GradientTape() as tape:\n"
        "        loss = tf.reduce_mean((model(x) - y) ** 2)\n"
        "    return tape.gradient(loss, model.variables)\n"
        "train_step(Linear(), x, y)\n"
        "lin = Linear()\n"
        "train_step(lin, x, y)\n"
    )
    assert _codes(source, "RL006") == []


def test_keras_applications_style_package_gets_its_layers_from_the_caller(tmp_path):
    """segmentation_models / classification_models style: Keras's submodules are
    handed in (``get_submodules_from_kwargs``) or filled into ``layers = None``
    module globals when the package is imported. Both are Keras's layers."""
    from reglint.cli import main

    pkg = tmp_path / "seglib"
    (pkg / "models").mkdir(parents=True)
    (pkg / "__init__.py").write_text(
        "import keras\n\n_KWARGS = {'layers': keras.layers, 'backend': keras.backend}\n"
    )
    (pkg / "models" / "__init__.py").write_text("")
    (pkg / "models" / "_blocks.py").write_text(
        "from keras_applications import get_submodules_from_kwargs\n\n\n"
        "def conv_bn(filters, kernel_regularizer=None, **kwargs):\n"
        "    backend, layers, models, keras_utils = get_submodules_from_kwargs(kwargs)\n\n"
        "    def wrapper(x):\n"
        "        x = layers.Conv2D(filters, 3, kernel_regularizer=kernel_regularizer)(x)\n"
        "        return layers.BatchNormalization()(x)\n\n"
        "    return wrapper\n\n\n"
        "def head(x, classes, **kwargs):\n"
        "    _, layers, _, _ = get_submodules_from_kwargs(kwargs)\n"
        "    return layers.Dense(classes)(x)\n"
    )
    (pkg / "models" / "unet.py").write_text(
        "from keras_applications import get_submodules_from_kwargs\n\n"
        "from ._blocks import conv_bn\n\n"
        "backend = None\nlayers = None\nmodels = None\nkeras_utils = None\n\n\n"
        "def decoder(x, filters):\n"
        "    x = layers.UpSampling2D()(x)\n"
        "    x = layers.Conv2DTranspose(filters, 4, strides=2)(x)\n"
        "    return layers.Conv2D(1, 1, kernel_regularizer='l2')(x)\n"
    )
    # A module with a `layers = None` global of its own, outside the convention.
    (pkg / "plain.py").write_text("layers = None\n\n\ndef f(x):\n    return layers.Dense(3)(x)\n")
    import json

    import pytest

    out = tmp_path / "out.json"
    with pytest.raises(SystemExit) as exited:
        main(["check", "--no-cache", "--output-format", "json", "-o", str(out), str(pkg)])

    found = sorted(
        (Path(f["filename"]).name, f["location"]["row"], f["code"])
        for f in json.loads(out.read_text())
    )
    assert found == [("_blocks.py", 16, "RL001"), ("unet.py", 13, "RL001")], found
    assert exited.value.code == 1
