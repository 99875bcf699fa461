"""RL006 across calls and modules (issue 9, item 4), through the real CLI on a
package: loss helpers, factories and classes imported from other modules are
followed (cross-call analysis, on by default); variables passed into another module's gradient
step are judged at the call."""

from __future__ import annotations

import ast
import json

import pytest
from reglint_testing import run_reglint

from reglint import engine
from reglint.candidates import facts, may_fire
from reglint.config import DEFAULT_OPTIONS, Settings
from reglint.rules import ALL_RULES

LOSSES = """\
import tensorflow as tf


def total_loss(model, y, p):
    return ce(y, p) + tf.add_n(model.losses)


def data_loss(model, y, p):
    return ce(y, p)
"""
MODELS = """\
import keras


def build_model():
    return keras.Sequential([keras.layers.Dense(4, kernel_regularizer="l2")])
"""
STEPS = """\
import tensorflow as tf


def backprop(net, x, y, variables):
    with tf.GradientTape() as t:
        loss = ce(y, net(x))
    return t.gradient(loss, variables)


def backprop_regularized(net, x, y, variables):
    with tf.GradientTape() as t:
        loss = ce(y, net(x)) + sum(net.losses)
    return t.gradient(loss, variables)
"""
TRAINERS = """\
class Base:
    def compute_loss(self, x, y):
        return ce(y, self.model(x)){extra}
"""
TRAIN = """\
import tensorflow as tf

from . import steps
from .losses import data_loss, total_loss
from .models import build_model
from .trainers import Base

model = build_model()


def helper_adds_the_losses(x, y):
    with tf.GradientTape() as tape:
        loss = total_loss(model, y, model(x))
    return tape.gradient(loss, model.trainable_variables)


def helper_drops_them(x, y):
    with tf.GradientTape() as tape:
        loss = data_loss(model, y, forward(model, x))
    return tape.gradient(loss, model.trainable_variables)


def fit(x, y):
    steps.backprop(model, x, y, model.trainable_variables)
    steps.backprop_regularized(model, x, y, model.trainable_variables)


class Trainer(Base):
    def __init__(self):
        self.model = build_model()

    def step(self, x, y):
        with tf.GradientTape() as tape:
            loss = self.compute_loss(x, y)
        return tape.gradient(loss, self.model.trainable_variables)
"""


def make_package(tmp_path, base_adds_losses: bool = False):
    pkg = tmp_path / "pkg"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "losses.py").write_text(LOSSES)
    (pkg / "models.py").write_text(MODELS)
    (pkg / "steps.py").write_text(STEPS)
    extra = " + sum(self.model.losses)" if base_adds_losses else ""
    (pkg / "trainers.py").write_text(TRAINERS.format(extra=extra))
    (pkg / "train.py").write_text(TRAIN)
    return pkg


def rl006(tmp_path, *flags: str) -> list[tuple[str, int, int, str]]:
    args = ("check", "--no-cache", "--select", "RL006", "--output-format", "json")
    result = run_reglint(*args, *flags, ".", cwd=tmp_path)
    assert result.returncode in (0, 1), result.stderr
    return [
        (f["filename"], f["location"]["row"], f["location"]["column"], f["message"])
        for f in json.loads(result.stdout)
    ]


def test_package_findings_follow_helpers_factories_and_steps(tmp_path):
    make_package(tmp_path)
    found = rl006(tmp_path)
    assert [(name, row, col) for name, row, col, _ in found] == [
        ("pkg/train.py", 20, 12),  # data_loss (losses.py) does not add model.losses
        ("pkg/train.py", 24, 5),  # steps.backprop drops them; the call passes the variables
        ("pkg/train.py", 35, 16),  # Base.compute_loss (trainers.py) is an ordinary method
    ]
    messages = [message for *_, message in found]
    # build_model() of models.py returns a regularized Keras model: the factory is followed
    assert "the model built at line 8 is regularized" in messages[0]
    assert "`model`'s variables by `backprop` (steps.py:7)" in messages[1]
    assert "`self.model`" in messages[2]


