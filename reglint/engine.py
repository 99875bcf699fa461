"""Lint one source text: choose rules, parse once, run them in one pass.

The engine knows nothing about any rule. A file none of whose enabled rules'
triggers match is never parsed, so most files of a large tree cost a few regex
searches. The rest are parsed with CPython's ``ast`` and each triggered rule's
``candidates`` test (:mod:`reglint.candidates`) says whether it may fire; what
remains gets one libcst parse (of a slice, :mod:`reglint.slicing`, when the
rules name their sites) and one batched traversal, and positions are computed
only when something was reported.

libcst and the rule classes are imported only when some rule may fire (the
prefilter and the ``ast`` stage run on :mod:`reglint.registry` metadata), so
linting a clean file, a tree without Keras code, or a warm cached run never
pays libcst's import.
"""

from __future__ import annotations

import gc
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from functools import partial
from typing import TYPE_CHECKING, Any, TypeVar

from . import noqa
from .config import Settings
from .findings import Edit, Finding, Fix, Location
from .registry import RuleInfo, enabled_infos, rule_classes
from .triggers import Text

if TYPE_CHECKING:
    import ast

    import libcst as cst

    from .candidates import ModuleFacts
    from .limits import Refusal
    from .positions import Positions, Span
    from .reparse import ParseMemo
    from .rule import Report, Rule

_R = TypeVar("_R")

SYNTAX_ERROR = "RL000"
_NEWLINE = re.compile(r"\r\n|\r|\n")
#: Ask each triggered rule's ``candidates`` test on CPython's ``ast`` tree before the
#: libcst parse (tests switch it off to check it never changes a result).
CANDIDATE_STAGE = True
#: Judge RL001 and RL003 across calls and modules too (:mod:`reglint.crosscall`).
CROSS_CALLS = True
_CROSS_CODES = ("RL001", "RL003")
#: Parse only the definitions that hold the rules' sites (:mod:`reglint.slicing`);
#: tests switch it off to check it never changes a result.
SLICING = True


def rules_for(settings: Settings, path: str | None = None) -> list[type[Rule]]:
    return rule_classes(info.code for info in enabled_infos(settings, path))


def triggered_rules(source: str | Text, rules: Iterable[_R]) -> list[_R]:
    """The rules (classes or :class:`RuleInfo`) whose cheap text test passes;
    the rest cannot fire here."""
    text = source if isinstance(source, Text) else Text(source)
    has_keras = "keras" in text.source
    return [
        r
        for r in rules
        if r.code != SYNTAX_ERROR and (has_keras or not r.needs_keras) and r.trigger.passes(text)
    ]


def lint_source(
    source: str,
    path: str = "<string>",
    settings: Settings | None = None,
    rules: Sequence[type[Rule]] | None = None,
    memo: ParseMemo | None = None,
) -> list[Finding]:
    """Lint Python ``source``; ``rules`` defaults to those ``settings`` enable for ``path``.

    ``memo`` keeps the parsed statements of earlier versions of the same buffer
    (:mod:`reglint.reparse`): the language server re-parses only what an edit changed.

    Unused ``# noqa: RLnnn`` directives (RL011, opt-in) are looked for only in
    a file that has one: the rules run as always, recording what the comments
    suppressed, and a file whose other triggers do not match is still not parsed.
    """
    settings = settings or Settings()
    enabled: list = list(rules) if rules is not None else enabled_infos(settings, path)
    text = Text(source)
    to_run = triggered_rules(text, enabled)
    codes = {r.code for r in enabled}
    wanted = noqa.UNUSED_NOQA in codes and noqa.names_rule_codes(source)
    unused = noqa.Suppressions() if wanted else None
    following = CROSS_CALLS and settings.options.get("cross-calls")
    cross = [c for c in _CROSS_CODES if c in codes] if following else []
    if not (to_run or unused or cross) and SYNTAX_ERROR not in codes:
        return []
    with _collector_paused():
        findings = _findings(text, path, settings, enabled, to_run, unused, cross, memo, codes)
    if unused is not None:
        from .registry import rule_infos

        findings += noqa.unused_directives(source, path, unused, codes, rule_infos())
        findings.sort(key=Finding.sort_key)
    return findings


