"""Lint a Jupyter notebook as one module, reporting positions inside its cells.

The code cells are joined into one Python module (a notebook is one namespace:
names from earlier cells are visible in later ones) and linted by the ordinary
engine; every finding is then mapped back to its cell. IPython syntax that is
not Python (line magics, shell escapes, ``obj?`` help, automagic lines) is
replaced, line for line, by a placeholder statement, so rows and the columns
of every other line are unchanged and ``# noqa`` comments keep working.

Cell numbering follows ruff: ``Finding.cell`` is the 0-based index among *all*
cells (markdown and raw cells included); formatters show it from 1
(``nb.ipynb:cell 3:2:5``). ``location`` and ``cell_location`` are both relative
to the cell, as in ruff's JSON output. A message that points at another row
(``the model built at line 12``) is rewritten to ``cell C, line R``.
"""

from __future__ import annotations

import ast
import dataclasses
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import libcst as cst

from .config import Settings
from .engine import SYNTAX_ERROR, _syntax_error, lint_source, python_tree, rules_for
from .findings import Finding, Location
from .rules import ALL_RULES
from .source import SourceError, python_dump

_NEWLINE = re.compile(r"\r\n|\r|\n")
#: How rule messages point at another row of the module (``... at line 12``).
_LINE_REF = re.compile(r"\bline (\d+)\b")

#: Cell magics whose body is Python run in the notebook's own namespace.
PYTHON_CELL_MAGICS = frozenset({"time", "timeit", "capture", "prun", "debug", "backend"})

#: Line magics IPython runs without ``%`` when automagic is on (the default).
AUTOMAGICS = frozenset(
    """
    alias alias_magic autoawait autocall automagic autoreload autosave bookmark cat
    cd clear colors conda config connect_info cp debug dhist dirs doctest_mode ed
    edit env gui hist history killbgscripts ldir less lf lk ll load load_ext loadpy
    logoff logon logstart logstate logstop ls lsmagic lx macro magic mamba man
    matplotlib micromamba mkdir more mv notebook page pastebin pdb pdef pdoc pfile
    pinfo pinfo2 pip popd pprint precision prun psearch psource pushd pwd pycat
    pylab qtconsole quickref recall rehashx reload_ext rep rerun reset
    reset_selective rm rmdir run save sc set_env store sx system tb tensorboard time
    timeit unalias unload_ext uv who who_ls whos xdel xmode
    """.split()  # noqa: SIM905
)

_AUTOMAGIC = re.compile(r"(?P<name>[A-Za-z_]\w*)[ \t]+(?P<rest>[^=(\[\s].*)?$")
# ``x = !ls``, ``a, b = %sx cmd``: IPython assigns the command's output.
_ASSIGN_ESCAPE = re.compile(
    r"(?P<target>[A-Za-z_][\w.]*(?:[ \t]*,[ \t]*[A-Za-z_][\w.]*)*)[ \t]*=[ \t]*[!%]"
)
# ``obj?``, ``obj.attr??``, ``%magic?``, ``*pattern*?``
_HELP = re.compile(r"[\w.\[\]%*]+\?{1,2}[ \t]*$")
# ``%env NAME=VALUE`` / ``%env NAME VALUE`` / ``%set_env NAME VALUE``
_ENV = re.compile(
    r"%?(?:env|set_env)[ \t]+(?P<name>[A-Za-z_]\w*)(?:[ \t]*=[ \t]*|[ \t]+)"
    r"(?P<value>.*?)[ \t]*$"
)
_ESCAPES = "!%/,;?"


@dataclass(frozen=True)
class NotebookCell:
    """One code cell as it appears in the joined module."""

    index: int  # 0-based among all cells of the notebook
    start_row: int  # 1-based row of its first line in the joined module
    lines: tuple[str, ...]  # the cell's lines as Python (placeholders for IPython syntax)
    clean: bool = True  # False if the cell ends inside a bracket, string or continuation
    shifts: tuple[int, ...] = ()  # per line: columns removed by IPython's leading-indent cleanup

    @property
    def text(self) -> str:
        return "".join(line + "\n" for line in self.lines)

    @property
    def end_row(self) -> int:
        return self.start_row + len(self.lines) - 1


