"""What the project index reads and how often (reglint/project_index.py): one stat
per module per run, edits seen by the next run, and text tests that answer as
the plain per-segment scans they replace. Asserted on counts, never timings."""

from __future__ import annotations

import os
import re
from collections import Counter
from pathlib import Path
from types import SimpleNamespace

import pytest

import reglint.project_index as project_index
from reglint.catalog import KERNEL_LAYERS
from reglint.config import Settings
from reglint.engine import lint_source
from reglint.project_index import ProjectIndex, in_one_run, one_run
from reglint.runner import lint_files

BLOCKS = """\
from keras import layers

from .norms import norm


def conv_block(x, filters, reg=None):
    x = layers.Conv2D(filters, 3, kernel_regularizer=reg)(x)
    return norm(x)


def dense_block(x, units, reg=None):
    return layers.Dense(units, kernel_regularizer=reg)(x)
"""
NORMS = """\
from keras import layers


def norm(x):
    return layers.BatchNormalization()(x)
"""
CALLER = """\
from pkg.blocks import conv_block, dense_block
from pkg.utils import shape


def net(x):
    shape(x)
    x = conv_block(x, 8)
    return dense_block(x, 2)
"""
UTILS = "def shape(x):\n    return len(x)\n"


def make_package(root: Path, callers: int = 6) -> list[str]:
    pkg = root / "pkg"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "blocks.py").write_text(BLOCKS)
    (pkg / "norms.py").write_text(NORMS)
    (pkg / "utils.py").write_text(UTILS)
    for i in range(callers):
        (pkg / f"net{i}.py").write_text(CALLER)
    return sorted(str(p) for p in pkg.glob("*.py"))


class StatCount:
    """Counts the ``os.stat`` calls the project index makes, per path."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.paths: Counter[str] = Counter()

        def stat(path: str, *args: object, **kwargs: object) -> os.stat_result:
            self.paths[os.path.basename(path)] += 1
            return os.stat(path, *args, **kwargs)  # type: ignore[arg-type]

        proxy = SimpleNamespace(**{name: getattr(os, name) for name in dir(os)})
        proxy.stat = stat
        monkeypatch.setattr(project_index, "os", proxy)


def test_a_run_stats_each_module_once(tmp_path, monkeypatch):
    files = make_package(tmp_path)
    settings = Settings(root=tmp_path, options={"cross-calls": True})
    stats = StatCount(monkeypatch)
    results = list(lint_files(files, settings, jobs=1))
    by_name = {Path(r.path).name: r for r in results}
    # each caller is judged across calls: conv_block and dense_block leave `reg` empty
    assert all(r.error is None for r in results)
    assert {f.code for f in by_name["net0.py"].findings} == {"RL001"}
    assert len(by_name["net5.py"].findings) == 2
    assert stats.paths["blocks.py"] == 1  # asked about by six callers, twice each
    assert max(stats.paths.values()) == 1, stats.paths


def test_an_edit_between_runs_is_seen(tmp_path):
    files = make_package(tmp_path, callers=2)
    settings = Settings(root=tmp_path, options={"cross-calls": True})
    first = [len(r.findings) for r in lint_files(files, settings, jobs=1)]
    blocks = tmp_path / "pkg" / "blocks.py"
    blocks.write_text(BLOCKS.replace("kernel_regularizer=reg", "kernel_regularizer='l2'"))
    os.utime(blocks, ns=(1_600_000_000_000_000_000, 1_600_000_000_000_000_000))
    second = [len(r.findings) for r in lint_files(files, settings, jobs=1)]
    assert sum(first) == 4 and sum(second) == 0


def test_outside_a_run_each_read_stats_again_inside_one_once(tmp_path):
    make_package(tmp_path)
    index = ProjectIndex(str(tmp_path))
    importer = str(tmp_path / "pkg" / "net0.py")
    for _ in range(3):
        assert not index.builds_layers(importer, "pkg.utils.shape")
    outside = index.counters["stats"]
    with one_run():
        for _ in range(3):
            assert not index.builds_layers(importer, "pkg.utils.shape")
    inside = index.counters["stats"] - outside
    assert inside == 1 and outside >= 3


def test_each_wrapped_call_is_a_run_of_its_own(tmp_path):
    """As the language server lints: an edit between two lints is seen."""
    make_package(tmp_path, callers=1)
    settings = Settings(root=tmp_path, options={"cross-calls": True})
    path = tmp_path / "pkg" / "net0.py"
    lint = in_one_run(lint_source)
    assert len(lint(CALLER, str(path), settings)) == 2
    blocks = tmp_path / "pkg" / "blocks.py"
    blocks.write_text(BLOCKS.replace("reg=None", "reg='l2'") + "\n")
    assert lint(CALLER, str(path), settings) == []


def test_a_run_ends_with_its_generator_and_nested_runs_join_it():
    seen = []

    @in_one_run
    def inner() -> int:
        return project_index._run

    @in_one_run
    def outer():
        seen.append(project_index._run)
        yield inner()
        yield inner()

    assert project_index._run == 0
    assert list(outer()) == [seen[0], seen[0]] and seen[0] != 0
    assert project_index._run == 0
    stopped = outer()
    next(stopped)
    stopped.close()
    assert project_index._run == 0


# --- the faster text tests answer as the plain scans they replace ---------------

OLD_PATTERNS = {
    "_DEF": re.compile(r"^(?:(?:async[ \t]+)?def|class)[ \t]+(\w+)", re.MULTILINE),
    "_NESTED_DEF": re.compile(r"^[ \t]+(?:async[ \t]+)?def[ \t]+(\w+)", re.MULTILINE),
    "_ASSIGNED": re.compile(r"^(\w+)[ \t]*([:=].*)", re.MULTILINE),
    "_IMPORTS": re.compile(
        r"^[ \t]*(?:from[ \t]+(\.*)([\w.]*)[ \t]+import[ \t]+(\([^)]*\)|[^\n#;]*)"
        r"|import[ \t]+([^\n#;]+))",
        re.MULTILINE,
    ),
}
OLD_CALLED = re.compile(r"([A-Za-z_][\w.]*)[ \t]*\(")
OLD_TOP_LEVEL = re.compile(r"^[^\s#)\]}]", re.MULTILINE)

EDGES = [
    "",
    "def f(x):\n    return g(x)",
    "async def f():\n  def inner(): pass\n\tasync  def h(): ...\nX = 1\nY: int = 2\n",
    "import os\nfrom . import (a,\n  b as c)\nfrom ..pkg.mod import d  # note\n"
    "import x.y as z; import w\n",
    "from x import \nimport\nfrom .m import (\n)\n  import q\n",
    "def f():\n    1foo(x) a1.b(c) é(x) éfoo (y) fooé(z) x..y(z) _a(\n    ab \t(\n",
    "def g():\n    return MyDense(Dense_(Dense(Conv2DTranspose(Conv2D(x)))))\n# Dense\n",
    "def h():\n    s = 'Denseé LSTMCell GRU_'\n)\n]\n}\n#c\n\n  \ndef k(): pass\n",
    "x = [\ndef f(): pass\n]\nclass C:\n    def m(self): Embedding(1)\n",
]


def corpus() -> list[str]:
    """The crafted edge cases and this repository's own Python files."""
    here = Path(__file__).resolve().parent
    files = sorted((here.parent / "reglint").rglob("*.py")) + sorted(here.glob("*.py"))
    assert len(files) > 50
    return EDGES + [p.read_text(encoding="utf-8") for p in files]


