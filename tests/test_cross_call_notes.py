"""The related locations of a cross-call finding: named as the finding's own
path is, and each listed once (found by the issue-9 evaluation)."""

from __future__ import annotations

import json

from reglint_testing import run_reglint
from test_cross_module import make_package

TWICE = """\
from keras import layers, regularizers


def block(x, wd):
    return layers.Conv2D(8, 3, kernel_regularizer=regularizers.l2(wd))(x)


def stage(x, wd):
    return block(block(x, wd), wd)


def net(x, wd=1e-4):
    return stage(x, wd)


y = net(None, wd=0.0)
"""


def test_a_helper_reached_twice_is_noted_once(tmp_path):
    (tmp_path / "m.py").write_text(TWICE)
    result = run_reglint("check", "--no-cache", "--output-format", "json", "m.py", cwd=tmp_path)
    [finding] = json.loads(result.stdout)
    assert finding["code"] == "RL003"
    assert [(r["location"]["row"], r["location"]["column"]) for r in finding["related"]] == [
        (5, 12)
    ]


def test_notes_name_their_file_as_the_finding_does(tmp_path):
    make_package(tmp_path)
    absolute = run_reglint("check", "--no-cache", str(tmp_path / "pkg"), cwd=tmp_path.parent).stdout
    assert f"{tmp_path / 'pkg' / 'nets.py'}:10:9: RL001" in absolute
    assert f"{tmp_path / 'pkg' / 'blocks.py'}:5:9: note:" in absolute
    relative = run_reglint("check", "--no-cache", "pkg", cwd=tmp_path).stdout
    assert "pkg/nets.py:10:9: RL001" in relative
    assert "pkg/blocks.py:5:9: note:" in relative
