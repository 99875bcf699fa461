"""RL001 and RL003 across calls and modules: the findings of :mod:`reglint.summaries`.

A finding sits at the call that leaves a helper's layer unregularized (or its
factor ineffective), with the layer's own location as a related location; or
at a layer whose regularizer comes from a module constant or a ``**`` dict
(which the per-call rules leave unknown). RL001's fix passes the regularizer
at the call, when the helper takes it as a parameter (unsafe, as RL001's own).
"""

from __future__ import annotations

import ast
import os
from collections.abc import Collection

from .config import Settings
from .findings import Edit, Finding, Fix, Location
from .keras_names import KerasSymbol, keras_symbol
from .summaries import MISSING, Const, ModuleAnalysis, Problem, Reg

CODES = ("RL001", "RL003")
_MODULES = {"keras3": "keras", "keras2": "tf_keras", "tf.keras": "tensorflow.keras"}


def check(
    source: str, path: str, tree: ast.Module, settings: Settings, codes: Collection[str]
) -> list[Finding]:
    from .project_index import index_for

    index = index_for(str(settings.root), settings.options)
    analysis = index.analysis(path, source, tree)
    groups: dict[tuple[int, str], list[Problem]] = {}
    for problem in analysis.module_problems():
        if problem.code in codes:
            groups.setdefault((id(problem.node), problem.code), []).append(problem)
    findings = []
    for problems in groups.values():
        findings.append(_finding(analysis, path, source, problems, settings))
    return findings


def _finding(
    analysis: ModuleAnalysis, path: str, source: str, problems: list[Problem], settings: Settings
) -> Finding:
    first = problems[0]
    node = first.node
    start = Location(node.lineno, analysis.column(node))  # type: ignore[attr-defined]
    end = Location(node.end_lineno, analysis.end_column(node))  # type: ignore[attr-defined]
    related = []
    if first.callee is not None:
        for p in problems:
            site = p.need.site
            inside = f" by `{p.need.helpers[-1]}`" if p.need.helpers else ""
            message = f"`{site.layer}` built here{inside}"
            entry = (_shown(site.path, path), Location(site.row, site.column), message)
            if entry not in related:  # a helper reached twice: ``block(block(x, wd), wd)``
                related.append(entry)
    fix = _fix(analysis, path, source, problems, settings) if first.code == "RL001" else None
    return Finding(first.code, _message(problems), path, start, end, fix, related=tuple(related))


def _shown(site_path: str, path: str) -> str:
    """The layer's file named as the finding's own is: absolute if it is, else
    relative to the working directory when under it."""
    if os.path.abspath(site_path) == os.path.abspath(path):
        return path
    if os.path.isabs(path):
        return os.path.abspath(site_path)
    relative = os.path.relpath(site_path)
    return site_path if relative.startswith("..") else relative


def _message(problems: list[Problem]) -> str:
    first = problems[0]
    layers = " and ".join(dict.fromkeys(f"`{p.need.site.layer}`" for p in problems))
    args = " and ".join(dict.fromkeys(f"`{p.need.arg}`" for p in problems))
    why = _why(problems)
    if first.code == "RL001":
        if first.callee is None:
            verb = "is built without" if first.value is MISSING else "gets `None` for"
            return f"{layers} {verb} {args}{why}: its weights train unpenalized"
        return (
            f"`{first.callee}(...)` builds {layers} without {args}{why}: "
            "its weights train unpenalized"
        )
    effect = "rewards large weights" if first.detail == "negative" else "adds no penalty"
    reg = first.value
    factors = ""
    if isinstance(reg, Reg):
        shown = ", ".join(f"{k}={v.value!r}" for k, v in reg.factors if isinstance(v, Const))
        factors = f"`{reg.name}({shown})`"
    if first.callee is None:
        return f"the {factors} regularizer of this {layers} {effect}"
    return f"`{first.callee}(...)` gives the {layers} it builds {factors}{why}: it {effect}"


def _why(problems: list[Problem]) -> str:
    blamed = list(dict.fromkeys(b for p in problems for b in p.blamed))
    if not blamed:
        return ""
    return " (through " + ", ".join(f"`{b}`" for b in blamed) + ")"


