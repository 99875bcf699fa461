"""reglint's read-only traversal visits exactly what libcst's own visit does, in order."""

from __future__ import annotations

from pathlib import Path

import libcst as cst
import pytest

from reglint.walk import walk

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


def _with_every_method(base: type) -> type:
    methods = {}
    for cls in NODE_CLASSES:
        for kind in ("visit", "leave"):
            method = _method(kind, cls)
            methods[method.__name__] = method
    return type("EveryNode", (base,), methods)


EveryNode = _with_every_method(_Recorder)


@pytest.mark.parametrize("name", sorted(SOURCES))
def test_same_events_as_libcst(name):
    module = cst.parse_module(SOURCES[name])
    expected = EveryNode()
    cst.MetadataWrapper(module, unsafe_skip_copy=True).visit_batched([expected])
    got = EveryNode()
    walk(module, [got])
    assert expected.events, "the recorder saw nothing"
    assert got.events == expected.events
