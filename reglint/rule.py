"""The base class of every lint rule and the examples that test it.

A rule is a libcst ``BatchableCSTVisitor``: the engine runs all enabled rules
in one traversal. A rule carries its own ``VALID``/``INVALID`` examples (as in
Fixit); ``tests/test_rule_examples.py`` turns each into a test case, together
with the bad and good examples of the rule's document in ``rules/``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from dataclasses import fields as dataclass_fields
from functools import partial
from typing import TYPE_CHECKING, Any, ClassVar

import libcst as cst

if TYPE_CHECKING:
    from .config import Settings
    from .names import ImportTable
    from .positions import Place, Positions
    from .rule_info import CandidateTest, RuleInfo
    from .triggers import Trigger


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
    #: Where the traversal was (:data:`reglint.positions.Place`; None: in
    #: ``leave_Module``): positions are generated for that statement alone.
    statement: Place | None = None


@dataclass
class LintContext:
    """What every rule may read about the module being linted."""

    path: str
    source: str
    imports: ImportTable
    settings: Settings
    module: cst.Module | None = None
    positions: Positions | None = None
    #: The statement the traversal is in (set by :func:`reglint.walk.walk`).
    statement: Place | None = None

    def line_of(self, node: cst.CSTNode) -> int:
        """The 1-based row where ``node`` starts (a code generation; use sparingly)."""
        if self.positions is None:
            from .positions import node_positions

            assert self.module is not None
            self.positions = partial(node_positions, self.module)
        return self.positions([node])[id(node)][0][0]


class Rule(cst.BatchableCSTVisitor):
    """A rule's libcst check. ``info`` (its package's ``INFO``) says what the rule
    is; its fields are also the class's attributes (``Rule.code``, ...)."""

    info: ClassVar[RuleInfo]
    code: ClassVar[str]
    name: ClassVar[str]
    summary: ClassVar[str]
    trigger: ClassVar[Trigger]
    needs_keras: ClassVar[bool]
    default_enabled: ClassVar[bool]
    candidates: ClassVar[CandidateTest | None]
    VALID: ClassVar[Sequence[Valid]] = ()
    INVALID: ClassVar[Sequence[Invalid]] = ()

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        info = cls.__dict__.get("info")
        if info is not None:
            for field_ in dataclass_fields(info):
                setattr(cls, field_.name, getattr(info, field_.name))

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
        statement = self.context.statement
        self.reports.append(
            Report(node, message, replacement, fix_message, imports, unsafe, statement)
        )
