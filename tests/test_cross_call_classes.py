"""A layer class of the project called as a constructor is judged like a
helper (issue 9): its ``__init__``'s parameters, whether its layers take them
directly or through ``self.<attr>`` in ``build``, decide each call. Through
the real CLI, on a package written the way model libraries write it."""

from __future__ import annotations

import ast
import json

from reglint_testing import run_reglint, write_project

LAYERS = """\
import keras
from keras import layers, regularizers


class ConvBlock(layers.Layer):
    \"\"\"Keeps its regularizer and builds its conv when the input is known.\"\"\"

    def __init__(self, filters, kernel_regularizer=None, **kwargs):
        super().__init__(**kwargs)
        self.filters = filters
        self.kernel_regularizer = regularizers.get(kernel_regularizer)

    def build(self, input_shape):
        self.conv = layers.Conv2D(self.filters, 3, kernel_regularizer=self.kernel_regularizer)

    def call(self, x):
        return self.conv(x)


class Head(keras.layers.Layer):
    def __init__(self, units, reg=None):
        super().__init__()
        self.dense = layers.Dense(units, kernel_regularizer=reg)


class Guarded(layers.Layer):
    def __init__(self, kernel_regularizer=None):
        super().__init__()
        if kernel_regularizer is not None:
            self.kernel_regularizer = keras.regularizers.get(kernel_regularizer)
        else:
            self.kernel_regularizer = None

    def build(self, input_shape):
        self.dense = layers.Dense(4, kernel_regularizer=self.kernel_regularizer)


class Reassigned(layers.Layer):
    def __init__(self, reg=None):
        super().__init__()
        self.reg = reg

    def build(self, input_shape):
        self.reg = regularizers.L2(1e-4)
        self.dense = layers.Dense(4, kernel_regularizer=self.reg)


class OwnParameter(layers.Layer):
    def __init__(self, reg=None):
        super().__init__()

    def build(self, reg=None):
        self.dense = layers.Dense(4, kernel_regularizer=reg)


class NoInit(layers.Layer):
    def build(self, input_shape):
        self.dense = layers.Dense(4, kernel_regularizer=self.reg)
"""
MODELS = """\
from keras import regularizers

from .layers import ConvBlock, Guarded, Head, NoInit, OwnParameter, Reassigned


def build(x):
    x = ConvBlock(32)(x)
    x = ConvBlock(32, kernel_regularizer=regularizers.L2(1e-4))(x)
    x = ConvBlock(16, None)(x)
    x = ConvBlock(16, "l2")(x)
    x = Head(10)(x)
    x = Guarded()(x)
    x = Guarded(regularizers.L2(1e-4))(x)
    x = Guarded(regularizers.L2(0.0))(x)
    x = Reassigned()(x)
    x = OwnParameter()(x)
    return NoInit()(x)
"""


def _package(tmp_path):
    write_project(tmp_path, {"pkg/layers.py": LAYERS, "pkg/models.py": MODELS})
    return tmp_path / "pkg"


def _findings(tmp_path, *args):
    result = run_reglint("check", "--no-cache", "--output-format", "json", *args, ".", cwd=tmp_path)
    assert result.returncode in (0, 1), result.stderr
    return json.loads(result.stdout)


def test_each_constructor_call_is_judged_with_its_arguments(tmp_path):
    _package(tmp_path)
    found = [
        (
            f["filename"],
            f["location"]["row"],
            f["code"],
            [r["location"]["row"] for r in f["related"]],
        )
        for f in _findings(tmp_path)
    ]
    models, layers = "pkg/models.py", "pkg/layers.py"
    assert found == [
        (models, 7, "RL001", [14]),  # ConvBlock(32): self.kernel_regularizer is None
        (models, 9, "RL001", [14]),  # ConvBlock(16, None)
        (models, 11, "RL001", [23]),  # Head(10): built in __init__
        (models, 12, "RL001", [35]),  # Guarded(): the ``if ... is not None`` idiom
        (models, 14, "RL003", []),  # L2(0.0): RL003 at that call, once
    ], found
    assert all(f[0] != layers for f in found)  # the classes themselves are not blamed


def test_the_message_names_the_class_and_the_fix_passes_the_keyword(tmp_path):
    pkg = _package(tmp_path)
    first = _findings(tmp_path, "--unsafe-fixes")[0]
    assert first["message"].startswith("`ConvBlock(...)` builds `Conv2D` without")
    assert first["fix"]["message"] == "pass `kernel_regularizer` to `ConvBlock`"
    result = run_reglint("check", "--no-cache", "--fix", "--unsafe-fixes", ".", cwd=tmp_path)
    assert result.returncode in (0, 1), result.stderr
    fixed = (pkg / "models.py").read_text()
    ast.parse(fixed)
    assert "ConvBlock(32, kernel_regularizer=" in fixed
    assert "ConvBlock(16, regularizers.L2(" in fixed  # the positional None is replaced
    assert "Head(10, reg=" in fixed


def test_a_class_of_the_same_module(tmp_path):
    write_project(
        tmp_path,
        {
            "train.py": "from keras import layers\n\n\nclass Block(layers.Layer):\n"
            "    def __init__(self, reg=None):\n        super().__init__()\n"
            "        self.reg = reg\n\n"
            "    def build(self, shape):\n"
            "        self.dense = layers.Dense(4, kernel_regularizer=self.reg)\n\n\n"
            "block = Block()\n"
        },
    )
    found = [(f["location"]["row"], f["code"]) for f in _findings(tmp_path)]
    assert found == [(13, "RL001")]


def test_attributes_assigned_together(tmp_path):
    """``self.filters, self.kernel_regularizer = filters, kernel_regularizer``."""
    write_project(
        tmp_path,
        {
            "head.py": "import keras\n\n\nclass Head(keras.layers.Layer):\n"
            "    def __init__(self, filters, kernel_regularizer=None, **kwargs):\n"
            "        super().__init__(**kwargs)\n"
            "        self.filters, self.kernel_regularizer = filters, kernel_regularizer\n\n"
            "    def build(self, input_shape):\n"
            "        self.conv = keras.layers.Conv2D(\n"
            "            self.filters, 3, kernel_regularizer=self.kernel_regularizer)\n\n\n"
            "head = Head(8)\nok = Head(8, kernel_regularizer=keras.regularizers.L2(1e-4))\n"
            "a, b = Head(8), 1\n"
        },
    )
    found = [(f["location"]["row"], f["code"]) for f in _findings(tmp_path)]
    assert found == [(14, "RL001"), (16, "RL001")]
