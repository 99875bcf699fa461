"""What keeps cross-call analysis cheap on large trees, asserted on
the index's counters and on what it read, never on timings; and that the gate
in front of it never drops a finding (docs/cross-calls.md)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from reglint import crosscall
from reglint.candidates import cross_call_sites, facts
from reglint.config import Settings
from reglint.engine import _cross_calls, lint_source
from reglint.project_index import ProjectIndex, recording
from reglint.triggers import Text

BLOCKS = """\
from keras import layers

REGISTRY = {}
TABLE: dict = {}
Alias = layers


def conv_block(x, filters, reg=None):
    return layers.Conv2D(filters, 3, kernel_regularizer=reg)(x)


def closed(x):
    return layers.Dense(4)(x)


def looks_up(x):
    REGISTRY.get("a")
    TABLE.get("b")
    return x


def through_alias(x, reg=None):
    return Alias.Dense(3, kernel_regularizer=reg)(x)
"""
UTILS = """\
import os

from .blocks import conv_block

CACHE = {}


def join(a, b):
    CACHE.get(a)
    return os.path.join(a, b)


def shape(x):
    return len(x)
"""
OTHER = """\
from keras import layers


def other_block(x, reg=None):
    return layers.Dense(8, kernel_regularizer=reg)(x)
"""
CALLER = """\
from pkg.utils import join, shape
from pkg import conv_block


def run(x):
    join("a", "b")
    shape(x)
    return conv_block(x, 4)