@dataclass(frozen=True)
class NotebookSource:
    """A notebook's code cells as one Python module, with a map back to the cells."""

    cells: tuple[NotebookCell, ...]
    skipped: tuple[int, ...] = ()  # cells not linted (``%%bash``, ``%%writefile``, ...)

    @property
    def source(self) -> str:
        return "".join(cell.text for cell in self.cells)

    def without(self, indexes: set[int]) -> NotebookSource:
        """The same notebook without the cells at ``indexes``, rows renumbered."""
        kept, row = [], 1
        for cell in self.cells:
            if cell.index in indexes:
                continue
            kept.append(dataclasses.replace(cell, start_row=row))
            row += len(cell.lines)
        return NotebookSource(tuple(kept), self.skipped)

    def cell_at(self, row: int) -> NotebookCell | None:
        for cell in self.cells:
            if cell.start_row <= row <= cell.end_row:
                return cell
        return None


def notebook_source(text: str) -> NotebookSource:
    """Read notebook JSON (any nbformat version) into a :class:`NotebookSource`.

    Raises :class:`SourceError` with a one-line message if ``text`` is not a
    notebook. A notebook whose kernel is not Python has no cells to lint.
    """
    nb = _read(text)
    cells_json = nb.get("cells")
    if not isinstance(cells_json, list):
        raise SourceError("not a Jupyter notebook: no list of cells")
    language = (nb.get("metadata") or {}).get("language_info", {}) or {}
    if isinstance(language, dict) and language.get("name") not in (None, "python"):
        return NotebookSource((), tuple(range(len(cells_json))))
    cells: list[NotebookCell] = []
    skipped: list[int] = []
    row = 1
    for index, cell in enumerate(cells_json):
        if not isinstance(cell, dict) or cell.get("cell_type") != "code":
            continue
        source = cell.get("source", "")
        if isinstance(source, list):
            source = "".join(str(part) for part in source)
        if not isinstance(source, str):
            raise SourceError(f"not a Jupyter notebook: cell {index + 1} has no text source")
        lines = _NEWLINE.split(source)
        if lines and lines[-1] == "":
            lines.pop()
        lines = _strip_python_cell_magics(lines)
        if lines is None:
            skipped.append(index)
            continue
        if not any(line.strip() for line in lines):
            continue
        lines, shifts = _leading_indent(lines)
        python_lines, clean = _python_lines(lines)
        cells.append(NotebookCell(index, row, tuple(python_lines), clean, shifts))
        row += len(python_lines)
    return NotebookSource(tuple(cells), tuple(skipped))


def _read(text: str) -> Any:
    # nbformat (and the jsonschema it imports) costs ~0.25 s: only for notebooks.
    try:
        from nbformat import NBFormatError, converter, reader
    except ImportError as exc:  # pragma: no cover - nbformat is a dependency
        raise SourceError(f"cannot read notebooks: {exc}") from None
    try:
        nb = reader.reads(text)
    except reader.NotJSONError:
        raise SourceError("not a Jupyter notebook: the file is not valid JSON") from None
    except NBFormatError as exc:
        raise SourceError(f"not a Jupyter notebook: {_one_line(exc)}") from None
    except Exception as exc:  # ValidationError, or a JSON document of another shape
        raise SourceError(f"not a Jupyter notebook: {_one_line(exc)}") from None
    if not isinstance(nb, dict):
        raise SourceError("not a Jupyter notebook: the JSON is not an object")
    try:
        # Upgrades nbformat 3 and older; schema validation is skipped (Jupyter
        # opens many notebooks that fail it, and it is slow on large notebooks).
        return converter.convert(nb, 4)
    except Exception as exc:
        raise SourceError(f"not a Jupyter notebook: {_one_line(exc)}") from None


def _one_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


def _strip_python_cell_magics(lines: list[str]) -> list[str] | None:
    """Blank the ``%%time``-style first lines; None for a cell that is not Python."""
    out = list(lines)
    for i, line in enumerate(out):
        if not line.startswith("%%"):
            return out
        parts = line[2:].split(None, 1)
        if not parts or parts[0] not in PYTHON_CELL_MAGICS:
            return None
        out[i] = ""
    return out


