"""Re-parsing only what an edit changed (:mod:`reglint.reparse`) finds what a whole parse finds.

The language server lints through a :class:`ParseMemo`; ``reglint check``
parses whole. Every comparison here is of complete findings (positions, fixes,
messages) from both ways on the same text, the memo carried from edit to edit
as the server carries it.
"""

from __future__ import annotations

import ast
from pathlib import Path

import libcst as cst
import pytest

from reglint.config import load_settings
from reglint.engine import lint_source
from reglint.reparse import ParseMemo

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
SOURCES = sorted(p for p in FIXTURES.rglob("*.py") if "fix" not in p.relative_to(FIXTURES).parts)

PACKAGE = '''"""Blocks of a small image model."""

# Settings shared by every block.
import keras
from keras import layers, regularizers

DECAY = 1e-4; REG = regularizers.L2(DECAY)


@keras.saving.register_keras_serializable()
class Block(layers.Layer):
    def __init__(self, units, **kwargs):
        super().__init__(**kwargs)
        self.dense = layers.Dense(units)
        # a comment after the block's last statement

    # a comment at the class's indentation
def conv(x, filters):
    return layers.Conv2D(filters, 3, kernel_regularizer=REG)(x)


if __name__ == "__main__":
    model = keras.Sequential([layers.Dense(4), layers.Dense(2, kernel_regularizer=REG)])
# trailing comment

'''


def _same(text: str, path: str, memo: ParseMemo) -> list:
    settings = load_settings(FIXTURES)
    whole = lint_source(text, path, settings)
    assert lint_source(text, path, settings, memo=memo) == whole
    return whole


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(FIXTURES)))
def test_fixture_and_its_edits_find_the_same(path):
    """Each fixture, then the fixture without each of its top-level statements in
    turn (the next edit reuses the pieces of the last), with one memo throughout."""
    text = path.read_text(encoding="utf-8")
    memo = ParseMemo()
    _same(text, str(path), memo)
    tree = ast.parse(text)
    lines = text.split("\n")
    for stmt in tree.body[:12]:
        edited = "\n".join(lines[: stmt.lineno - 1] + lines[stmt.end_lineno :])
        try:
            ast.parse(edited)
        except SyntaxError:
            continue
        _same(edited, str(path), memo)
    _same(text, str(path), memo)


def test_assembled_module_prints_the_text_back():
    tree = ast.parse(PACKAGE)
    parsed = ParseMemo().parse(PACKAGE, tree)
    assert parsed is not None
    assert parsed.module.code == PACKAGE
    whole = cst.parse_module(PACKAGE)
    assert [type(s) for s in parsed.module.body] == [type(s) for s in whole.body]
    assert parsed.module.default_indent == whole.default_indent


def test_an_edit_reparses_only_its_statement():
    memo = ParseMemo()
    first = memo.parse(PACKAGE, ast.parse(PACKAGE))
    edited = PACKAGE.replace("Conv2D(filters, 3,", "Conv2D(filters, 5,")
    second = memo.parse(edited, ast.parse(edited))
    assert first is not None and second is not None
    kept = [a is b for a, b in zip(first.module.body, second.module.body, strict=True)]
    changed = [i for i, same in enumerate(kept) if not same]
    assert len(changed) == 1
    assert isinstance(second.module.body[changed[0]], cst.FunctionDef)
    assert second.module.body[changed[0]].name.value == "conv"


def test_findings_follow_edits_of_a_package_module():
    memo = ParseMemo()
    found = _same(PACKAGE, "blocks.py", memo)
    assert sorted((f.code, f.location.row) for f in found) == [("RL001", 14), ("RL001", 23)]
    regularized = PACKAGE.replace(
        "layers.Dense(units)", "layers.Dense(units, kernel_regularizer=REG)"
    )
    assert [f.location.row for f in _same(regularized, "blocks.py", memo)] == [23]
    # Rows shift below an inserted line; the unchanged pieces are reused.
    shifted = regularized.replace("import keras\n", "import keras\nimport numpy as np\n")
    assert [f.location.row for f in _same(shifted, "blocks.py", memo)] == [24]


def test_a_syntax_error_in_one_statement_then_its_repair():
    memo = ParseMemo()
    _same(PACKAGE, "blocks.py", memo)
    broken = PACKAGE.replace("return layers.Conv2D(", "return layers.Conv2D((")
    found = _same(broken, "blocks.py", memo)
    assert [f.code for f in found] == ["RL000"]
    assert len(_same(PACKAGE, "blocks.py", memo)) == 2


@pytest.mark.parametrize(
    "text",
    [
        "import keras\r\nm = keras.layers.Dense(2)\r\n",  # CR LF: parsed whole
        "import keras\n\x0c\nm = keras.layers.Dense(2)\n",  # form feed: parsed whole
        "import keras; m = keras.layers.Dense(2)",  # one line, no newline at the end
        "import keras\nm = keras.layers.Dense(\n    2,\n)\n\n\n\n",
        "\n\n# only comments above\nimport keras\nkeras.layers.Dense(3)\n# and below",
    ],
)
def test_odd_texts(text):
    memo = ParseMemo()
    assert [f.code for f in _same(text, "odd.py", memo)] == ["RL001"]
    _same(text + "\nx = 1\n", "odd.py", memo)


def test_memo_keeps_only_recent_pieces():
    memo = ParseMemo()
    text = PACKAGE
    for n in range(30):
        text = text.replace(f"Conv2D(filters, {n + 3},", f"Conv2D(filters, {n + 4},")
        memo.parse(text, ast.parse(text))
    pieces = len(ast.parse(PACKAGE).body) - 1  # two statements share one line
    assert len(memo._pieces) <= pieces + 1
