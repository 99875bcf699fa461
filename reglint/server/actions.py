"""Code actions: each finding's fix, ``# noqa: CODE``, and "fix all" for the file.

Safe fixes are preferred quick fixes; unsafe ones (``reglint check --fix``
never applies them) are offered with ``(unsafe)`` in the title, the kind
``quickfix.unsafe`` and never as preferred, so no editor applies one on its own.
"""

from __future__ import annotations

from collections.abc import Sequence

from lsprotocol import types

from ..noqa import add_noqa
from ..source import python_dump
from .convert import Text, replacement, units
from .state import DocumentState

FIX_ALL_KIND = "source.fixAll.reglint"
UNSAFE_KIND = "quickfix.unsafe"
FIX_ALL_TITLE = "Fix all reglint issues (safe fixes)"


def wanted(kind: str, only: Sequence[str] | None) -> bool:
    """Whether an action of ``kind`` answers a request limited to ``only``."""
    return not only or any(kind == k or kind.startswith(f"{k}.") for k in only)


def quick_fixes(state: DocumentState, where: types.Range) -> list[types.CodeAction]:
    actions: list[types.CodeAction] = []
    noqa_rows: set[tuple[int, str]] = set()
    for finding, diag in state.at(where):
        fix = finding.fix
        if fix is not None:
            unsafe = fix.applicability != "safe"
            edits = [
                types.TextEdit(state.text.range(e.location, e.end_location), e.content)
                for e in fix.edits
            ]
            actions.append(
                types.CodeAction(
                    title=f"{finding.code}: {fix.message}" + (" (unsafe)" if unsafe else ""),
                    kind=UNSAFE_KIND if unsafe else types.CodeActionKind.QuickFix,
                    diagnostics=[diag],
                    edit=types.WorkspaceEdit(changes={state.uri: edits}),
                    is_preferred=None if unsafe else True,
                )
            )
        key = (finding.location.row, finding.code)
        if finding.code != "RL000" and key not in noqa_rows:
            noqa_rows.add(key)
            edit = noqa_edit(state.text, finding.location.row, finding.code)
            if edit is not None:
                actions.append(
                    types.CodeAction(
                        title=f"{finding.code}: add `# noqa: {finding.code}` to this line",
                        kind=types.CodeActionKind.QuickFix,
                        diagnostics=[diag],
                        edit=types.WorkspaceEdit(changes={state.uri: [edit]}),
                    )
                )
    return actions


def noqa_edit(text: Text, row: int, code: str) -> types.TextEdit | None:
    """Add ``code`` to the row's ``# noqa`` (or write one); None where a comment
    cannot go (a backslash continuation, inside a multi-line string)."""
    if not 0 < row <= len(text.lines):
        return None
    line = text.lines[row - 1]
    new, changed = add_noqa(line, {1: {code}})
    if not changed:
        return None
    if ('"""' in line or "'''" in line) and not _same_tree(text, row, new):
        return None
    end = types.Position(row - 1, units(line, text.encoding))
    return types.TextEdit(types.Range(types.Position(row - 1, 0), end), new)


def _same_tree(text: Text, row: int, new_line: str) -> bool:
    """Whether replacing ``row`` by ``new_line`` leaves Python's tree unchanged
    (a row ending inside a triple-quoted string would take the comment as text)."""
    start = text.starts[row - 1]
    end = start + len(text.lines[row - 1])
    before = python_dump(text.source)
    return before is None or before == python_dump(
        text.source[:start] + new_line + text.source[end:]
    )


def fix_all(state: DocumentState, data: object = None) -> types.CodeAction | None:
    """The "fix all" source action, without its edit (see :func:`fix_all_edit`);
    None if no finding has a safe fix."""
    if not state.fixable or not any(
        f.fix is not None and f.fix.applicability == "safe" for f in state.findings
    ):
        return None
    return types.CodeAction(title=FIX_ALL_TITLE, kind=FIX_ALL_KIND, data=data)


def fix_all_edit(state: DocumentState) -> types.WorkspaceEdit | None:
    """The edit applying every safe fix, as ``reglint check --fix`` would."""
    from ..fixes import fix_source

    fixed, _ = fix_source(state.text.source, state.path, state.settings)
    edit = replacement(state.text, fixed)
    return None if edit is None else types.WorkspaceEdit(changes={state.uri: [edit]})