def _leading_indent(lines: list[str]) -> tuple[list[str], tuple[int, ...]]:
    """IPython's ``leading_indent`` cleanup: a cell whose first line is indented runs.

    IPython drops the leading blank lines, then removes the first line's
    indentation from every line that starts with it (``inputtransformer2``).
    Blank lines are kept here (as empty lines) so rows do not move; the
    removed widths are returned to map columns back.
    """
    first = next((i for i, line in enumerate(lines) if line.strip()), None)
    if first is None:
        return lines, ()
    stripped = lines[first].lstrip(" \t")
    space = lines[first][: len(lines[first]) - len(stripped)]
    if not space:
        return lines, ()
    out, shifts = [], []
    for i, line in enumerate(lines):
        if i < first:
            out.append("")
            shifts.append(0)
        elif line.startswith(space):
            out.append(line[len(space) :])
            shifts.append(len(space))
        else:
            out.append(line)
            shifts.append(0)
    return out, tuple(shifts)


def _python_lines(lines: list[str]) -> tuple[list[str], bool]:
    """Replace IPython-only lines by placeholders; rows and other columns unchanged.

    Returns the lines and whether the cell ends outside any bracket, string or
    backslash continuation (a cell is run on its own, so one that does not
    cannot be joined to the next).
    """
    scanner = _Scanner()
    out: list[str] = []
    magic_continues = False
    for line in lines:
        if magic_continues:  # a backslash-continued magic goes on
            out.append("")
            magic_continues = line.endswith("\\")
            continue
        if scanner.at_statement_start:
            placeholder = _placeholder(line)
            if placeholder is not None:
                out.append(placeholder)
                magic_continues = line.endswith("\\")
                continue
        scanner.feed(line)
        out.append(line)
    return out, scanner.at_statement_start and not magic_continues


def _placeholder(line: str) -> str | None:
    """A Python line standing for an IPython-only line, or None if ``line`` is Python."""
    stripped = line.lstrip(" \t")
    if not stripped or stripped[0] == "#":
        return None
    indent = line[: len(line) - len(stripped)]
    env = _ENV.match(stripped)
    if env is not None and (stripped[0] == "%" or not _compiles(stripped)):
        # Keep environment variables visible to rules (RL010 reads TF_USE_LEGACY_KERAS).
        return f"{indent}__import__('os').environ[{env.group('name')!r}] = {env.group('value')!r}"
    if stripped[0] in _ESCAPES:
        return f"{indent}pass"
    assign = _ASSIGN_ESCAPE.match(stripped)
    if assign is not None:
        return f"{indent}{assign.group('target')} = None"
    if _HELP.match(stripped):
        return f"{indent}pass"
    magic = _AUTOMAGIC.match(stripped)
    if magic is not None and magic.group("name") in AUTOMAGICS and not _compiles(stripped):
        return f"{indent}pass"
    return None


def _cell_dump(code: str) -> str | None:
    return python_dump(code, ast.PyCF_ALLOW_TOP_LEVEL_AWAIT)


def _compiles(line: str) -> bool:
    return _cell_dump(line) is not None


class _Scanner:
    """Tracks brackets, multi-line strings and continuations across lines.

    Enough to know whether a line starts a new statement, which is where IPython
    looks for its own syntax; a ``!`` inside a string or a bracket is Python.
    """

    def __init__(self) -> None:
        self.depth = 0
        self.quote: str | None = None  # the delimiter of an open string
        self.continued = False

    @property
    def at_statement_start(self) -> bool:
        return self.depth == 0 and self.quote is None and not self.continued

    def feed(self, line: str) -> None:
        i, n = 0, len(line)
        self.continued = False
        while i < n:
            if self.quote is not None:
                i = self._skip_string(line, i)
                continue
            c = line[i]
            if c == "#":
                return
            if c in "([{":
                self.depth += 1
            elif c in ")]}":
                self.depth = max(0, self.depth - 1)
            elif c in "'\"":
                self.quote = c * 3 if line.startswith(c * 3, i) else c
                i += len(self.quote)
                continue
            i += 1
        if self.quote is not None and len(self.quote) == 1 and not line.endswith("\\"):
            self.quote = None  # an unterminated one-line string: Python's error, not ours
        self.continued = self.quote is None and line.endswith("\\")

    def _skip_string(self, line: str, i: int) -> int:
        assert self.quote is not None
        n = len(line)
        while i < n:
            if line[i] == "\\":
                i += 2
                continue
            if line.startswith(self.quote, i):
                i += len(self.quote)
                self.quote = None
                return i
            i += 1
        return n