def old_names_layer(text: str) -> bool:
    names = [n for n in KERNEL_LAYERS if n in text]
    return bool(names) and bool(re.search(r"\b(?:" + "|".join(names) + r")\b", text))


def old_segment(text: str, start: int) -> str:
    line_end = text.find("\n", start)
    if line_end < 0:
        return text[start:]
    found = OLD_TOP_LEVEL.search(text, line_end + 1)
    return text[start : found.start() if found else len(text)]


def test_the_line_patterns_find_what_the_multiline_ones_did():
    for text in corpus():
        for name, old in OLD_PATTERNS.items():
            new = getattr(project_index, name)
            assert new.findall(text) == old.findall(text), name
        assert [(s, m.group(1)) for s, m in project_index._DEF.finditer(text)] == [
            (m.start(), m.group(1)) for m in OLD_PATTERNS["_DEF"].finditer(text)
        ]


def test_segments_their_calls_and_layers_are_what_the_old_scans_found():
    segments = layers = 0
    for text in corpus():
        table = project_index._Text(text)
        for starts in table.defs().values():
            for start in starts:
                end = project_index._segment_end(text, start)
                segment = old_segment(text, start)
                assert text[start:end] == segment
                assert list(table.called(start, end)) == list(
                    dict.fromkeys(OLD_CALLED.findall(segment))
                )
                found = project_index._names_layer(segment)
                assert found == old_names_layer(segment)
                segments, layers = segments + 1, layers + found
        assert project_index._names_layer(text) == old_names_layer(text)
    assert segments > 500 and layers > 20  # the corpus exercised both answers


def test_an_import_list_with_comments_is_followed(tmp_path):
    """``from .blocks import (  # ...`` with a comment on each line: the helper
    imported there is still followed (a comment once swallowed the next name)."""
    pkg = tmp_path / "pkg"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "blocks.py").write_text(
        "from keras import layers\n\n\ndef conv_block(x, reg=None):\n"
        "    return layers.Conv2D(8, 3, kernel_regularizer=reg)(x)\n"
    )
    (pkg / "mid.py").write_text(
        "from .blocks import (  # the blocks\n    conv_block,  # one conv\n)\n\n\n"
        "def wrap(x, reg=None):\n    return conv_block(x, reg)\n"
    )
    caller = pkg / "nets.py"
    caller.write_text("from .mid import wrap\n\ny = wrap(x)\n")
    settings = Settings(root=tmp_path, options={"cross-calls": True})
    found = lint_source(caller.read_text(), str(caller), settings)
    assert [(f.code, f.location.row) for f in found] == [("RL001", 3)]
