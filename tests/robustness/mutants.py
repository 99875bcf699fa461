"""A deterministic, seeded corpus of damaged inputs built from ``fixtures/``.

``mutant(seed, index)`` always returns the same bytes for the same fixtures:
a reproducer is a seed and an index (and the bytes themselves, which every
failure message shows). Mutants are byte-level damage (truncation, flips,
insertions, deletions, invalid UTF-8, lone surrogates, line endings, BOMs and
coding cookies, very long lines) and, for notebooks, mangled JSON (wrong
types, missing keys, other nbformat versions, a huge cell count).
:func:`deep_mutants` is a separate fixed set of deeply nested programs, some
beyond CPython's own limits, which must be run out of process (they may crash
a parser).

Regenerate one: ``cd tests && python -m robustness.mutants --seed S --index I -o FILE``.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "fixtures"
SEED = int(os.environ.get("REGLINT_ROBUSTNESS_SEED", "20260611"))
#: The share of mutants made from notebooks (the fixtures hold few of them).
NOTEBOOK_SHARE = 0.3

#: Bytes that tend to matter to a tokenizer, a decoder or a JSON reader.
INTERESTING = (
    b"(", b")", b"[", b"]", b"{", b"}", b'"', b"'", b'"""', b"\\", b"\n", b"\r", b"\t",
    b"#", b":", b",", b"=", b" ", b"\x00", b"\x0c", b"\xff", b"\xc3", b"$", b"`", b"?",
    b"%", b"!", b"@", b"lambda", b"**", b"async ", b"def ", b"# noqa", b"# reglint: noqa",
)  # fmt: skip
INVALID_UTF8 = (
    b"\xff", b"\xfe", b"\x80", b"\xc3\x28", b"\xe2\x82", b"\xc0\xaf", b"\xed\xa0\x80",
    b"\xed\xbf\xbf", b"\xf4\x90\x80\x80", b"\xf8\x88\x80\x80\x80",
)  # fmt: skip
SURROGATE_ESCAPES = (b"\\ud800", b"\\udfff", b"\\udc80", b"\\uDBFF", b"\\U0000d800")
SURROGATE_LINES = (
    b'layers.Dense(3, kernel_regularizer="\\udc80")\n',
    b'keras.layers.Dense(3, kernel_regularizer=keras.regularizers.get("\\ud800"))\n',
    b'x = "\\ud800"  # noqa: RL001\n',
    b'layers.Dense(3, name="\\udfff")\n',
)
PREFIXES = (
    b"\xef\xbb\xbf",
    b"\xef\xbb\xbf# -*- coding: latin-1 -*-\n",
    b"\xff\xfe",
    b"\xfe\xff",
    b"\xef\xbb\xbf\xef\xbb\xbf",
    b"# -*- coding: latin-1 -*-\n",
    b"# coding: bogus-encoding\n",
    b"# coding: utf-16\n",
    b"# vim: set fileencoding=cp1252 :\n",
    b"#!/usr/bin/env python\n# coding=utf-8\n",
)
EMPTY = (b"", b"\n", b"\r", b"\r\n", b"\xef\xbb\xbf", b"   ", b"\\", b"\\\n", b"#", b"\x0c")
MAGIC_LINES = (
    "%%bash\n", "%%time\n", "%%writefile out.py\n", "%%capture\n", "!ls\n", "%pip install keras\n",
    "model?\n", "%%backend\n", "%matplotlib inline\n", "ls -la\n", "x = !ls\n", "%%\n", "%\n",
)  # fmt: skip


@dataclass(frozen=True)
class Mutant:
    """One damaged input: the file name to give it, its bytes, and how it was made."""

    name: str
    data: bytes
    recipe: str
    seed: int | None = None
    index: int | None = None

    @property
    def deep(self) -> bool:
        """Deeply nested: never compiled or parsed in the test process."""
        return self.name.startswith("deep_")

    def reproducer(self, path: Path | str | None = None) -> str:
        how = (
            f"cd tests && python -m robustness.mutants --seed {self.seed} --index {self.index} -o F"
            if self.index is not None
            else f"robustness.mutants.deep_mutants() named {self.name!r}"
        )
        where = f" written at {path}" if path is not None else ""
        shown = self.data if len(self.data) <= 600 else self.data[:300] + b"..." + self.data[-200:]
        return f"{self.name} ({self.recipe}){where}; regenerate: {how}; bytes={shown!r}"


