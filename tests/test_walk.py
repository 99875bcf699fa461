"""reglint's read-only traversal visits exactly what libcst's own visit does, in order."""

from __future__ import annotations

from pathlib import Path

import libcst as cst
import pytest

from reglint.walk import TRIVIA, walk

ROOT = Path(__file__).resolve().parent.parent
NODE_CLASSES = [c for c in vars(cst).values() if isinstance(c, type) and issubclass(c, cst.CSTNode)]
SOURCES = {
    "fstring-format-spec": 'x = f"{a:>{w}} {b!r:10} {c=} {d}"\n',
    "decorated-async": "@dec(1)\nasync def f(a, /, b=2, *c, d: int = 3, **e) -> None:\n"
    "    async with m() as n, o():\n        await n\n",
    "match-walrus": "match p:\n    case [1, *rest] if (y := rest):\n        pass\n",
    **{p.name: p.read_text() for p in sorted((ROOT / "fixtures" / "snippets").glob("*.py"))},
    **{p.name: p.read_text() for p in sorted((ROOT / "reglint").rglob("*.py"))},
}


class _Recorder(cst.BatchableCSTVisitor):
    def __init__(self) -> None:
        super().__init__()
        self.events: list[tuple[str, int]] = []


def _method(kind: str, cls: type):
    def record(self, node):
        self.events.append((kind, id(node)))

    record.__name__ = f"{kind}_{cls.__name__}"  # libcst's get_visitors goes by __name__
    return record


def _with_every_method(base: type, classes=NODE_CLASSES) -> type:
    methods = {}
    for cls in classes:
        for kind in ("visit", "leave"):
            method = _method(kind, cls)
            methods[method.__name__] = method
    return type("EveryNode", (base,), methods)


EveryNode = _with_every_method(_Recorder)
NoTrivia = _with_every_method(_Recorder, [c for c in NODE_CLASSES if not issubclass(c, TRIVIA)])


@pytest.mark.parametrize("name", sorted(SOURCES))
def test_same_events_as_libcst(name):
    module = cst.parse_module(SOURCES[name])
    expected = EveryNode()
    cst.MetadataWrapper(module, unsafe_skip_copy=True).visit_batched([expected])
    got = EveryNode()
    walk(module, [got])
    assert expected.events, "the recorder saw nothing"
    assert got.events == expected.events


@pytest.mark.parametrize("name", sorted(SOURCES))
def test_trivia_skipped_only_when_no_rule_wants_it(name):
    """A visitor with no method for whitespace, comments or punctuation sees every
    other node, in libcst's order; trivia subtrees hold nothing but trivia."""
    module = cst.parse_module(SOURCES[name])
    everything = EveryNode()
    cst.MetadataWrapper(module, unsafe_skip_copy=True).visit_batched([everything])
    trivia_ids = set()

    class Trivia(cst.CSTVisitor):
        def on_visit(self, node):
            if isinstance(node, TRIVIA):
                inner = _Collect()
                node.visit(inner)
                assert all(isinstance(n, TRIVIA) for n in inner.nodes), type(node).__name__
                trivia_ids.update(id(n) for n in inner.nodes)
                return False
            return True

    module.visit(Trivia())
    assert trivia_ids, "no trivia: the check would be empty"
    got = NoTrivia()
    walk(module, [got])
    assert got.events == [e for e in everything.events if e[1] not in trivia_ids]


class _Collect(cst.CSTVisitor):
    def __init__(self) -> None:
        super().__init__()
        self.nodes: list[cst.CSTNode] = []

    def on_visit(self, node):
        self.nodes.append(node)
        return True