def _findings(
    text: Text,
    path: str,
    settings: Settings,
    enabled: Sequence,
    to_run: list,
    unused: noqa.Suppressions | None,
    cross: list[str],
    memo: ParseMemo | None,
    codes: set[str],
) -> list[Finding]:
    """The rules' and the cross-call analysis's findings. Called with the
    collector paused: the trees it builds are released before it runs again."""
    source = text.source
    findings: list[Finding] = []
    parsed: dict[str, Any] = {}
    if to_run:
        findings = _lint(source, path, settings, enabled, to_run, unused, parsed, memo)
    elif SYNTAX_ERROR in codes:
        findings = _syntax_check(source, path, unused, parsed)
    if cross and not any(f.code == SYNTAX_ERROR for f in findings):
        findings += _cross_calls(text, path, settings, cross, parsed)
        findings.sort(key=Finding.sort_key)
    return findings


def _syntax_check(
    source: str, path: str, suppressions: noqa.Suppressions | None, parsed: dict[str, Any]
) -> list[Finding]:
    """RL000 for a file no other rule needs parsed: CPython's parser is the
    cheapest sound test (a bytecode ``compile`` costs more, a tokenizer misses errors)."""
    tree = python_tree(source, path, measured=False)
    if not isinstance(tree, Finding):
        parsed["unmeasured tree"] = tree
        return []
    if suppressions is not None:
        suppressions.complete = False
    return [tree]


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Parsing allocates millions of acyclic nodes: the cyclic collector would
    only walk them over and over (about a fifth of a parse). It runs again after."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if collecting:
            gc.enable()


def _lint(
    source: str,
    path: str,
    settings: Settings,
    enabled: Sequence,
    to_run: list,
    suppressions: noqa.Suppressions | None = None,
    parsed: dict[str, Any] | None = None,
    memo: ParseMemo | None = None,
) -> list[Finding]:
    # Measured (reglint.limits) in the walk that collects the ``ast`` stage's facts.
    tree = python_tree(source, path, measured=False)
    module_facts = None
    if not isinstance(tree, Finding):
        from .candidates import facts

        module_facts = facts(tree, source)
        refusal = module_facts.refusal
        if refusal is not None:
            tree = _refusal_finding(refusal, source, path)
    if isinstance(tree, Finding):
        if suppressions is not None:
            suppressions.complete = False
        return [tree] if any(r.code == SYNTAX_ERROR for r in enabled) else []
    if parsed is not None:
        parsed["tree"], parsed["facts"] = tree, module_facts
    text = source
    if CANDIDATE_STAGE:
        to_run, text = _candidate_stage(source, tree, to_run, settings.options, module_facts)
        if not to_run:
            return []
    import libcst as cst

    if isinstance(to_run[0], RuleInfo):
        to_run = rule_classes(r.code for r in to_run)
    if suppressions is not None:
        suppressions.complete = False  # until the rules ran
    reparsed = memo.parse(text, tree) if memo is not None else None
    try:
        module = reparsed.module if reparsed is not None else _parse(text, source)
    except cst.ParserSyntaxError as exc:
        if not any(r.code == SYNTAX_ERROR for r in enabled):
            return []
        return [_syntax_error(source, path, exc)]
    except (RecursionError, MemoryError):
        return [_finding(path, "file too deeply nested to parse", 1, 1)]
    try:
        # libcst drops a form feed in indentation: its columns, and so any edit, would be off.
        exact = "\f" not in text or module.code == text
        positions = reparsed.positions if reparsed is not None else None
        findings = _run(
            module, source, path, settings, to_run, exact, suppressions, positions, tree, text
        )
        if suppressions is not None:
            suppressions.complete = True
        return findings
    except RecursionError:
        # Deeper in libcst's tree than in Python's: 1,000 implicitly concatenated
        # strings are one node to Python and a chain of 1,000 to libcst.
        return [_finding(path, "file too deeply nested to analyze", 1, 1)]


