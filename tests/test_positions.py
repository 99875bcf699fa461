"""Positions generated statement by statement are those of the whole module.

``reglint check`` generates code again only for the statements (top-level, or
members of a top-level class) that hold a finding
(``positions.positions_by_statement``), with each statement's
first row read off CPython's tree; this must agree, node for node, with one
code generation of the whole module (``positions.node_positions``), also on a
slice (dropped definitions blank) and on the odd layouts below.
"""

from __future__ import annotations

import ast
from pathlib import Path

import libcst as cst
import pytest

from reglint.positions import node_positions, positions_by_statement, statement_rows
from reglint.walk import walk

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
SOURCES = sorted(p for p in FIXTURES.rglob("*.py"))

ODD = [
    "# header comment\n\n\nimport keras\n\n\n\n# above f\n@decorate  # trailing\n"
    "# between decorators\n@other(\n    1,\n)\ndef f(x):\n    return keras.layers.Dense(x)\n"
    "    # indented comment after the block\n\n# dedented comment\nclass C:\n"
    "    a = keras.layers.Dense(2); b = keras.layers.Dense(3)\n\n\nx = 1; y = f(\n    2\n)\n",
    'def g():\n    """Doc\n\n    string."""\n    return h(1)\nif True: g()\nelse:\n    g()\n',
    "x = [\n    f(1),\n]  # done\n\ny = f(2)\n",
    "import a\nimport b\n",
    "try:\n    f(1)\nexcept E:\n    f(2)\nfinally:\n    f(3)\nwhile f(4): f(5)\n",
]
#: Classes whose members are generated alone.
CLASSES = [
    "class T(Base):\n    # leading comment\n\n    @deco(\n        f(1),\n    )\n"
    "    def test_a(self):\n        x = f(\n  2)  # continued less indented\n"
    '        s = """\nf(3)\n"""\n        return g(x, s)\n\n    a = f(4); b = f(5)\n'
    "    class Inner:\n        y = f(6)\n    # trailing comment\n\nz = f(7)\n",
    "class Tabs:\n\tdef m(self):\n\t\treturn f(1)\n\n\tn = f(2)\n",
    "class Suite: x = f(1)\nclass Empty:\n    pass\nclass Doc:\n    'd'\n    y = f(2)\n",
    "if True:\n    class NotTop:\n        def m(self):\n            return f(1)\n",
    "class W:\n  def two(self):\n      return f(\n          1)\n"
    "  @property\n  def p(self): return f(2)\n",
]


class _Calls(cst.BatchableCSTVisitor):
    def __init__(self) -> None:
        super().__init__()
        self.statement: tuple[int, ...] | None = None
        self.found: list[tuple[cst.CSTNode, tuple[int, ...] | None]] = []

    def visit_Call(self, node: cst.Call) -> None:
        self.found.append((node, self.statement))

    def visit_Name(self, node: cst.Name) -> None:
        self.found.append((node, self.statement))


def _compare(text: str, tree: ast.Module) -> int:
    module = cst.parse_module(text)
    calls = _Calls()
    walk(module, [calls], lambda i: setattr(calls, "statement", i))
    rows = statement_rows(module, text, tree)
    assert rows is not None
    nodes = [(n, i) for n, i in calls.found if i is not None]
    assert len(nodes) == len(calls.found)
    whole = node_positions(module, [n for n, _ in nodes])
    assert positions_by_statement(module, rows, nodes) == whole
    for node, place in nodes:  # each found in its own piece, not by the fallback
        if len(place) > 1:
            assert rows.row(place) is not None
            piece = module.body[place[0]].body.body[place[1]]
            assert id(node) in node_positions(module, [node], piece, rows.indent(place[0]))
    return len(nodes), sum(len(place) > 1 for _, place in nodes)


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(FIXTURES)))
def test_fixture_positions(path):
    text = path.read_text(encoding="utf-8")
    _compare(text, ast.parse(text))


def test_fixtures_place_nodes_in_class_members():
    placed = [
        _compare(p.read_text(encoding="utf-8"), ast.parse(p.read_bytes()))[1] for p in SOURCES
    ]
    assert sum(placed) > 0


@pytest.mark.parametrize("text", ODD)
def test_odd_layouts(text):
    assert _compare(text, ast.parse(text))[0] > 0


@pytest.mark.parametrize("text", CLASSES)
def test_class_members(text):
    nodes, in_members = _compare(text, ast.parse(text))
    assert nodes > 0
    assert in_members > 0 or "NotTop" in text


def test_a_slice_of_a_class_lines_up_with_the_source_tree():
    source = CLASSES[0]
    tree = ast.parse(source)
    lines = source.split("\n")
    method = next(s for s in tree.body[0].body if isinstance(s, ast.FunctionDef))
    for row in range(method.decorator_list[0].lineno, method.end_lineno + 1):
        lines[row - 1] = ""  # blank out the method, as slicing does
    assert _compare("\n".join(lines), tree)[1] > 0


def test_a_slice_lines_up_with_the_source_tree():
    source = ODD[0]
    tree = ast.parse(source)
    lines = source.split("\n")
    f_def = next(s for s in tree.body if isinstance(s, ast.FunctionDef))
    first = min(d.lineno for d in f_def.decorator_list)
    for row in range(first, f_def.end_lineno + 1):  # blank out `f`, as slicing does
        lines[row - 1] = ""
    assert _compare("\n".join(lines), tree)[0] > 0


def test_trees_that_do_not_line_up_are_refused():
    text = "import keras\nkeras.layers.Dense(2)\n"
    other = ast.parse("import keras\n")
    assert statement_rows(cst.parse_module(text), text, other) is None
    assert statement_rows(cst.parse_module(text + "\r\n"), text + "\r\n", ast.parse(text)) is None
    continued = "x = [\n    f(1),\n]\n\\\n\ny = f(2)\n"  # a line that is only `\`
    assert statement_rows(cst.parse_module(continued), continued, ast.parse(continued)) is None