def _fix(
    analysis: ModuleAnalysis, path: str, source: str, problems: list[Problem], settings: Settings
) -> Fix | None:
    keywords = {p.fix_keyword for p in problems}
    call = problems[0].node
    if len(keywords) != 1 or None in keywords or path.endswith(".ipynb"):
        return None
    if not isinstance(call, ast.Call):
        return None
    keyword = keywords.pop()
    assert keyword is not None
    flavor = problems[0].need.site.flavor
    options = settings.options
    name = str(options.get("fix-regularizer", "L2"))
    callee, import_line = _regularizer_callee(analysis, flavor, name)
    expr = f"{callee}({float(options.get('fix-factor', 1e-4))!r})"
    passed = next((kw.value for kw in call.keywords if kw.arg == keyword), None)
    positions = {p.fix_position for p in problems}
    position = positions.pop() if len(positions) == 1 else None
    if passed is None and position is not None and position < len(call.args):
        passed = call.args[position]
        if any(isinstance(a, ast.Starred) for a in call.args[: position + 1]):
            return None
    if passed is not None:
        edit = Edit(
            expr,
            Location(passed.lineno, analysis.column(passed)),
            Location(passed.end_lineno, analysis.end_column(passed)),  # type: ignore[arg-type]
        )
    elif any(kw.arg is None for kw in call.keywords) or any(
        isinstance(a, ast.Starred) for a in call.args
    ):
        return None
    else:
        row, column = call.end_lineno, analysis.end_column(call) - 1  # before ``)``
        before = _text_before(analysis, row, column)  # type: ignore[arg-type]
        sep = "" if before in ("(", "") else (" " if before == "," else ", ")
        where = Location(row, column)  # type: ignore[arg-type]
        edit = Edit(f"{sep}{keyword}={expr}", where, where)
    edits = [edit]
    if import_line is not None and import_line not in source:
        from .import_edits import import_edit

        newline = "\r\n" if "\r\n" in source else "\n"
        edits.insert(0, import_edit(source, import_line, newline, _import_row(analysis.tree)))
    return Fix(f"pass `{keyword}` to `{problems[0].callee}`", tuple(edits), "unsafe")


def _text_before(analysis: ModuleAnalysis, row: int, column: int) -> str:
    """The last non-blank character before 1-based ``(row, column)``."""
    lines = analysis.lines
    text = lines[row - 1][: column - 1] if row - 1 < len(lines) else ""
    while not text.strip() and row > 1:
        row -= 1
        text = lines[row - 1]
    stripped = text.split("#")[0].rstrip() if "#" in text else text.rstrip()
    return stripped[-1:] if stripped else ""


def _import_row(tree: ast.Module) -> int:
    row = 1
    for index, stmt in enumerate(tree.body):
        doc = index == 0 and isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant)
        if not (doc or isinstance(stmt, (ast.Import, ast.ImportFrom))):
            break
        row = (stmt.end_lineno or stmt.lineno) + 1
    return row


def _regularizer_callee(analysis: ModuleAnalysis, flavor: str, name: str) -> tuple[str, str | None]:
    """How the caller's module names Keras' regularizer ``name``, and the import it needs."""
    model = analysis.model
    module = model.module
    for local in ("regularizers", "keras", "tf", "tensorflow", "tf_keras"):
        symbol = keras_symbol(model.resolve(ast.Name(local), module))
        qualified = model.resolve(ast.Name(local), module)
        if local == "regularizers" and symbol == KerasSymbol(flavor, "", "regularizers"):
            return f"regularizers.{name}", None
        if local in ("tf", "tensorflow") and qualified == "tensorflow" and flavor == "tf.keras":
            return f"{local}.keras.regularizers.{name}", None
        if local in ("keras", "tf_keras") and qualified == local == _MODULES.get(flavor):
            return f"{local}.regularizers.{name}", None
    return f"regularizers.{name}", f"from {_MODULES.get(flavor, 'keras')} import regularizers"
