"""The base class of every lint rule and the examples that test it.

A rule is a libcst ``BatchableCSTVisitor``: the engine runs all enabled rules
in one traversal. A rule carries its own ``VALID``/``INVALID`` examples (as in
Fixit); ``tests/test_rule_examples.py`` turns each into a test case, together
with the bad and good examples of the rule's document in ``rules/``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import TYPE_CHECKING, Any, ClassVar

import libcst as cst

if TYPE_CHECKING:
    from .config import Settings
    from .names import ImportTable
    from .positions import Positions


def any_word(names: Iterable[str], also: str = "") -> str:
    """A regex source matching any of ``names`` (identifiers) as a whole word,
    or the pattern ``also`` followed by a word boundary.

    Equivalent to ``\\b(?:a|b)\\b`` but about five times faster on large files:
    a leading ``\\b`` keeps ``re`` from scanning for the alternatives' first
    characters, so the boundary is checked by a lookbehind after the first one.
    """
    alternatives = [
        f"{re.escape(n[0])}(?<!\\w{re.escape(n[0])}){re.escape(n[1:])}"
        for n in sorted(set(names), key=len, reverse=True)
    ]
    if also:
        alternatives.append(also)
    return rf"(?:{'|'.join(alternatives)})\b"


@dataclass(frozen=True)
class Valid:
    """Code on which the rule must report nothing."""

    code: str
    options: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Invalid:
    """Code on which the rule must report, at each of ``at`` ("row:col") if given.

    ``expected_fix`` is the code after ``--fix``, when the rule can fix it.
    ``message`` must be a substring of every reported message, if given.
    """

    code: str
    at: Sequence[str] = ()
    expected_fix: str | None = None
    message: str | None = None
    options: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Report:
    """What a rule says about one node; the engine adds positions."""

    node: cst.CSTNode
    message: str
    replacement: cst.CSTNode | None = None  # replaces ``node`` when fixed
    fix_message: str | None = None
    imports: tuple[str, ...] = ()  # import lines the fix needs, added at the top if absent
    unsafe: bool = False


@dataclass
class LintContext:
    """What every rule may read about the module being linted."""

    path: str
    source: str
    imports: ImportTable
    settings: Settings
    module: cst.Module | None = None
    positions: Positions | None = None

    def line_of(self, node: cst.CSTNode) -> int:
        """The 1-based row where ``node`` starts (a code generation; use sparingly)."""
        if self.positions is None:
            from .positions import node_positions

            assert self.module is not None
            self.positions = partial(node_positions, self.module)
        return self.positions([node])[id(node)][0][0]


class Rule(cst.BatchableCSTVisitor):
    code: ClassVar[str]
    name: ClassVar[str]
    summary: ClassVar[str]  # one line, for ``reglint rules`` and SARIF shortDescription
    default_enabled: ClassVar[bool] = True
    #: Regex that must match the source for the rule to be able to fire; files
    #: without a match are never parsed for this rule.
    trigger: ClassVar[re.Pattern[str]]
    #: The rule resolves names to Keras symbols, so the source must mention Keras.
    needs_keras: ClassVar[bool] = True
    #: A function of :mod:`reglint.candidates`, by name: from CPython's
    #: ``ast`` tree, may the rule report on this module? A cheap, *sound*
    #: over-approximation (any doubt: yes) run before libcst is even imported.
    #: It returns a bool, or, for a rule whose findings at a site depend only
    #: on the statements around it and the module's name bindings, the list of
    #: those sites: the engine then parses only the definitions that hold them
    #: (:mod:`reglint.slicing`). None: the module is always parsed.
    candidates: ClassVar[str | None] = None
    VALID: ClassVar[Sequence[Valid]] = ()
    INVALID: ClassVar[Sequence[Invalid]] = ()

    def __init__(self, context: LintContext) -> None:
        super().__init__()
        self.context = context
        self.reports: list[Report] = []

    @property
    def options(self) -> Mapping[str, Any]:
        return self.context.settings.options

    def report(
        self,
        node: cst.CSTNode,
        message: str,
        *,
        replacement: cst.CSTNode | None = None,
        fix_message: str | None = None,
        imports: tuple[str, ...] = (),
        unsafe: bool = False,
    ) -> None:
        self.reports.append(Report(node, message, replacement, fix_message, imports, unsafe))
