"""Notebooks are linted as one module; findings point into their cells."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from reglint.config import DEFAULT_OPTIONS, Settings
from reglint.findings import Location
from reglint.formats.text_format import where
from reglint.notebooks import lint_notebook, notebook_source
from reglint.source import SourceError

NOTEBOOKS = Path(__file__).resolve().parent.parent / "fixtures" / "notebooks"


def _lint(path: Path, settings: Settings | None = None):
    return lint_notebook(str(path), path.read_text(encoding="utf-8"), settings or Settings())


def _write(tmp_path: Path, *cells, name: str = "nb.ipynb", **metadata) -> Path:
    nb = new_notebook(cells=list(cells), metadata=metadata or {"language_info": {"name": "python"}})
    path = tmp_path / name
    nbformat.write(nb, path)
    return path


def _where(findings):
    return [(f.code, f.cell, f.location.row, f.location.column) for f in findings]


def test_magics_shell_escapes_and_automagics_neither_crash_nor_shift_rows():
    findings = _lint(NOTEBOOKS / "magics.ipynb")
    # cell 2 (index 2) is ``%%time``: its body is Python, rows counted from the
    # magic line; cell 3 has an indented ``!echo`` and an automagic ``cd ..``;
    # its second Dense is suppressed by a noqa comment.
    assert _where(findings) == [("RL001", 2, 3, 5), ("RL001", 3, 4, 5)]
    for f in findings:
        assert f.cell_location == f.location
        assert f.fix is None


def test_placeholders_keep_every_row():
    nb = notebook_source((NOTEBOOKS / "magics.ipynb").read_text(encoding="utf-8"))
    cells = {c.index: c for c in nb.cells}
    assert sorted(cells) == [1, 2, 3]
    assert cells[1].lines == (
        "pass",
        "pass",
        "files = None",
        "pass",
        "pass",
        "import keras",
        "from keras import layers",
        "pass",
    )
    assert cells[2].lines[0] == ""  # the %%time line, blanked
    assert cells[3].lines[1] == "    pass"  # the indented shell escape
    assert nb.source.count("\n") == sum(len(c.lines) for c in nb.cells)


def test_names_from_earlier_cells_are_visible_later():
    findings = _lint(NOTEBOOKS / "cross_cell.ipynb")
    assert _where(findings) == [("RL001", 3, 2, 10)]
    assert "Dense" in findings[0].message


def test_text_output_counts_cells_from_one_like_ruff():
    (finding,) = _lint(NOTEBOOKS / "cross_cell.ipynb")
    assert where(finding).endswith("cross_cell.ipynb:cell 4:2:10")


def test_writefile_and_bash_cells_are_not_linted():
    path = NOTEBOOKS / "writefile.ipynb"
    assert _lint(path) == []
    nb = notebook_source(path.read_text(encoding="utf-8"))
    assert nb.skipped == (0, 1)
    assert [c.index for c in nb.cells] == [2]


def test_malformed_notebook_raises_a_one_line_source_error():
    with pytest.raises(SourceError) as info:
        _lint(NOTEBOOKS / "malformed.ipynb")
    message = str(info.value)
    assert "\n" not in message and "not a Jupyter notebook" in message


@pytest.mark.parametrize(
    "text",
    [
        "",
        "[]",
        '{"foo": 1}',
        '{"nbformat": 99, "cells": []}',
        '{"nbformat": 4, "nbformat_minor": 5, "cells": 3}',
        '"just a string"',
    ],
)
def test_json_that_is_not_a_notebook_is_a_source_error(text):
    with pytest.raises(SourceError) as info:
        lint_notebook("x.ipynb", text, Settings())
    assert "\n" not in str(info.value)


def test_a_cell_that_does_not_parse_gets_rl000_and_the_others_are_linted(tmp_path):
    path = _write(
        tmp_path,
        new_code_cell("import keras"),
        new_code_cell("keras.layers.Dense(4"),  # ends inside a bracket
        new_code_cell("def f(:\n    pass"),  # ends cleanly but does not parse
        new_code_cell("keras.layers.Dense(4)"),
    )
    findings = _lint(path)
    assert [(f.code, f.cell) for f in findings] == [("RL000", 1), ("RL000", 2), ("RL001", 3)]
    assert findings[2].location == Location(1, 1)
    assert findings[1].location.row == 1
    # With RL000 not selected, the other cells are still linted.
    settings = Settings(select=("RL001",))
    assert _where(_lint(path, settings)) == [("RL001", 3, 1, 1)]


def test_noqa_inside_a_cell(tmp_path):
    path = _write(
        tmp_path,
        new_code_cell("import keras"),
        new_code_cell(
            "x = 1\nkeras.layers.Dense(4)  # noqa: RL001\n"
            "keras.layers.Dense(4)  # noqa\nkeras.layers.Dense(2)"
        ),
    )
    assert _where(_lint(path)) == [("RL001", 1, 4, 1)]


def test_help_and_assignment_escapes(tmp_path):
    path = _write(
        tmp_path,
        new_code_cell(
            "import keras\nkeras.layers.Dense??\n?keras.layers\nout = !pip list\n"
            "s = '''\n!inside a string\n'''\nkeras.layers.Conv2D(8, 3)"
        ),
    )
    assert _where(_lint(path)) == [("RL001", 0, 8, 1)]


def test_env_magic_makes_tf_keras_legacy_for_rl010(tmp_path):
    body = (
        "import tensorflow as tf\nimport tf_keras\n"
        "a = tf.keras.layers.Dropout(0.5)\nb = tf_keras.layers.Dropout(0.5)"
    )
    mixed = _write(tmp_path, new_code_cell(body), name="mixed.ipynb")
    (finding,) = _lint(mixed)
    assert finding.code == "RL010" and (finding.cell, finding.location.row) == (0, 4)
    # The message's "line N" is translated to the cell the user sees.
    assert "cell 1, line 3" in finding.message
    legacy = _write(
        tmp_path,
        new_markdown_cell("setup"),
        new_code_cell("%env TF_USE_LEGACY_KERAS=1"),
        new_code_cell(body),
        name="legacy.ipynb",
    )
    assert _lint(legacy) == []


def test_rl009_in_a_notebook_names_the_cell_of_the_l2_penalty(tmp_path):
    path = _write(
        tmp_path,
        new_code_cell("import keras\nreg = keras.regularizers.L2(1e-4)"),
        new_code_cell(
            "model = keras.Sequential([keras.layers.Dense(1, kernel_regularizer=reg)])\n"
            "model.compile(optimizer=keras.optimizers.AdamW(), loss='mse')"
        ),
    )
    settings = Settings(extend_select=("RL009",), options=dict(DEFAULT_OPTIONS))
    (finding,) = _lint(path, settings)
    assert (finding.code, finding.cell, finding.location.row) == ("RL009", 1, 2)
    assert "cell 1, line 2" in finding.message


def test_non_python_notebooks_and_empty_notebooks_have_nothing_to_lint(tmp_path):
    r_nb = _write(
        tmp_path,
        new_code_cell("library(keras)\nlayer_dense(units = 4)"),
        name="r.ipynb",
        language_info={"name": "R"},
    )
    assert _lint(r_nb) == []
    assert _lint(_write(tmp_path, name="empty.ipynb")) == []


def test_nbformat_3_notebooks_are_upgraded(tmp_path):
    v3 = nbformat.v3
    nb = v3.new_notebook(
        worksheets=[
            v3.new_worksheet(cells=[v3.new_code_cell(input="import keras\nkeras.layers.Dense(4)")])
        ]
    )
    path = tmp_path / "old.ipynb"
    path.write_text(v3.writes_json(nb), encoding="utf-8")
    assert _where(_lint(path)) == [("RL001", 0, 2, 1)]


def test_source_as_list_and_crlf_line_endings(tmp_path):
    nb = {
        "nbformat": 4,
        "nbformat_minor": 5,
        "metadata": {},
        "cells": [
            {
                "cell_type": "code",
                "metadata": {},
                "outputs": [],
                "execution_count": None,
                "source": ["import keras\r\n", "\r\n", "keras.layers.Dense(4)"],
            }
        ],
    }
    path = tmp_path / "crlf.ipynb"
    path.write_text(json.dumps(nb), encoding="utf-8")
    assert _where(_lint(path)) == [("RL001", 0, 3, 1)]


def test_importing_the_module_does_not_import_nbformat():
    code = "import sys, reglint.notebooks; print('nbformat' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
