"""RL001/RL003 across helpers, parameters and modules, through the real CLI
(issue 9): the finding sits at the call, the layer's location is attached."""

from __future__ import annotations

import json

from reglint_testing import run_reglint

BLOCKS = """\
from keras import layers, regularizers


def conv_block(x, filters, reg=None):
    x = layers.Conv2D(filters, 3, kernel_regularizer=reg)(x)
    return layers.ReLU()(x)


def fc(x, units, decay=1e-4):
    return layers.Dense(units, kernel_regularizer=regularizers.l2(decay))(x)
"""
NETS = """\
from keras import layers

from .blocks import conv_block, fc
from .settings import DECAY

COMMON = {"kernel_size": 3}


def build(x):
    x = conv_block(x, 32)
    x = fc(x, 10, decay=DECAY)
    x = layers.Conv2D(8, **COMMON)(x)
    x = conv_block(x, 64, reg="l2")
    x = conv_block(x, 64, None)
    return fc(x, 10)
"""


def make_package(tmp_path, settings="DECAY = 0.0\n"):
    (tmp_path / "pyproject.toml").write_text("[tool.reglint]\n")
    pkg = tmp_path / "pkg"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "settings.py").write_text(settings)
    (pkg / "blocks.py").write_text(BLOCKS)
    (pkg / "nets.py").write_text(NETS)
    return pkg


def findings(result):
    assert result.returncode in (0, 1), result.stderr
    return [
        (
            f["filename"],
            f["location"]["row"],
            f["code"],
            [(r["filename"], r["location"]["row"], r["location"]["column"]) for r in f["related"]],
        )
        for f in json.loads(result.stdout)
    ]


def test_issue_package_findings_sit_at_the_calls(tmp_path):
    make_package(tmp_path)
    result = run_reglint("check", "--no-cache", "--output-format", "json", ".", cwd=tmp_path)
    assert findings(result) == [
        ("pkg/nets.py", 10, "RL001", [("pkg/blocks.py", 5, 9)]),  # reg left None
        ("pkg/nets.py", 11, "RL003", [("pkg/blocks.py", 10, 12)]),  # DECAY = 0.0
        ("pkg/nets.py", 12, "RL001", []),  # **COMMON has no kernel_regularizer
        ("pkg/nets.py", 14, "RL001", [("pkg/blocks.py", 5, 9)]),  # None passed positionally
    ]
    # the helper's own layer and the regularized calls are not reported
    text = run_reglint("check", "--no-cache", ".", cwd=tmp_path).stdout
    assert "pkg/blocks.py:5:9: note: `Conv2D` built here by `conv_block`" in text
    assert "pkg/blocks.py:5:9: RL" not in text


def test_helper_never_left_empty_gets_no_finding(tmp_path):
    pkg = make_package(tmp_path, settings="DECAY = 1e-4\n")
    (pkg / "nets.py").write_text(
        "from .blocks import conv_block, fc\nfrom .settings import DECAY\n\n"
        "def build(x, r):\n    x = conv_block(x, 8, reg='l2')\n    x = conv_block(x, 8, r)\n"
        "    return fc(x, 10, decay=DECAY)\n"
    )
    result = run_reglint("check", "--no-cache", ".", cwd=tmp_path)
    assert result.returncode == 0, result.stdout


def test_unsafe_fix_passes_the_regularizer_at_the_call(tmp_path):
    make_package(tmp_path)
    result = run_reglint("check", "--fix", "--unsafe-fixes", "pkg/nets.py", cwd=tmp_path)
    fixed = (tmp_path / "pkg" / "nets.py").read_text()
    assert "from keras import layers, regularizers\n" in fixed, result.stdout
    assert "    x = conv_block(x, 32, reg=regularizers.L2(0.0001))\n" in fixed
    assert "    x = conv_block(x, 64, regularizers.L2(0.0001))\n" in fixed
    # what is not fixable remains reported
    again = findings(
        run_reglint("check", "--no-cache", "--output-format", "json", "pkg/nets.py", cwd=tmp_path)
    )
    assert [(f[1], f[2]) for f in again] == [(11, "RL003"), (12, "RL001")]


def test_precommit_single_file_reads_the_package_around_it(tmp_path):
    make_package(tmp_path)
    result = run_reglint("check", "--no-cache", "pkg/nets.py", cwd=tmp_path)
    assert result.stdout.count("RL00") == 4, result.stdout


def test_unknown_function_stays_unknown(tmp_path):
    (tmp_path / "script.py").write_text(
        "from somewhere_else import conv_block\nfrom keras import layers\n"
        "x = conv_block(None, 32)\nlayers.Dense(4, kernel_regularizer='l2')\n"
    )
    result = run_reglint("check", "--no-cache", "script.py", cwd=tmp_path)
    assert result.returncode == 0, result.stdout


def test_sarif_related_locations(tmp_path):
    make_package(tmp_path)
    result = run_reglint("check", "--no-cache", "--output-format", "sarif", ".", cwd=tmp_path)
    results = json.loads(result.stdout)["runs"][0]["results"]
    related = [r.get("relatedLocations") for r in results]
    assert related[0][0]["physicalLocation"]["region"] == {"startLine": 5, "startColumn": 9}
    assert related[0][0]["physicalLocation"]["artifactLocation"]["uri"].endswith("pkg/blocks.py")


def test_warm_run_relints_the_caller_when_the_helper_changes(tmp_path):
    """The cache entry of nets.py records blocks.py's digest: editing the helper's
    default changes the caller's findings on the next (warm) run, both ways."""
    pkg = make_package(tmp_path)
    blocks = pkg / "blocks.py"

    def codes_at_line_10() -> list[str]:
        result = run_reglint("check", "--output-format", "json", ".", cwd=tmp_path)
        return [f[2] for f in findings(result) if f[:2] == ("pkg/nets.py", 10)]

    assert codes_at_line_10() == ["RL001"]
    assert codes_at_line_10() == ["RL001"]  # warm, from the cache
    blocks.write_text(BLOCKS.replace("reg=None", "reg=regularizers.L2(1e-4)"))
    assert codes_at_line_10() == []
    blocks.write_text(BLOCKS)
    assert codes_at_line_10() == ["RL001"]
    assert (tmp_path / ".reglint_cache").is_dir()


def test_cross_call_analysis_is_on_unless_turned_off(tmp_path):
    """On by default; `cross-calls = false` or `--no-cross-calls` turns it off,
    and `--cross-calls` overrides the config. `--preview` changes nothing here."""
    make_package(tmp_path)
    args = ("check", "--no-cache", "--output-format", "json", ".")
    on = findings(run_reglint(*args, cwd=tmp_path))
    assert ("pkg/nets.py", 10, "RL001", [("pkg/blocks.py", 5, 9)]) in on
    assert findings(run_reglint(*args, "--preview", cwd=tmp_path)) == on
    off = findings(run_reglint(*args, "--no-cross-calls", cwd=tmp_path))
    assert off == []  # each call judged alone: `**COMMON` may hold the regularizer
    (tmp_path / "pyproject.toml").write_text("[tool.reglint]\ncross-calls = false\n")
    assert findings(run_reglint(*args, cwd=tmp_path)) == off
    assert findings(run_reglint(*args, "--cross-calls", cwd=tmp_path)) == on
    (tmp_path / "pyproject.toml").write_text("[tool.reglint]\ncross-calls = 1\n")
    bad = run_reglint(*args, cwd=tmp_path)
    assert bad.returncode == 2 and "cross-calls must be true or false" in bad.stderr