def fixture_files() -> list[Path]:
    """The project's fixtures the corpus is made from (sorted: the corpus must not
    depend on the order a file system lists them in)."""
    found = {
        p
        for pattern in ("**/*.py", "**/*.ipynb", "fix/*")
        for p in FIXTURES.glob(pattern)
        if p.is_file() and "__pycache__" not in p.parts
    }
    return sorted(found)


_SOURCES: list[tuple[str, bytes]] | None = None


def _sources() -> list[tuple[str, bytes]]:
    global _SOURCES
    if _SOURCES is None:
        _SOURCES = [(p.relative_to(ROOT).as_posix(), p.read_bytes()) for p in fixture_files()]
    return _SOURCES


# Byte-level mutations: (rng, data) -> (new data, description).


def _truncate(rng: random.Random, data: bytes) -> tuple[bytes, str]:
    k = rng.randrange(len(data) + 1)
    return data[:k], f"truncate@{k}"


def _flip(rng: random.Random, data: bytes) -> tuple[bytes, str]:
    if not data:
        return data, "flip(empty)"
    out = bytearray(data)
    done = []
    for _ in range(rng.randint(1, 4)):
        i, bit = rng.randrange(len(out)), rng.randrange(8)
        out[i] ^= 1 << bit
        done.append(f"{i}^{1 << bit}")
    return bytes(out), "flip@" + ",".join(done)


def _insert(rng: random.Random, data: bytes) -> tuple[bytes, str]:
    out, done = data, []
    for _ in range(rng.randint(1, 3)):
        i = rng.randrange(len(out) + 1)
        piece = rng.choice(INTERESTING) if rng.random() < 0.8 else bytes([rng.randrange(256)])
        out = out[:i] + piece + out[i:]
        done.append(f"{i}+{piece!r}")
    return out, "insert@" + ",".join(done)


def _delete(rng: random.Random, data: bytes) -> tuple[bytes, str]:
    if not data:
        return data, "delete(empty)"
    i = rng.randrange(len(data))
    n = rng.randint(1, 16)
    return data[:i] + data[i + n :], f"delete@{i}:{n}"


def _splice(rng: random.Random, data: bytes) -> tuple[bytes, str]:
    if not data:
        return data, "splice(empty)"
    a = rng.randrange(len(data))
    b = min(len(data), a + rng.randint(1, 200))
    at = rng.randrange(len(data) + 1)
    return data[:at] + data[a:b] + data[at:], f"splice[{a}:{b}]@{at}"


def _surrogate(rng: random.Random, data: bytes) -> tuple[bytes, str]:
    if rng.random() < 0.4:
        line = rng.choice(SURROGATE_LINES)
        at = _line_start(rng, data)
        return data[:at] + line + data[at:], f"surrogate-line@{at}:{line!r}"
    quotes = [m.end() for m in re.finditer(rb"[\"']", data)]
    at = rng.choice(quotes) if quotes else 0
    escape = rng.choice(SURROGATE_ESCAPES)
    return data[:at] + escape + data[at:], f"surrogate@{at}:{escape!r}"


def _invalid_utf8(rng: random.Random, data: bytes) -> tuple[bytes, str]:
    at = rng.randrange(len(data) + 1)
    piece = rng.choice(INVALID_UTF8)
    return data[:at] + piece + data[at:], f"invalid-utf8@{at}:{piece!r}"


def _newlines(rng: random.Random, data: bytes) -> tuple[bytes, str]:
    mode = rng.choice(["crlf", "cr", "mixed", "crlf+lone-cr"])
    lf = data.replace(b"\r\n", b"\n")
    if mode == "crlf":
        return lf.replace(b"\n", b"\r\n"), mode
    if mode == "cr":
        return lf.replace(b"\n", b"\r"), mode
    if mode == "mixed":
        parts = lf.split(b"\n")
        seps = [rng.choice([b"\n", b"\r\n", b"\r"]) for _ in parts[:-1]]
        return b"".join(p + s for p, s in zip(parts, [*seps, b""], strict=True)), mode
    out = lf.replace(b"\n", b"\r\n")
    at = rng.randrange(len(out) + 1)
    return out[:at] + b"\r" + out[at:], f"{mode}@{at}"