def python_tree(source: str, path: str, *, measured: bool = True) -> ast.Module | Finding:
    """CPython's tree of ``source``, or the RL000 finding that keeps it from libcst.

    The gate before libcst: a file the running Python rejects (its own message
    and position), or one longer, deeper or heavier than :mod:`reglint.limits`
    allows, never reaches libcst's native parser, which crashes or needs
    gigabytes on such input. ``measured=False`` skips depth, size and weight,
    for a file that goes no further than this parse (RL000 alone).
    """
    import ast
    import warnings

    from . import limits

    refusal = limits.too_long(source)
    if refusal is None:
        try:
            with warnings.catch_warnings():  # invalid escapes: libcst is silent too
                warnings.simplefilter("ignore")
                tree = compile(source, path, "exec", ast.PyCF_ONLY_AST, dont_inherit=True)
        except SyntaxError as exc:
            return _finding(path, f"syntax error: {exc.msg}", exc.lineno or 1, exc.offset or 1)
        except UnicodeEncodeError as exc:  # lone surrogates (raw_unicode_escape, JSON escapes)
            row, col = _row_col(source, exc.start)
            message = f"syntax error: (unicode error) {exc.encoding!r} codec can't encode "
            return _finding(path, message + f"{source[exc.start]!r}: {exc.reason}", row, col)
        except ValueError as exc:
            return _finding(path, f"syntax error: {exc}", 1, 1)
        except (RecursionError, MemoryError) as exc:
            reason = str(exc) or "its parser ran out of memory"
            return _finding(path, f"file too deeply nested to analyze (Python: {reason})", 1, 1)
        return (_refusal(tree, source, path) if measured else None) or tree
    return _finding(path, refusal.message, refusal.row, refusal.column)


def _refusal(tree: ast.Module, source: str, path: str) -> Finding | None:
    """RL000 if ``tree`` is deeper, larger or heavier than :mod:`reglint.limits` allows."""
    from . import limits

    refusal = limits.measure(tree, source)
    return None if refusal is None else _refusal_finding(refusal, source, path)


def _refusal_finding(refusal: Refusal, source: str, path: str) -> Finding:
    if refusal.row > 1 or refusal.column > 1:  # a UTF-8 byte offset in CPython's tree
        line = _NEWLINE.split(source, refusal.row)[refusal.row - 1]
        column = len(line.encode("utf-8")[: refusal.column - 1].decode("utf-8", "ignore"))
        return _finding(path, refusal.message, refusal.row, column + 1)
    return _finding(path, refusal.message, refusal.row, refusal.column)


def _finding(path: str, message: str, row: int, column: int) -> Finding:
    where = Location(row, column)
    return Finding(SYNTAX_ERROR, message, path, where, where)


def _row_col(source: str, offset: int) -> tuple[int, int]:
    """1-based row and column of character ``offset``."""
    before = source[:offset]
    row = len(_NEWLINE.findall(before)) + 1
    start = max(before.rfind("\n"), before.rfind("\r")) + 1
    return row, offset - start + 1


def _parse(text: str, source: str) -> cst.Module:
    """libcst's tree of ``text``, a slice of ``source``; should libcst reject
    the slice, the whole source, so that its verdict is the one reported."""
    import libcst as cst

    try:
        return cst.parse_module(text)
    except cst.ParserSyntaxError:
        if text is source:
            raise
        return cst.parse_module(source)


def _candidate_stage(
    source: str,
    tree: ast.Module,
    rules: Sequence[_R],
    options: Mapping[str, Any],
    module_facts: ModuleFacts,
) -> tuple[list[_R], str]:
    """The rules (classes or :class:`RuleInfo`) that may fire according to
    CPython's ``ast`` (a fraction of a libcst parse, and no libcst import), and
    the text libcst must parse for them: a slice of ``source`` when every such
    rule names its sites."""
    from .candidates import may_fire

    kept: list[_R] = []
    sites: list[ast.AST] | None = []
    for rule in rules:
        verdict = may_fire(rule.candidates, tree, module_facts, options)  # type: ignore[attr-defined]
        if not verdict:
            continue
        kept.append(rule)
        if verdict is True:
            sites = None
        elif sites is not None:
            sites.extend(verdict)
    if not kept or not sites or not SLICING:
        return kept, source
    from .slicing import slice_source

    return kept, slice_source(source, tree, module_facts, sites) or source


