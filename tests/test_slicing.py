"""The engine parses a slice of a module when every rule to run names its sites.

That the findings never change is checked on every example, fixture and
notebook by ``tests/test_candidate_stage.py`` (the stage includes slicing);
this file checks what the slice keeps.
"""

from __future__ import annotations

import ast

import libcst as cst

from reglint import engine
from reglint.candidates import facts
from reglint.config import Settings
from reglint.slicing import slice_source

SOURCE = """\
from keras import layers


def helper():
    return 1


class Model:
    units = 4

    def build(self):
        self.dense = layers.Dense(self.units)

    def call(self, x):
        return helper() + x


@decorator
def unrelated():
    import os

    return os.sep
"""


def _calls(tree: ast.Module, name: str) -> list[ast.Call]:
    return [
        n
        for n in ast.walk(tree)
        if isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute) and n.func.attr == name
    ]


def _sliced(source: str) -> str | None:
    tree = ast.parse(source)
    return slice_source(source, tree, facts(tree), _calls(tree, "Dense"))


def test_keeps_rows_and_blanks_definitions_without_sites():
    sliced = _sliced(SOURCE)
    assert sliced is not None
    before, after = SOURCE.split("\n"), sliced.split("\n")
    assert len(after) == len(before)
    kept = [i for i, line in enumerate(after) if line]
    assert all(after[i] == before[i] for i in kept)  # nothing moved or rewritten
    assert "self.dense = layers.Dense(self.units)" in sliced
    assert "class Model:" in sliced and "units = 4" in sliced
    for gone in ("def helper", "def call", "@decorator", "def unrelated", "import os"):
        assert gone not in sliced
    ast.parse(sliced)
    cst.parse_module(sliced)


def test_keeps_a_definition_that_binds_a_used_name():
    source = SOURCE.replace("self.dense = layers.Dense(self.units)", "helper(layers.Dense(4))")
    sliced = _sliced(source)
    assert sliced is not None
    assert "def helper" in sliced  # ``helper`` is used next to the site
    assert "def unrelated" not in sliced


def test_keeps_a_definition_binding_names_the_fixes_look_up():
    source = SOURCE.replace("import os", "from keras import regularizers")
    sliced = _sliced(source)
    assert sliced is not None and "def unrelated" in sliced


def test_nothing_to_drop_or_no_site():
    assert _sliced("from keras import layers\nlayers.Dense(4)\n") is None
    tree = ast.parse(SOURCE)
    assert slice_source(SOURCE, tree, facts(tree), []) is None


def test_carriage_returns_are_left_whole():
    source = SOURCE.replace("\n", "\r\n")
    tree = ast.parse(source)
    assert slice_source(source, tree, facts(tree), _calls(tree, "Dense")) is None


def test_engine_parses_the_slice_and_reports_at_original_rows(monkeypatch):
    parsed = []
    real = cst.parse_module

    def spy(text):
        parsed.append(text)
        return real(text)

    monkeypatch.setattr(cst, "parse_module", spy)
    findings = engine.lint_source(SOURCE, "m.py", Settings())
    assert [f.code for f in findings] == ["RL001"]
    assert findings[0].location.row == 12
    assert len(parsed) == 1 and "def unrelated" not in parsed[0]
    fixed = findings[0].fix.edits[-1]
    assert fixed.location.row == 12 and "kernel_regularizer" in fixed.content


def test_engine_falls_back_to_the_whole_module_when_a_rule_needs_it(monkeypatch):
    parsed = []
    real = cst.parse_module
    monkeypatch.setattr(cst, "parse_module", lambda text: parsed.append(text) or real(text))
    source = SOURCE + "\nimport tensorflow as tf\nwith tf.GradientTape() as tape:\n    pass\n"
    source += "grads = tape.gradient(loss, model.trainable_variables)\n"
    engine.lint_source(source, "m.py", Settings())
    assert parsed == [source]