def test_without_cross_calls_other_modules_stay_unknown(tmp_path):
    """train.py never mentions Keras: its models come from other modules, which
    are not read, so nothing is known and nothing is reported."""
    make_package(tmp_path)
    assert rl006(tmp_path, "--no-cross-calls") == []


def test_a_loss_helper_of_another_module_counts_only_if_it_adds_the_losses(tmp_path):
    pkg = make_package(tmp_path)
    (pkg / "losses.py").write_text(LOSSES.replace(" + tf.add_n(model.losses)", ""))
    found = rl006(tmp_path)
    assert [row for _, row, *_ in found] == [14, 20, 24, 35]
    assert "`model`'s variables" in found[0][3]


def test_an_inherited_compute_loss_that_adds_the_losses_is_followed(tmp_path):
    make_package(tmp_path, base_adds_losses=True)
    rows = [row for _, row, *_ in rl006(tmp_path)]
    assert rows == [20, 24]


def test_a_keras_model_class_from_another_module_uses_keras_compute_loss(tmp_path):
    pkg = make_package(tmp_path)
    (pkg / "trainers.py").write_text("import keras\n\n\nclass Base(keras.Model):\n    pass\n")
    rows = [row for _, row, *_ in rl006(tmp_path)]
    assert rows == [20, 24]


def test_a_step_in_another_module_that_adds_the_losses_is_not_reported(tmp_path):
    pkg = make_package(tmp_path)
    train = (pkg / "train.py").read_text().replace("steps.backprop(", "steps.backprop_regularized(")
    (pkg / "train.py").write_text(train)
    rows = [row for _, row, *_ in rl006(tmp_path)]
    assert 24 not in rows and 20 in rows


_PREVIEW = {"cross-calls": True}
_STAGE = ALL_RULES["RL006"].candidates


@pytest.mark.parametrize("example", ALL_RULES["RL006"].INVALID, ids=lambda e: e.code[:40])
def test_ast_stage_keeps_every_invalid_example(example):
    tree = ast.parse(example.code)
    assert may_fire(_STAGE, tree, facts(tree), {})


def test_ast_stage_keeps_a_call_passing_variables_to_an_imported_step():
    source = "from . import steps\nsteps.backprop(model, x, y, model.trainable_variables)\n"
    tree = ast.parse(source)
    assert may_fire(_STAGE, tree, facts(tree), _PREVIEW)
    assert not may_fire(_STAGE, tree, facts(tree), {})  # no cross-call analysis: no finding


def test_same_package_findings_with_and_without_ast_stage(tmp_path, monkeypatch):
    pkg = make_package(tmp_path)
    settings = Settings(root=tmp_path, options={**DEFAULT_OPTIONS, "cross-calls": True})
    path = pkg / "train.py"
    monkeypatch.setattr(engine, "CANDIDATE_STAGE", False)
    without = engine.lint_source(path.read_text(), str(path), settings)
    monkeypatch.setattr(engine, "CANDIDATE_STAGE", True)
    assert [f.code for f in without].count("RL006") == 3
    assert engine.lint_source(path.read_text(), str(path), settings) == without


def test_a_broken_or_cyclic_project_module_stays_unknown(tmp_path):
    """A module that does not parse, and classes that subclass each other across
    modules, cost nothing but their own answers: no traceback, no hang."""
    pkg = make_package(tmp_path)
    (pkg / "losses.py").write_text("def total_loss(model, y, p:\n")
    (pkg / "trainers.py").write_text("from .cycle import Base\n")
    (pkg / "cycle.py").write_text(
        "from .trainers import Base as Other\n\n\nclass Base(Other):\n    pass\n"
    )
    args = ("check", "--no-cache", "--select", "RL006,RL000", ".")
    result = run_reglint(*args, cwd=tmp_path)
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr and "internal error" not in result.stdout
    assert "pkg/losses.py:1:" in result.stdout and "RL000" in result.stdout
    rows = [row for _, row, *_ in rl006(tmp_path)]
    # total_loss cannot be read: as any unknown helper, it does not count as adding
    # the losses (row 14); the trainer's class cannot be told apart: no finding (35)
    assert rows == [14, 20, 24]