def lint_notebook(path: str, text: str, settings: Settings | None = None) -> list[Finding]:
    """Lint a notebook's code cells as one module; positions are cell-relative.

    A cell that cannot be parsed on its own gets RL000 (if enabled) and the
    other cells are still linted. Fixes are not offered in notebooks (yet).
    """
    settings = settings or Settings()
    notebook = notebook_source(text)
    if not notebook.cells:
        return []
    enabled = rules_for(settings, path)
    report_syntax = any(rule.code == SYNTAX_ERROR for rule in enabled)
    rules = enabled if report_syntax else [*enabled, ALL_RULES[SYNTAX_ERROR]]

    findings: list[Finding] = []
    broken = {cell.index for cell in notebook.cells if not cell.clean}
    if broken:
        notebook, findings = _drop_broken(notebook, broken, path, report_syntax)
    raw = lint_source(notebook.source, path, settings, rules=rules)
    if any(f.code == SYNTAX_ERROR for f in raw):
        # Find the cells that do not parse alone, report them, lint the rest.
        broken = {cell.index for cell in notebook.cells if _parse_error(cell, path) is not None}
        if broken:
            notebook, more = _drop_broken(notebook, broken, path, report_syntax)
            findings.extend(more)
            raw = lint_source(notebook.source, path, settings, rules=rules)
    for finding in raw:
        if finding.code == SYNTAX_ERROR and not report_syntax:
            continue
        mapped = _to_cell(notebook, finding)
        if mapped is not None:
            findings.append(mapped)
    findings.sort(key=Finding.sort_key)
    return findings


def _drop_broken(
    notebook: NotebookSource, broken: set[int], path: str, report: bool
) -> tuple[NotebookSource, list[Finding]]:
    findings = []
    if report:
        for cell in notebook.cells:
            if cell.index in broken:
                findings.append(_cell_syntax_error(cell, path))
    return notebook.without(broken), findings


def _parse_error(
    cell: NotebookCell, path: str
) -> Finding | cst.ParserSyntaxError | Exception | None:
    """Why ``cell`` alone cannot be parsed: CPython's verdict first (libcst never
    sees what it rejects or what :mod:`reglint.limits` refuses), then libcst's."""
    verdict = python_tree(cell.text, path)
    if isinstance(verdict, Finding):
        return verdict
    try:
        cst.parse_module(cell.text)
    except cst.ParserSyntaxError as exc:
        return exc
    except (RecursionError, MemoryError) as exc:
        return exc
    return None


def _cell_syntax_error(cell: NotebookCell, path: str) -> Finding:
    exc = _parse_error(cell, path)
    if isinstance(exc, Finding):
        finding = exc
    elif isinstance(exc, cst.ParserSyntaxError):
        finding = _syntax_error(cell.text, path, exc)
    else:
        where = Location(max(1, len(cell.lines)), 1)
        message = (
            "syntax error: the cell ends inside a bracket, string or continuation"
            if exc is None
            else "syntax error: the cell cannot be parsed"
        )
        finding = Finding(SYNTAX_ERROR, message, path, where, where)
    return dataclasses.replace(finding, cell=cell.index, cell_location=finding.location)


def _to_cell(notebook: NotebookSource, finding: Finding) -> Finding | None:
    cell = notebook.cell_at(finding.location.row)
    if cell is None:
        return None
    row = finding.location.row - cell.start_row + 1
    start = Location(row, finding.location.column + _shift(cell, row))
    if finding.end_location.row <= cell.end_row:
        end_row = finding.end_location.row - cell.start_row + 1
        end = Location(end_row, finding.end_location.column + _shift(cell, end_row))
    else:  # only a construct spanning cells, which Jupyter itself would reject
        end = Location(len(cell.lines), len(cell.lines[-1]) + 1)
    message = _LINE_REF.sub(lambda m: _cell_line(notebook, int(m.group(1))), finding.message)
    return dataclasses.replace(
        finding,
        message=message,
        location=start,
        end_location=end,
        fix=None,
        cell=cell.index,
        cell_location=start,
    )


def _shift(cell: NotebookCell, row: int) -> int:
    return cell.shifts[row - 1] if 0 < row <= len(cell.shifts) else 0


def _cell_line(notebook: NotebookSource, row: int) -> str:
    """``line N`` of the joined module as the user sees it: ``cell C, line R``."""
    cell = notebook.cell_at(row)
    if cell is None:
        return f"line {row}"
    return f"cell {cell.index + 1}, line {row - cell.start_row + 1}"