"""


def make_package(tmp_path: Path) -> Path:
    pkg = tmp_path / "pkg"
    (pkg / "sub").mkdir(parents=True)
    (pkg / "__init__.py").write_text(
        "from .blocks import conv_block\nfrom .other import other_block\n"
    )
    (pkg / "blocks.py").write_text(BLOCKS)
    (pkg / "utils.py").write_text(UTILS)
    (pkg / "other.py").write_text(OTHER)
    (pkg / "sub" / "__init__.py").write_text("")
    (pkg / "sub" / "a.py").write_text(CALLER)
    (pkg / "sub" / "b.py").write_text(CALLER)
    (pkg / "c.py").write_text(CALLER)
    return pkg


def test_a_utility_without_layers_is_never_parsed(tmp_path):
    pkg = make_package(tmp_path)
    index = ProjectIndex(str(tmp_path))
    importer = str(pkg / "c.py")
    assert not index.builds_layers(importer, "pkg.utils.join")
    assert not index.builds_layers(importer, "pkg.utils.shape")
    assert index._analyses == {}  # decided on the text: nothing parsed
    assert index.counters["builds_layers"] == 2


def test_one_verdict_per_function_for_all_its_importers(tmp_path):
    """Importers in other directories share the verdict and the parse."""
    pkg = make_package(tmp_path)
    index = ProjectIndex(str(tmp_path))
    for importer in (pkg / "c.py", pkg / "sub" / "a.py", pkg / "sub" / "b.py"):
        assert index.builds_layers(str(importer), "pkg.conv_block")
        assert not index.builds_layers(str(importer), "pkg.utils.join")
    assert index.counters["builds_layers"] == 2
    parsed_paths = [key[0] for key, found in index._analyses.items() if found is not None]
    assert sorted(Path(p).name for p in parsed_paths) == ["__init__.py", "blocks.py"]
    assert len(parsed_paths) == len(set(parsed_paths))  # each parsed once


def test_a_reexported_name_reads_only_its_own_module(tmp_path):
    pkg = make_package(tmp_path)
    index = ProjectIndex(str(tmp_path))
    with recording() as read:
        assert index.builds_layers(str(pkg / "c.py"), "pkg.conv_block")
    names = sorted(Path(p).name for p in read)
    assert names == ["__init__.py", "blocks.py"]  # not other.py, not utils.py


def test_a_memoized_verdict_still_reports_what_it_read(tmp_path):
    """The result cache needs every module a file's result depends on, also when
    the verdict came from the memo (computed for another file)."""
    pkg = make_package(tmp_path)
    index = ProjectIndex(str(tmp_path))
    with recording() as first:
        index.builds_layers(str(pkg / "c.py"), "pkg.conv_block")
    with recording() as again:
        index.builds_layers(str(pkg / "sub" / "a.py"), "pkg.conv_block")
    assert again == first and len(first) == 2


def test_calls_on_module_level_data_do_not_pull_the_import_closure(tmp_path):
    """``REGISTRY.get(...)`` on a dict constant cannot reach a helper: the text test
    does not fall back on the module's whole import closure (which here names
    a kernel layer through ``conv_block``)."""
    pkg = make_package(tmp_path)
    index = ProjectIndex(str(tmp_path))
    with recording() as read:
        assert not index.builds_layers(str(pkg / "c.py"), "pkg.blocks.looks_up")
        assert not index.builds_layers(str(pkg / "c.py"), "pkg.utils.join")
    assert sorted(Path(p).name for p in read) == ["blocks.py", "utils.py"]
    assert index._analyses == {}


def test_an_alias_of_a_module_is_still_followed(tmp_path):
    pkg = make_package(tmp_path)
    index = ProjectIndex(str(tmp_path))
    assert index.builds_layers(str(pkg / "c.py"), "pkg.blocks.through_alias")


def test_a_helper_whose_layers_are_closed_passes_no_call_through_the_gate(tmp_path):
    """A local helper whose layers get nothing from its parameters has no summary
    need: its calls are not a reason to analyze the module (its layers are
    RL001's own); a helper with an open layer call is."""
    index = ProjectIndex(str(tmp_path))
    closed = "from keras import layers\n\ndef f(x):\n    return layers.Dense(4)(x)\n\nf(1)\n"
    opened = closed.replace("def f(x)", "def f(x, r=None)").replace(
        "Dense(4)", "Dense(4, kernel_regularizer=r)"
    )
    for source, expected in ((closed, False), (opened, True)):
        tree = ast.parse(source)
        assert cross_call_sites(tree, facts(tree), str(tmp_path / "m.py"), index) is expected


@pytest.mark.parametrize("name", ["nets.py", "deep.py", "only_utils.py", "blocks.py"])
def test_the_gate_never_drops_a_finding(tmp_path, name):
    """On a package that exercises re-exports, aliases, ``partial``, ``**`` dicts,
    module-level data and chains of helpers, the findings with the gate equal
    the cross-call analysis run on every file without it, and are not empty."""
    pkg = make_synthetic(tmp_path)
    settings = Settings(root=tmp_path, options={"cross-calls": True})
    path = next(p for p in pkg.rglob(name))
    source = path.read_text()
    codes = list(crosscall.CODES)
    gated = _cross_calls(Text(source), str(path), settings, codes, {})
    ungated = crosscall.check(source, str(path), ast.parse(source), settings, codes)
    assert gated == ungated
    assert gated
    everything = lint_source(source, str(path), settings)
    assert all(f in everything for f in gated)


SYNTH_FILES = {
    "__init__.py": "from .blocks import conv_block, fc\nfrom .sub.deep import deep_block\n",
    "settings.py": 'DECAY = 0.0\nREG = None\nCONFIG = {"kernel_size": 3}\nLOOKUP = {}\n',
    "blocks.py": """\
from functools import partial

from keras import layers, regularizers

from .settings import DECAY

REGISTRY = {}
ALIAS = layers


def conv_block(x, filters, reg=None):
    return layers.Conv2D(filters, 3, kernel_regularizer=reg)(x)


def fc(x, units, decay=1e-4):
    return layers.Dense(units, kernel_regularizer=regularizers.l2(decay))(x)


def fwd(x, units, **kwargs):
    return layers.Dense(units, **kwargs)(x)


def through_registry(x, reg=None):
    REGISTRY.get("a")
    return conv_block(x, 8, reg)


def through_alias(x, reg=None):
    return ALIAS.Dense(3, kernel_regularizer=reg)(x)


def const_decay(x):
    return fc(x, 3, decay=DECAY)


nobias = partial(conv_block, reg=None)
""",
    "sub/__init__.py": "",
    "sub/deep.py": """\
from ..blocks import conv_block, fwd

TABLE = {"a": 1}


def deep_block(x, reg=None):
    TABLE.get("a")
    return stage(x, reg)


def stage(x, reg):
    return conv_block(x, 16, reg=reg)


def star(x, **kw):
    return fwd(x, 3, **kw)


def use(x):
    return star(x, kernel_regularizer=None)
""",
    "nets.py": """\
import pkg.blocks as pb
from keras import layers

from pkg import conv_block, deep_block
from . import blocks
from .blocks import const_decay, fc, nobias, through_alias, through_registry
from .settings import CONFIG, DECAY, REG
from .sub import deep
from .sub.deep import star

B = blocks
cb = blocks.conv_block


def local(x, reg=None):
    return layers.Dense(5, kernel_regularizer=reg)(x)


def build(x):
    x = conv_block(x, 32)
    x = fc(x, 10, decay=DECAY)
    x = layers.Conv2D(8, **CONFIG)(x)
    x = conv_block(x, 64, REG)
    x = pb.conv_block(x, 3)
    x = B.conv_block(x, 3)
    x = cb(x, 4)
    x = nobias(x, 5)
    x = deep_block(x)
    x = deep.deep_block(x)
    x = star(x)
    x = through_registry(x)
    x = through_alias(x)
    x = const_decay(x)
    return local(x)
""",
    "only_utils.py": """\
import os

from .settings import LOOKUP
from .sub import deep


def uses():
    LOOKUP.get("x")
    return os.path.join("a", "b"), deep.stage(None, None)
""",
}


def make_synthetic(tmp_path: Path) -> Path:
    pkg = tmp_path / "pkg"
    for name, text in SYNTH_FILES.items():
        (pkg / name).parent.mkdir(parents=True, exist_ok=True)
        (pkg / name).write_text(text)
    return pkg


@pytest.mark.parametrize(
    ("constant", "gated"),
    [
        ("REG = regularizers.L2(1e-4)", False),  # RL003 judges the call itself
        ("REG = regularizers.l2(0.0)", False),  # reported once, at that call
        ("REG = 'l2'", False),
        ("REG = 'l1_l2'", True),  # a zero string: only a use shows it
        ("REG = regularizers.l2(DECAY)", True),  # the factor comes through a name
        ("REG = None", True),
    ],
)
def test_a_layer_given_a_plain_regularizer_constant_is_not_followed(tmp_path, constant, gated):
    source = (
        f"from keras import layers, regularizers\nDECAY = 0.0\n{constant}\n"
        "x = layers.Dense(3, kernel_regularizer=REG)\n"
    )
    tree = ast.parse(source)
    index = ProjectIndex(str(tmp_path), {})
    assert cross_call_sites(tree, facts(tree), str(tmp_path / "m.py"), index) is gated
    # and the analysis run without the gate agrees: nothing to report when not gated
    settings = Settings(root=tmp_path, options={"cross-calls": True})
    found = crosscall.check(source, str(tmp_path / "m.py"), tree, settings, ["RL001", "RL003"])
    assert gated or found == []


@pytest.mark.parametrize(
    ("source", "walked"),
    [
        ("import os\n\nimport keras\nfrom keras import ops\n\ny = ops.add(1, os.sep)\n", False),
        ("from keras.src.ops import numpy\n\ny = numpy.add(1, 2)\n", False),
        ("from .blocks import conv_block\n\ny = conv_block(x, 8)\n", True),
        ("from . import blocks\n\ny = blocks.conv_block(x, 8)\n", True),
        ("from os import path, \\\n    sep\nfrom .blocks import conv_block\n", True),
    ],
)
def test_a_module_importing_nothing_of_the_project_is_not_walked(
    tmp_path, monkeypatch, source, walked
):
    """A module that names no layer and imports only Keras and code outside the
    project cannot call a project builder: its tree is not walked for the gate;
    one importing from the project is, and its finding stays."""
    from reglint import candidates

    pkg = tmp_path / "pkg"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "blocks.py").write_text(BLOCKS)
    path = pkg / "caller.py"
    path.write_text(source)
    walks = []
    real = candidates.facts
    monkeypatch.setattr(candidates, "facts", lambda *a: walks.append(1) or real(*a))
    settings = Settings(root=tmp_path, options={"cross-calls": True})
    found = lint_source(source, str(path), settings)
    assert bool(walks) is walked
    if "conv_block(x, 8)" in source:
        assert [f.code for f in found] == ["RL001"]
