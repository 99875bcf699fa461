"""Fixes in the file's own style, checked with the real tools: the names the
file imports are reused, an added import passes ruff's isort check (I001), and
``--add-noqa`` writes into notebook cells, which stay valid nbformat."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from reglint_testing import FIXTURES, run_reglint

RUFF = Path(sys.executable).with_name("ruff")


def _fixed(tmp_path: Path, text: str) -> str:
    (tmp_path / "m.py").write_text(text, encoding="utf-8")
    result = run_reglint("check", "--no-cache", "--fix", "--unsafe-fixes", "m.py", cwd=tmp_path)
    assert result.returncode in (0, 1), result.stderr
    return (tmp_path / "m.py").read_text(encoding="utf-8")


def _i001(directory: Path, name: str) -> int:
    done = subprocess.run(
        [str(RUFF), "check", "--select", "I", "--isolated", "--output-format", "json", name],
        cwd=directory,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode in (0, 1), done.stderr
    return sum(1 for d in json.loads(done.stdout) if d["code"] == "I001")


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        pytest.param(
            "from keras.layers import Dense\nfrom keras.regularizers import L2\n\nDense(4)\n",
            "from keras.layers import Dense\nfrom keras.regularizers import L2\n\n"
            "Dense(4, kernel_regularizer=L2(0.0001))\n",
            id="the-class-imported",
        ),
        pytest.param(
            "from keras import layers, regularizers\n\nlayers.Dense(4)\n",
            "from keras import layers, regularizers\n\n"
            "layers.Dense(4, kernel_regularizer=regularizers.L2(0.0001))\n",
            id="regularizers-imported",
        ),
        pytest.param(
            "import keras\nfrom keras import layers\n\nlayers.Dense(4)\n",
            "import keras\nfrom keras import layers\n\n"
            "layers.Dense(4, kernel_regularizer=keras.regularizers.L2(0.0001))\n",
            id="import-keras",
        ),
        pytest.param(
            "import tensorflow as tf\n\ntf.keras.layers.Dense(4)\n",
            "import tensorflow as tf\n\n"
            "tf.keras.layers.Dense(4, kernel_regularizer=tf.keras.regularizers.L2(0.0001))\n",
            id="tf-keras",
        ),
        pytest.param(
            "import tensorflow as tf\nfrom keras import layers\n\nlayers.Dense(4)\n",
            "import tensorflow as tf\nfrom keras import layers, regularizers\n\n"
            "layers.Dense(4, kernel_regularizer=regularizers.L2(0.0001))\n",
            id="no-tf-keras-spelling-for-keras",
        ),
        pytest.param(
            "from tensorflow.keras import Input, layers\n\nlayers.Dense(4)\n",
            "from tensorflow.keras import Input, layers, regularizers\n\n"
            "layers.Dense(4, kernel_regularizer=regularizers.L2(0.0001))\n",
            id="merged-into-the-import",
        ),
        pytest.param(
            "import os\n\nimport numpy as np\nfrom keras.layers import Dense\n\nDense(4)\n",
            "import os\n\nimport numpy as np\nfrom keras import regularizers\n"
            "from keras.layers import Dense\n\n"
            "Dense(4, kernel_regularizer=regularizers.L2(0.0001))\n",
            id="new-line-in-sorted-place",
        ),
        pytest.param(
            "from tf_keras.layers import Dense\n\nDense(4)\n",
            "from tf_keras import regularizers\nfrom tf_keras.layers import Dense\n\n"
            "Dense(4, kernel_regularizer=regularizers.L2(0.0001))\n",
            id="tf_keras",
        ),
    ],
)
def test_fix_reuses_the_files_names_and_sorts_its_import(tmp_path, source, expected) -> None:
    assert _fixed(tmp_path, source) == expected
    assert _i001(tmp_path, "m.py") == 0


#: Modules whose imports ruff's isort accepts; the fix must keep them accepted.
SORTED_MODULES = [
    '"""Doc."""\n\nfrom __future__ import annotations\n\nimport os\n\n'
    "from keras.layers import Dense\n\nm = Dense(4)\n",
    "import os\nimport sys\n\nfrom keras.layers import Dense\n\nm = Dense(4)\n",
    "import json\n\nimport keras.layers as kl\nimport numpy as np\n"
    "from keras.models import Model\n\nm = kl.Dense(4)\n",
    "from keras import layers as L\n\nm = L.Dense(4)\n",
    "import numpy as np\n\n# the model's layers\nfrom keras.layers import Dense\n\nm = Dense(4)\n",
    "from keras.layers import Dense\n\nfrom . import helpers\n\nm = Dense(4)\n",
    "from keras import (\n    Input,\n    layers,\n)\n\nm = layers.Dense(4)\n",
    "from tensorflow.keras import Input, Model, Sequential, callbacks, layers, optimizers\n"
    "\nm = layers.Dense(4)\n",  # 82 characters: `regularizers` makes ruff wrap it
    "import os\n\nos.environ['KERAS_BACKEND'] = 'jax'\n\nfrom keras import layers  # noqa: E402\n\n"
    "m = layers.Dense(4)\n",
    # A comment heading the third-party section stays above its first import.
    '"""Doc."""\n\n# Standard library.\nimport os\n\n# Third-party imports.\n'
    "from keras.layers import Dense\nfrom keras.models import Sequential\n\n"
    "m = Sequential([Dense(4)])\n",
    # A licence header right above the imports.
    "# Copyright 2026 Example.\n# Licensed under the Apache License.\n"
    "from keras.layers import Dense\n\nm = Dense(4)\n",
    # Imports only inside a ``try``, a function, or after a line isort skips.
    "try:\n    from keras.layers import Dense\nexcept ImportError:\n    raise\n\nm = Dense(4)\n",
    "def build():\n    from keras.layers import Dense\n\n    return Dense(4)\n",
    '"""Doc."""\n\n\n@decorate\ndef build():\n    from keras.layers import Dense\n\n'
    "    return Dense(4)\n",
    "import os\nimport sys\n\nfrom keras.layers import Dense  # isort: skip\n\nm = Dense(4)\n",
    "from __future__ import annotations\n\nfrom typing import TYPE_CHECKING\n\n"
    "from keras.layers import Dense\n\nif TYPE_CHECKING:\n    import numpy as np\n\n"
    "m = Dense(4)\n",
]


@pytest.mark.parametrize("source", SORTED_MODULES)
def test_an_added_import_keeps_sorted_imports_sorted(tmp_path, source) -> None:
    (tmp_path / "m.py").write_text(source)
    assert _i001(tmp_path, "m.py") == 0, source
    fixed = _fixed(tmp_path, source)
    assert "L2(0.0001)" in fixed
    assert _i001(tmp_path, "m.py") == 0, fixed


FIXED_FIXTURES = sorted([*FIXTURES.glob("fix/*.py"), *FIXTURES.glob("snippets/*.py")])


def test_fixed_fixtures_pass_ruffs_import_sorting_as_before(tmp_path) -> None:
    for path in FIXED_FIXTURES:
        shutil.copy(path, tmp_path / path.name)
    before = {p.name: _i001(tmp_path, p.name) for p in FIXED_FIXTURES}
    names = [p.name for p in FIXED_FIXTURES]
    run_reglint("check", "--no-cache", "--fix", "--unsafe-fixes", *names, cwd=tmp_path)
    changed = [p.name for p in FIXED_FIXTURES if (tmp_path / p.name).read_text() != p.read_text()]
    assert len(changed) >= 5, changed  # the fixes did run
    after = {name: _i001(tmp_path, name) for name in names}
    assert {n: c for n, c in after.items() if c > before[n]} == {}


def _notebook_copies(tmp_path: Path) -> list[Path]:
    names = ["cross_cell.ipynb", "magics.ipynb", "writefile.ipynb"]
    for name in names:
        shutil.copy(FIXTURES / "notebooks" / name, tmp_path / name)
    return [tmp_path / name for name in names]


def test_add_noqa_writes_into_notebook_cells(tmp_path) -> None:
    nbformat = pytest.importorskip("nbformat")
    paths = _notebook_copies(tmp_path)
    originals = {p: p.read_text(encoding="utf-8") for p in paths}
    before = run_reglint("check", "--no-cache", "--format", "json", ".", cwd=tmp_path)
    flagged = json.loads(before.stdout)
    assert before.returncode == 1 and all(f["cell"] for f in flagged)

    result = run_reglint("check", "--no-cache", "--add-noqa", ".", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stderr == f"Added {len(flagged)} noqa directives.\n"
    after = run_reglint("check", "--no-cache", ".", cwd=tmp_path)
    assert after.returncode == 0 and after.stdout == "All checks passed!\n"
    for path in paths:
        nbformat.validate(nbformat.read(str(path), as_version=4))
        old, new = originals[path].splitlines(), path.read_text(encoding="utf-8").splitlines()
        assert len(old) == len(new)  # the JSON keeps its layout: only source lines changed
        changed = [(a, b) for a, b in zip(old, new, strict=True) if a != b]
        assert all(b.replace("  # noqa: RL001", "") == a for a, b in changed), changed
        assert len(changed) == sum(f["filename"] == path.name for f in flagged)
        assert new[-1] == old[-1] and path.read_text().endswith("\n") == originals[path].endswith(
            "\n"
        )
    again = run_reglint("check", "--no-cache", "--add-noqa", ".", cwd=tmp_path)
    assert again.stderr == "Added 0 noqa directives.\n"


def test_add_noqa_never_comments_an_ipython_line(tmp_path) -> None:
    nbformat = pytest.importorskip("nbformat")
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_code_cell(
            "%env TF_USE_LEGACY_KERAS=1\nimport tensorflow as tf\n"
            "m = tf.keras.layers.Dense(4)\n!echo done"
        ),
        nbformat.v4.new_code_cell('doc = """\n"""\nm2 = tf.keras.layers.Dense(4)'),
    ]
    path = tmp_path / "nb.ipynb"
    nbformat.write(nb, str(path))
    result = run_reglint("check", "--no-cache", "--add-noqa", "nb.ipynb", cwd=tmp_path)
    assert result.stderr == "Added 2 noqa directives.\n"
    cells = nbformat.read(str(path), as_version=4).cells
    assert cells[0].source.splitlines() == [
        "%env TF_USE_LEGACY_KERAS=1",
        "import tensorflow as tf",
        "m = tf.keras.layers.Dense(4)  # noqa: RL001",
        "!echo done",
    ]
    assert cells[1].source.endswith("m2 = tf.keras.layers.Dense(4)  # noqa: RL001")
    assert run_reglint("check", "--no-cache", "nb.ipynb", cwd=tmp_path).returncode == 0


def test_add_noqa_refuses_a_notebook_whose_layout_it_cannot_keep(tmp_path) -> None:
    nbformat = pytest.importorskip("nbformat")
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("import keras\nkeras.layers.Dense(4)")]
    text = json.dumps(nb, indent=1).replace('"cells": [', '"cells":  [')  # hand-edited spacing
    path = tmp_path / "odd.ipynb"
    path.write_text(text)
    result = run_reglint("check", "--no-cache", "--add-noqa", "odd.ipynb", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.splitlines()[0].startswith("reglint: error: odd.ipynb: cannot write")
    assert path.read_text() == text