def _prefix(rng: random.Random, data: bytes) -> tuple[bytes, str]:
    prefix = rng.choice(PREFIXES)
    return prefix + data, f"prefix:{prefix!r}"


def _empty(rng: random.Random, data: bytes) -> tuple[bytes, str]:
    body = rng.choice(EMPTY)
    return body, f"empty:{body!r}"


def _indent(rng: random.Random, data: bytes) -> tuple[bytes, str]:
    lines = data.split(b"\n")
    picked = [i for i, line in enumerate(lines) if line.startswith(b"    ")]
    if not picked:
        return _insert(rng, data)
    i = rng.choice(picked)
    lines[i] = rng.choice([b"\t", b"  ", b"     ", b"\x0c    "]) + lines[i][4:]
    return b"\n".join(lines), f"indent@line{i + 1}"


def _long_line(rng: random.Random, data: bytes) -> tuple[bytes, str]:
    n = rng.choice([1_000, 20_000, 200_000])
    shape = rng.choice(["string", "comment", "name", "list", "keras-call", "args"])
    if shape == "string":
        line = b'x = "' + b"a" * n + b'"\n'
    elif shape == "comment":
        line = b"# " + b"c" * n + b"\n"
    elif shape == "name":
        line = b"v" * n + b" = 1\n"
    elif shape == "list":
        line = b"x = [" + b"1, " * min(n // 3, 7_000) + b"]\n"
    elif shape == "keras-call":
        line = b'layers.Dense(3, name="' + b"n" * n + b'")\n'
    else:
        line = b"layers.Dense(3, " + b"a=1, " * min(n // 5, 4_000) + b")\n"
    at = _line_start(rng, data)
    return data[:at] + line + data[at:], f"long-line:{shape}x{n}@{at}"


def _line_start(rng: random.Random, data: bytes) -> int:
    starts = [0, *(m.end() for m in re.finditer(rb"\n", data))]
    return rng.choice(starts)


BYTE_MUTATIONS: dict[str, Callable[[random.Random, bytes], tuple[bytes, str]]] = {
    "truncate": _truncate,
    "flip": _flip,
    "insert": _insert,
    "delete": _delete,
    "splice": _splice,
    "surrogate": _surrogate,
    "utf8": _invalid_utf8,
    "newlines": _newlines,
    "prefix": _prefix,
    "empty": _empty,
    "indent": _indent,
    "longline": _long_line,
}
#: How often each byte mutation is drawn (``empty`` has few distinct outcomes).
BYTE_WEIGHTS = {name: 1 for name in BYTE_MUTATIONS} | {"empty": 0.2, "truncate": 2, "flip": 2}


# Notebook mutations: (rng, parsed notebook) -> description; they edit it in place
# or return a replacement document as the second item.


def _a_cell(rng: random.Random, nb: dict) -> dict | None:
    cells = nb.get("cells")
    if isinstance(cells, list) and cells:
        cell = rng.choice(cells)
        return cell if isinstance(cell, dict) else None
    return None


def _nb_wrong_types(rng: random.Random, nb: dict) -> tuple[str, object]:
    target = rng.choice(["cells", "source", "metadata", "cell-metadata", "outputs", "count"])
    value = rng.choice([None, 1, 2.5, True, "text", [], {}, [1, None], {"a": [1]}])
    cell = _a_cell(rng, nb)
    if target == "cells" or cell is None:
        nb["cells"] = value
        return f"cells={value!r}", nb
    key = {"cell-metadata": "metadata", "count": "execution_count"}.get(target, target)
    cell[key] = value
    return f"cell.{key}={value!r}", nb


def _nb_cell_as_value(rng: random.Random, nb: dict) -> tuple[str, object]:
    cells = nb.get("cells")
    if not isinstance(cells, list) or not cells:
        return _nb_wrong_types(rng, nb)
    i = rng.randrange(len(cells))
    source = cells[i].get("source", "") if isinstance(cells[i], dict) else ""
    text = "".join(source) if isinstance(source, list) else str(source)
    cells[i] = rng.choice([text, None, 7, [text], ["code", text]])
    return f"cells[{i}]={type(cells[i]).__name__}", nb


def _nb_source_non_strings(rng: random.Random, nb: dict) -> tuple[str, object]:
    cell = _a_cell(rng, nb)
    if cell is None:
        return _nb_wrong_types(rng, nb)
    junk = [1, None, ["x = 1\n"], {"a": "b"}, 2.5, True, "from keras import layers\n"]
    cell["source"] = [*junk[: rng.randint(1, len(junk))], "layers.Dense(3)\n"]
    rng.shuffle(cell["source"])
    return "source=list-of-non-strings", nb


def _nb_missing_key(rng: random.Random, nb: dict) -> tuple[str, object]:
    cell = _a_cell(rng, nb)
    if cell is not None and rng.random() < 0.6:
        key = rng.choice(["cell_type", "source", "metadata", "outputs", "execution_count"])
        cell.pop(key, None)
        return f"cell-missing:{key}", nb
    key = rng.choice(["cells", "metadata", "nbformat", "nbformat_minor"])
    nb.pop(key, None)
    return f"missing:{key}", nb


def _nb_version(rng: random.Random, nb: dict) -> tuple[str, object]:
    version = rng.choice([3, 5, "4", 4.0, -1, 0, 10**30, None, 2])
    if version == 3 and rng.random() < 0.7:
        cells = nb.get("cells") if isinstance(nb.get("cells"), list) else []
        old = [
            {"cell_type": c.get("cell_type"), "input": c.get("source"), "language": "python"}
            for c in cells
            if isinstance(c, dict)
        ]
        return "nbformat3-worksheets", {
            "nbformat": 3,
            "nbformat_minor": 0,
            "metadata": {},
            "worksheets": [{"cells": old, "metadata": {}}],
        }
    nb["nbformat"] = version
    if rng.random() < 0.5:
        nb["nbformat_minor"] = rng.choice([99, -1, "x", None])
    return f"nbformat={version!r}", nb


def _nb_cell_type(rng: random.Random, nb: dict) -> tuple[str, object]:
    cell = _a_cell(rng, nb)
    if cell is None:
        return _nb_wrong_types(rng, nb)
    cell["cell_type"] = rng.choice(["markdown", "raw", "heading", "Code", "", 1, None, ["code"]])
    return f"cell_type={cell['cell_type']!r}", nb


def _nb_huge(rng: random.Random, nb: dict) -> tuple[str, object]:
    n = rng.choice([500, 2_000, 5_000])
    plain = {"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": None}
    cells = []
    for i in range(n):
        source = "layers.Dense(3)\n" if i % 97 == 0 else f"x{i} = {i}\n"
        cells.append({**plain, "source": source})
    cells.insert(0, {**plain, "source": "from keras import layers\n"})
    nb["cells"] = cells
    return f"huge:{n}-cells", nb


def _nb_top_level(rng: random.Random, nb: dict) -> tuple[str, object]:
    doc = rng.choice([[], "notebook", 1, None, True, [nb], {"nb": nb}])
    return f"top-level={type(doc).__name__}", doc


def _nb_magic(rng: random.Random, nb: dict) -> tuple[str, object]:
    cell = _a_cell(rng, nb)
    if cell is None:
        return _nb_wrong_types(rng, nb)
    magic = rng.choice(MAGIC_LINES)
    source = cell.get("source", "")
    if isinstance(source, list):
        cell["source"] = [magic, *source]
    else:
        cell["source"] = magic + str(source)
    return f"magic:{magic!r}", nb


def _nb_newlines(rng: random.Random, nb: dict) -> tuple[str, object]:
    sep = rng.choice(["\r\n", "\r", "\x0c\n", "\u2028"])
    for cell in nb.get("cells", []) if isinstance(nb.get("cells"), list) else []:
        if isinstance(cell, dict) and isinstance(cell.get("source"), str):
            cell["source"] = cell["source"].replace("\n", sep)
        elif isinstance(cell, dict) and isinstance(cell.get("source"), list):
            cell["source"] = [
                s.replace("\n", sep) if isinstance(s, str) else s for s in cell["source"]
            ]
    return f"cell-newlines={sep!r}", nb


NOTEBOOK_MUTATIONS: dict[str, Callable[[random.Random, dict], tuple[str, object]]] = {
    "nb-types": _nb_wrong_types,
    "nb-cell-value": _nb_cell_as_value,
    "nb-source-list": _nb_source_non_strings,
    "nb-missing": _nb_missing_key,
    "nb-version": _nb_version,
    "nb-cell-type": _nb_cell_type,
    "nb-huge": _nb_huge,
    "nb-top-level": _nb_top_level,
    "nb-magic": _nb_magic,
    "nb-newlines": _nb_newlines,
}


def _deep_json(rng: random.Random) -> tuple[bytes, str]:
    n = rng.choice([100, 1_000, 100_000])
    where = rng.choice(["document", "metadata", "source"])
    deep = "[" * n + "]" * n
    if where == "document":
        return deep.encode(), f"deep-json:{where}x{n}"
    doc = (
        '{"nbformat": 4, "nbformat_minor": 5, "metadata": %s, "cells": [{"cell_type": "code",'
        ' "metadata": {}, "outputs": [], "execution_count": null, "source": %s}]}'
    )
    if where == "metadata":
        return (doc % (deep, '"import keras\\n"')).encode(), f"deep-json:{where}x{n}"
    return (doc % ("{}", deep)).encode(), f"deep-json:{where}x{n}"


def mutant(seed: int, index: int) -> Mutant:
    """The ``index``-th mutant of the corpus seeded with ``seed``."""
    rng = random.Random(f"reglint-robustness:{seed}:{index}")
    sources = _sources()
    if rng.random() < NOTEBOOK_SHARE:
        sources = [s for s in sources if s[0].endswith(".ipynb")] or sources
    origin, data = rng.choice(sources)
    steps = []
    notebook = origin.endswith(".ipynb")
    if notebook:
        draw = rng.random()
        if draw < 0.5:
            data, step = _mutate_notebook(rng, data)
            steps.append(step)
        elif draw < 0.85:
            data, step = _mutate_cell_source(rng, data)
            steps.append(step)
    if not steps or rng.random() < (0.1 if notebook else 0.25):
        names = list(BYTE_MUTATIONS)
        for _ in range(1 if steps else rng.choice([1, 1, 1, 2, 3])):
            name = rng.choices(names, weights=[BYTE_WEIGHTS[n] for n in names])[0]
            data, step = BYTE_MUTATIONS[name](rng, data)
            steps.append(step)
    stem = Path(origin).stem[:24]
    suffix = ".ipynb" if notebook else ".py"
    name = f"m{index:05d}_{stem}{suffix}"
    return Mutant(name, data, f"{' | '.join(steps)} <- {origin}", seed, index)


def _mutate_notebook(rng: random.Random, data: bytes) -> tuple[bytes, str]:
    if rng.random() < 0.08:
        return _deep_json(rng)
    try:
        nb = json.loads(data)
    except ValueError:
        nb = None
    if not isinstance(nb, dict):
        return _truncate(rng, data)
    name = rng.choice(list(NOTEBOOK_MUTATIONS))
    step, doc = NOTEBOOK_MUTATIONS[name](rng, nb)
    text = json.dumps(doc, ensure_ascii=rng.random() < 0.5, indent=rng.choice([None, 1]))
    return text.encode("utf-8", "surrogatepass"), step


def _mutate_cell_source(rng: random.Random, data: bytes) -> tuple[bytes, str]:
    """A byte mutation of one code cell's source, in a notebook that stays valid JSON."""
    try:
        nb = json.loads(data)
    except ValueError:
        nb = None
    cells = nb.get("cells") if isinstance(nb, dict) else None
    code = [c for c in cells or () if isinstance(c, dict) and c.get("cell_type") == "code"]
    if not code:
        return _truncate(rng, data)
    cell = rng.choice(code)
    source = cell.get("source", "")
    text = "".join(source) if isinstance(source, list) else str(source)
    name = rng.choice([n for n in BYTE_MUTATIONS if n not in ("prefix", "utf8")])
    new, step = BYTE_MUTATIONS[name](rng, text.encode("utf-8", "surrogatepass"))
    cell["source"] = new.decode("utf-8", "replace")
    return json.dumps(nb, ensure_ascii=rng.random() < 0.5).encode(), f"cell-{step}"


def mutants(seed: int, start: int, stop: int) -> list[Mutant]:
    return [mutant(seed, i) for i in range(start, stop)]


# Deep nesting: a fixed set, several depths of each shape, in a Keras module so that
# the rules (and their position lookups) run. Some are beyond CPython's limits.

KERAS_HEAD = "from keras import layers\nimport tensorflow as tf\n\n"
DEEP_SHAPES: dict[str, tuple[Callable[[int], str], tuple[int, ...]]] = {
    "parens": (lambda d: "(" * d + "1" + ")" * d, (50, 150, 250, 1_000, 3_000)),
    "lists": (lambda d: "[" * d + "]" * d, (150, 250, 1_000, 3_000)),
    "dicts": (lambda d: "{1: " * d + "1" + "}" * d, (150, 250, 1_000)),
    "calls": (lambda d: "f(" * d + "1" + ")" * d, (150, 250, 1_000)),
    "unary": (lambda d: "-" * d + "1", (250, 1_000, 10_000)),
    "not": (lambda d: "not " * d + "x", (250, 1_000, 5_000)),
    "attributes": (lambda d: "a" + ".b" * d, (250, 1_000, 10_000)),
    "subscripts": (lambda d: "x" + "[0]" * d, (250, 1_000, 5_000)),
    "call-chain": (lambda d: "f" + "()" * d, (250, 1_000, 5_000)),
    "binop": (lambda d: "+".join(["1"] * d), (250, 1_000, 10_000)),
    "strings": (lambda d: " ".join(['"a"'] * d), (1_000, 10_000)),
    "lambdas": (lambda d: "lambda: " * d + "1", (250, 1_000)),
}
INDENT_DEPTHS = (50, 99, 101, 200)


def _deep_module(expr: str, placement: str) -> str:
    if placement == "argument":
        return KERAS_HEAD + f"layers.Dense(3, kernel_regularizer={expr})\n"
    return KERAS_HEAD + f"y = {expr}\nlayers.Dense(3)\n"


def _nested_blocks(depth: int) -> str:
    lines = [f"{'    ' * i}if x:" for i in range(depth)]
    lines.append("    " * depth + "layers.Dense(3)")
    return KERAS_HEAD + "\n".join(lines) + "\n"


def deep_mutants() -> list[Mutant]:
    """Deeply nested expressions and blocks; the largest of each shape is listed last."""
    found = []
    for shape, (build, depths) in DEEP_SHAPES.items():
        for depth in depths:
            placements = ("statement", "argument") if depth == max(depths) else ("statement",)
            for placement in placements:
                name = f"deep_{shape}_{depth}_{placement}.py"
                text = _deep_module(build(depth), placement)
                found.append(Mutant(name, text.encode(), f"{shape} x{depth} as {placement}"))
    for depth in INDENT_DEPTHS:
        name = f"deep_blocks_{depth}.py"
        found.append(Mutant(name, _nested_blocks(depth).encode(), f"nested if x{depth}"))
    return found


def write(mutants_: list[Mutant], directory: Path) -> dict[str, Mutant]:
    """Write each mutant into ``directory``; returns them by file name."""
    directory.mkdir(parents=True, exist_ok=True)
    for m in mutants_:
        (directory / m.name).write_bytes(m.data)
    return {m.name: m for m in mutants_}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Write one mutant of the robustness corpus.")
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--index", type=int)
    parser.add_argument("--deep", help="the name of a deep_mutants() entry")
    parser.add_argument("-o", "--output", type=Path, required=True)
    args = parser.parse_args(argv)
    if args.deep:
        chosen = next(m for m in deep_mutants() if m.name == args.deep)
    else:
        chosen = mutant(args.seed, args.index)
    args.output.write_bytes(chosen.data)
    print(chosen.recipe)


if __name__ == "__main__":
    main()