def _cross_calls(
    text: Text, path: str, settings: Settings, codes: list[str], parsed: dict[str, Any]
) -> list[Finding]:
    """RL001/RL003 across calls and modules (:mod:`reglint.crosscall`), for a
    module that may show them (:func:`reglint.candidates.cross_call_sites`).

    A module whose text names no kernel layer or regularizer can show them
    only through a call of a project function; when it imports nothing of
    the project but Keras, its tree is not walked for the gate."""
    from .project_index import index_for

    index = index_for(str(settings.root), settings.options)
    from .candidates import LAYER_OR_REGULARIZER_WORDS, cross_call_sites, facts

    source = text.source
    tree, module_facts = parsed.get("tree"), parsed.get("facts")
    if tree is None or module_facts is None:
        own_calls = LAYER_OR_REGULARIZER_WORDS.passes(text)
        if not own_calls and not index.imports_from_project(path, source):
            return []
        # Not measured: the bounds protect libcst, and this analysis is CPython's
        # tree only (a tree too deep for it is caught below).
        tree = parsed.get("unmeasured tree") or python_tree(source, path, measured=False)
        if isinstance(tree, Finding):
            return []
        module_facts = facts(tree)
    try:
        if not cross_call_sites(tree, module_facts, path, index):
            return []
        from .crosscall import check

        found = check(source, path, tree, settings, codes)
    except (RecursionError, MemoryError):
        return []  # deeper than the analysis can follow: each call was judged alone
    if not found:
        return []
    lines = _NEWLINE.split(source)
    file_noqa = noqa.file_suppressions(source)
    return [
        f
        for f in found
        if not noqa.is_suppressed(f.code, file_noqa)
        and not noqa.is_suppressed(f.code, noqa.line_suppressions(_line(lines, f.location.row)))
    ]


def _line(lines: list[str], row: int) -> str:
    return lines[row - 1] if row <= len(lines) else ""


def _syntax_error(source: str, path: str, exc: cst.ParserSyntaxError) -> Finding:
    """RL000 for what libcst rejects though Python accepted it (the gate ran first)."""
    where = Location(exc.raw_line, exc.raw_column + 1)
    return Finding(SYNTAX_ERROR, "syntax error: " + exc.message.splitlines()[0], path, where, where)


def _run(
    module: cst.Module,
    source: str,
    path: str,
    settings: Settings,
    rules: Sequence[type[Rule]],
    exact: bool = True,
    suppressions: noqa.Suppressions | None = None,
    positions_of: Positions | None = None,
    tree: ast.Module | None = None,
    text: str | None = None,
) -> list[Finding]:
    """``positions_of``: the buffer's piecewise positions (language server);
    else, with CPython's ``tree`` of ``source`` and the ``text`` libcst parsed,
    only the statements holding a finding (top-level, or a top-level class's
    members) are generated again."""
    from .limits import MAX_FINDINGS_PER_RULE
    from .names import ImportTable, ImportTracker
    from .positions import node_positions
    from .rule import LintContext
    from .walk import walk

    whole = partial(node_positions, module)
    table = ImportTable()
    context = LintContext(path, source, table, settings, module, positions_of or whole)
    visitors = [rule(context) for rule in rules]
    walk(module, [ImportTracker(table), *visitors], partial(setattr, context, "statement"))
    if not any(v.reports for v in visitors):
        return []
    reports = [r for v in visitors for r in v.reports]
    # Where fixes insert missing imports: found in the same code generation.
    anchor = (
        _last_import(module)
        if any(r.imports and r.replacement is not None for r in reports)
        else None
    )
    if positions_of is not None:
        positions = positions_of([*(r.node for r in reports), *([anchor] if anchor else [])])
    else:
        positions = _positions(module, tree, text, reports, anchor, whole)
    import_row = positions[id(anchor)][1][0] + 1 if anchor is not None else 1
    lines = _NEWLINE.split(source)
    file_noqa = noqa.file_suppressions(source)
    findings = []
    for visitor in visitors:
        if noqa.is_suppressed(visitor.code, file_noqa):
            continue
        reported = 0
        for report in sorted(visitor.reports, key=lambda r: positions[id(r.node)]):
            (row, col), (end_row, end_col) = positions[id(report.node)]
            start = Location(row, col + 1)
            end = Location(end_row, end_col + 1)
            line = lines[start.row - 1] if start.row - 1 < len(lines) else ""
            if noqa.is_suppressed(visitor.code, noqa.line_suppressions(line)):
                if suppressions is not None:
                    suppressions.used.add((start.row, visitor.code))
                continue
            reported += 1
            if reported > MAX_FINDINGS_PER_RULE:
                if reported == MAX_FINDINGS_PER_RULE + 1:
                    first_unreported = (start, end)
                continue
            fix = _fix(report, start, end, module, source, import_row, tree) if exact else None
            findings.append(Finding(visitor.code, report.message, path, start, end, fix))
        if reported > MAX_FINDINGS_PER_RULE:
            more = reported - MAX_FINDINGS_PER_RULE
            message = (
                f"{more:,} more {visitor.code} finding{'s' if more != 1 else ''} in this file "
                f"not reported (at most {MAX_FINDINGS_PER_RULE:,} per rule and file)"
            )
            findings.append(Finding(visitor.code, message, path, *first_unreported))
    findings.sort(key=Finding.sort_key)
    return findings