def add_noqa_to_cells(text: str, findings: Sequence[Finding]) -> tuple[str, int]:
    """The notebook JSON ``text`` with ``# noqa: CODES`` on each finding's cell
    line, and the number of lines changed; the JSON keeps its key order,
    indentation, escapes and final newline.

    A line that is IPython syntax (a magic, a shell escape), or where a comment
    would change the cell's code (inside a multi-line string), is left alone.
    Raises :class:`SourceError` if the notebook is not nbformat 4 or its JSON
    cannot be written back in the same layout.
    """
    import json

    wanted: dict[int, dict[int, set[str]]] = {}
    for f in findings:
        if f.cell is not None and f.code != SYNTAX_ERROR:
            wanted.setdefault(f.cell, {}).setdefault(f.location.row, set()).add(f.code)
    if not wanted:
        return text, 0
    crlf = "\r\n" in text
    plain = text.replace("\r\n", "\n") if crlf else text
    try:
        data = json.loads(plain)
    except ValueError as exc:
        raise SourceError(f"not a Jupyter notebook: {_one_line(exc)}") from None
    if not isinstance(data, dict) or data.get("nbformat") != 4:
        raise SourceError("noqa comments are written into nbformat 4 notebooks only")
    layout = _json_layout(plain, data)
    if layout is None:
        raise SourceError("its JSON layout cannot be kept, so no noqa comment is written")
    python = {cell.index: cell for cell in notebook_source(text).cells}
    changed = 0
    for index, rows in sorted(wanted.items()):
        cell = python.get(index)
        if cell is None:
            continue
        entry = data["cells"][index]
        new_source, n = _cell_with_noqa(entry["source"], cell, rows)
        if n:
            entry["source"] = new_source
            changed += n
    if not changed:
        return text, 0
    dumped, ending = layout
    out = dumped(data) + ending
    return (out.replace("\n", "\r\n") if crlf else out), changed


def _json_layout(text: str, data: Any) -> tuple[Any, str] | None:
    """How ``text`` was written (``json.dumps`` settings, final newline), if known."""
    import json
    from functools import partial

    ending = text[len(text.rstrip("\n")) :]
    body = text[: len(text) - len(ending)]
    for indent in (1, 2, 4, None, 3, "\t"):
        for ensure_ascii in (False, True):
            for separators in ((",", ": "), (", ", ": "), (",", ":")):
                dumps = partial(
                    json.dumps, indent=indent, ensure_ascii=ensure_ascii, separators=separators
                )
                if dumps(data) == body:
                    return dumps, ending
    return None


def _cell_with_noqa(source: Any, cell: NotebookCell, rows: dict[int, set[str]]) -> tuple[Any, int]:
    """A cell's JSON ``source`` (a string or a list of lines) with the comments added."""
    from .noqa import add_noqa

    text = "".join(source) if isinstance(source, list) else source
    parts = re.split(r"(\r\n|\r|\n)", text)
    lines, seps = parts[0::2], [*parts[1::2], ""]
    allowed = {}
    for row, codes in rows.items():
        if not 0 < row <= min(len(cell.lines), len(lines)):
            continue
        original, code = lines[row - 1], cell.lines[row - 1]
        indent = original[: len(original) - len(code)]
        if code.strip() and original.endswith(code) and not indent.strip():
            allowed[row] = codes  # the line is Python as written (not a magic's placeholder)
    before = _cell_dump(cell.text)
    if not allowed or before is None:
        return source, 0
    new_code, count = add_noqa(cell.text, allowed)
    if _cell_dump(new_code) != before:  # one row at a time: keep those that change nothing
        new_code, count = cell.text, 0
        for row, codes in sorted(allowed.items()):
            candidate, n = add_noqa(new_code, {row: codes})
            if n and _cell_dump(candidate) == before:
                new_code, count = candidate, count + n
    if not count:
        return source, 0
    code_lines = new_code.split("\n")
    for row in allowed:
        original, code = lines[row - 1], cell.lines[row - 1]
        lines[row - 1] = original[: len(original) - len(code)] + code_lines[row - 1]
    joined = "".join(line + sep for line, sep in zip(lines, seps, strict=True))
    if isinstance(source, list):
        return joined.splitlines(keepends=True), count
    return joined, count
