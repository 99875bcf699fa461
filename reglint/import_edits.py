"""Where a fix adds an import, so that ruff's import sorting (isort, I001) accepts it.

A fix that needs ``from M import name`` extends an existing one-line
``from M import ...`` when the result fits in :data:`MAX_IMPORT_LINE`
characters; otherwise the new line goes where ruff's default isort settings
put it: in the third-party section of the module's top-level imports,
``import x`` lines before ``from x import y`` lines, modules in
case-insensitive order. Only ``from M import name`` lines are placed this way
(the only form the rules add).
"""

from __future__ import annotations

import ast
import re
import sys
import warnings
from dataclasses import dataclass
from functools import lru_cache

from .findings import Edit, Location

#: The longest import line a fix writes by extending an existing one (ruff's
#: default ``line-length``, beyond which its isort wraps the line).
MAX_IMPORT_LINE = 88

_FROM_LINE = re.compile(r"from ([\w.]+) import (\w+)")
_NEWLINE = re.compile(r"\r\n|\r|\n")
_FUTURE, _STDLIB, _THIRD_PARTY, _LOCAL = range(4)
#: An import isort leaves where it is, and which ends the run of imports above it.
_ISORT_SKIP = re.compile(r"#\s*isort:\s*skip\b")
_DEFINITION = re.compile(r"(?:@|class\b|def\b|async[ \t]+def\b)")


@dataclass(frozen=True)
class _Entry:
    node: ast.Import | ast.ImportFrom
    section: int
    key: tuple[bool, str]  # (a from-import, the module in lower case)


def import_edit(
    source: str, line: str, newline: str, fallback_row: int, tree: ast.Module | None = None
) -> Edit:
    """The edit that adds ``line`` (``from M import name``) to ``source``;
    ``tree``, CPython's tree of ``source`` if the caller has it."""
    match = _FROM_LINE.fullmatch(line)
    blocks = _blocks(source, tree) if match is not None else None
    lines = _lines(source)
    if match is None or blocks is None:
        return _insert_alone(line, newline, fallback_row, lines)
    module, name = match.groups()
    for block in blocks:
        for entry in block:
            merged = _merged(entry.node, module, name, lines, newline)
            if merged is not None:
                return merged
    new = _Entry(
        ast.ImportFrom(module=module, names=[], level=0), _THIRD_PARTY, (True, module.lower())
    )
    block = _block_for(blocks, module)
    if block is None:
        return _insert_alone(line, newline, fallback_row, lines)
    for at, entry in enumerate(block):
        if entry.section > new.section or (entry.section == new.section and entry.key > new.key):
            row = _above_comments(entry.node.lineno, lines)
            if entry.section > new.section:  # a new section before a later one
                return _insert(f"{line}{newline}{newline}", row)
            previous = block[at - 1] if at else None
            if row < entry.node.lineno:
                if previous is not None and previous.section == new.section:
                    # isort keeps a blank line before a comment: right after the previous import
                    return _insert(f"{line}{newline}", previous.node.end_lineno + 1)  # type: ignore[operator]
                # The comment heads the section (or the file): the new first import goes under it.
                return _insert(f"{line}{newline}", entry.node.lineno)
            return _insert(f"{line}{newline}", row)
    last = block[-1]
    row = last.node.end_lineno + 1  # type: ignore[operator]
    if last.section < new.section:  # the first third-party import: a section of its own
        return _insert(f"{newline}{line}{newline}", row)
    return _insert(f"{line}{newline}", row)


def _insert(content: str, row: int) -> Edit:
    return Edit(content, Location(row, 1), Location(row, 1))


def _insert_alone(line: str, newline: str, row: int, lines: list[str]) -> Edit:
    """``line`` as the module's first top-level import, at ``row``: isort wants
    blank lines between it and code below (two above a ``def`` or ``class``)."""
    following = lines[row - 1] if row <= len(lines) else ""
    blank = 0
    if following.strip():
        blank = 2 if _DEFINITION.match(following) else 1
    return _insert(f"{line}{newline}{newline * blank}", row)


@lru_cache(maxsize=2)
def _lines(source: str) -> list[str]:
    return _NEWLINE.split(source)


@lru_cache(maxsize=2)
def _blocks(source: str, tree: ast.Module | None) -> list[list[_Entry]] | None:
    """The module's top-level import statements, in runs of consecutive ones
    (cached: a file's fixes ask once each)."""
    if tree is None:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                tree = ast.parse(source)
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            return None
    blocks: list[list[_Entry]] = []
    previous = False
    lines = _lines(source)
    for stmt in tree.body:
        is_import = isinstance(stmt, (ast.Import, ast.ImportFrom)) and not _ISORT_SKIP.search(
            lines[stmt.lineno - 1]
        )
        if is_import:
            if not previous:
                blocks.append([])
            blocks[-1].append(_entry(stmt))  # type: ignore[arg-type]
        previous = is_import
    return blocks


