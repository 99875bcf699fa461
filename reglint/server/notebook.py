"""Lint a notebook the editor synced cell by cell (LSP notebook document sync).

The cells are written back into notebook JSON and linted by
:func:`reglint.notebooks.lint_notebook`, exactly as ``reglint check`` lints a
saved ``.ipynb``: one module across cells, IPython syntax understood.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from ..config import Settings
from ..findings import Finding


@dataclass(frozen=True)
class Cell:
    kind: str  # "code", "markdown" or "raw" (a code cell in another language)
    text: str


def notebook_json(cells: Sequence[Cell]) -> str:
    return json.dumps(
        {
            "cells": [
                {"cell_type": c.kind, "metadata": {}, "source": c.text}
                | ({"outputs": [], "execution_count": None} if c.kind == "code" else {})
                for c in cells
            ],
            "metadata": {"language_info": {"name": "python"}},
            "nbformat": 4,
            "nbformat_minor": 4,
        }
    )


def lint_cells(cells: Sequence[Cell], path: str, settings: Settings) -> dict[int, list[Finding]]:
    """Findings by cell index; their locations are relative to the cell."""
    from ..notebooks import lint_notebook

    by_cell: dict[int, list[Finding]] = defaultdict(list)
    for finding in lint_notebook(path, notebook_json(cells), settings):
        if finding.cell is not None:
            by_cell[finding.cell].append(finding)
    return dict(by_cell)