def _positions(
    module: cst.Module,
    tree: ast.Module | None,
    text: str | None,
    reports: list[Report],
    anchor: cst.CSTNode | None,
    whole: Positions,
) -> dict[int, Span]:
    """The reported nodes' positions, generating only the statements they are in."""
    from .positions import positions_by_statement, statement_rows

    rows = statement_rows(module, text, tree) if tree is not None and text is not None else None
    if rows is None:
        return whole([*(r.node for r in reports), *([anchor] if anchor is not None else [])])
    placed = [(r.node, r.statement) for r in reports if r.statement is not None]
    if anchor is not None:
        placed.append((anchor, (next(i for i, s in enumerate(module.body) if s is anchor),)))
    found = positions_by_statement(module, rows, placed)
    rest = [r.node for r in reports if r.statement is None]
    if rest:  # reported from ``leave_Module``
        found.update(whole(rest))
    return found


def _fix(
    report: Report,
    start: Location,
    end: Location,
    module: cst.Module,
    source: str,
    import_row: int,
    tree: ast.Module | None = None,
) -> Fix | None:
    if report.replacement is None:
        return None
    import libcst as cst

    replacement = report.replacement
    if isinstance(replacement, cst.Arg):  # its position ends before its comma; so must its text
        replacement = replacement.with_changes(
            comma=cst.MaybeSentinel.DEFAULT, whitespace_after_arg=cst.SimpleWhitespace("")
        )
    edits = [Edit(module.code_for_node(replacement), start, end)]
    missing = [line for line in report.imports if line not in source]
    if missing:
        from .import_edits import import_edit

        newline = module.default_newline
        edits[:0] = [import_edit(source, line, newline, import_row, tree) for line in missing]
    return Fix(
        report.fix_message or "apply the suggested fix",
        tuple(edits),
        "unsafe" if report.unsafe else "safe",
    )


def _last_import(module: cst.Module) -> cst.SimpleStatementLine | None:
    """The last of the module's leading docstring, ``__future__`` and imports:
    fixes insert the imports they need on the row after it (row 1 if None)."""
    import libcst as cst

    last = None
    for index, stmt in enumerate(module.body):
        if not isinstance(stmt, cst.SimpleStatementLine):
            break
        small = stmt.body[0] if stmt.body else None
        is_doc = (
            index == 0
            and isinstance(small, cst.Expr)
            and isinstance(small.value, (cst.SimpleString, cst.ConcatenatedString))
        )
        if not (is_doc or isinstance(small, (cst.Import, cst.ImportFrom))):
            break
        last = stmt
    return last