def _entry(node: ast.Import | ast.ImportFrom) -> _Entry:
    if isinstance(node, ast.Import):
        module = node.names[0].name
        return _Entry(node, _section(module, 0), (False, module.lower()))
    module = node.module or ""
    return _Entry(node, _section(module, node.level), (True, module.lower()))


def _section(module: str, level: int) -> int:
    if level:
        return _LOCAL
    top = module.split(".")[0]
    if top == "__future__":
        return _FUTURE
    return _STDLIB if top in sys.stdlib_module_names else _THIRD_PARTY


def _block_for(blocks: list[list[_Entry]], module: str) -> list[_Entry] | None:
    """The run of imports a new third-party import belongs to: the one that
    imports from the same package, else the first with third-party imports."""
    root = module.split(".")[0]
    for block in blocks:
        if any(e.section == _THIRD_PARTY and e.key[1].split(".")[0] == root for e in block):
            return block
    for block in blocks:
        if any(e.section == _THIRD_PARTY for e in block):
            return block
    return blocks[0] if blocks else None


def _above_comments(row: int, lines: list[str]) -> int:
    """``row``, or the first of the comment lines right above it (isort keeps
    a comment with the import below it)."""
    while row > 1 and lines[row - 2].lstrip().startswith("#"):
        row -= 1
    return row


def _member_key(name: str) -> tuple[int, str]:
    """ruff's ``order-by-type``: CONSTANTS, then Classes, then other names."""
    if len(name) > 1 and name.isupper():
        return (0, name.lower())
    return (1 if name[:1].isupper() else 2, name.lower())


def _merged(node: ast.AST, module: str, name: str, lines: list[str], newline: str) -> Edit | None:
    """``name`` added to an existing ``from module import ...``, or None.

    ruff's isort combines the imports from one module, so a second line would
    not pass: the name joins the one-line statement (wrapped one name a line,
    as ruff wraps it, when too long) or the parenthesized one-name-a-line form.
    """
    if not (
        isinstance(node, ast.ImportFrom)
        and node.level == 0
        and node.module == module
        and node.names[0].name != "*"
        and not any(a.asname for a in node.names)  # ruff keeps `x as y` on a line of its own
        and node.end_lineno is not None
        and node.end_col_offset is not None
    ):
        return None
    text = lines[node.lineno - 1]
    if not text.isascii():  # ast's columns are UTF-8 byte offsets
        return None
    names = [a.name for a in node.names]
    keys = [_member_key(n) for n in names]
    ordered = keys == sorted(keys)
    if node.lineno != node.end_lineno:
        return _added_member(node, name, lines, ordered, newline)
    start, end = node.col_offset, node.end_col_offset
    if "(" in text[start:end] or text[end:].strip()[:1] not in ("", "#"):
        return None  # parenthesized, or another statement after a semicolon
    names.append(name)
    if ordered:
        names.sort(key=_member_key)
    statement = f"from {module} import {', '.join(names)}"
    indent = text[:start]
    if len(indent) + len(statement) + len(text[end:]) > MAX_IMPORT_LINE:
        if indent.strip() or text[end:].strip():
            return None
        members = "".join(f"{indent}    {n},{newline}" for n in names)
        statement = f"from {module} import ({newline}{members}{indent})"
    return Edit(statement, Location(node.lineno, start + 1), Location(node.lineno, end + 1))


_MEMBER_LINE = re.compile(r"([ \t]+)(\w+),[ \t]*")


def _added_member(
    node: ast.ImportFrom, name: str, lines: list[str], ordered: bool, newline: str
) -> Edit | None:
    """A ``    name,`` line inserted in a parenthesized one-name-a-line import."""
    body = lines[node.lineno : node.end_lineno - 1]  # type: ignore[operator]
    members = [_MEMBER_LINE.fullmatch(line) for line in body]
    if (
        not lines[node.lineno - 1].rstrip().endswith("(")
        or lines[node.end_lineno - 1].strip() != ")"  # type: ignore[operator]
        or not members
        or not all(members)
    ):
        return None
    indent = members[0].group(1)  # type: ignore[union-attr]
    row = node.end_lineno  # before the closing parenthesis
    if ordered:
        for offset, member in enumerate(members, start=node.lineno + 1):
            if _member_key(member.group(2)) > _member_key(name):  # type: ignore[union-attr]
                row = offset
                break
    return _insert(f"{indent}{name},{newline}", row)  # type: ignore[arg-type]
