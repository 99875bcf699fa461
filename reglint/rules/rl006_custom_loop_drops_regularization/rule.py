"""The libcst check of RL006 and its examples (see the package for what it is)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

import libcst as cst

from ...rule import Invalid, LintContext, Rule, Valid
from . import INFO
from .analysis import Analyzer
from .collect import Collector
from .examples import INVALID, VALID
from .facts import ModuleFacts
from .project import Project


class CustomLoopDropsRegularization(Collector, Rule):
    info = INFO
    VALID: ClassVar[Sequence[Valid]] = VALID
    INVALID: ClassVar[Sequence[Invalid]] = INVALID

    def __init__(self, context: LintContext) -> None:
        super().__init__(context)
        self.start_facts(ModuleFacts(context.path, context.source, context.imports, self._line))

    def leave_Module(self, original_node: cst.Module) -> None:
        following = bool(self.context.settings.options.get("cross-calls"))
        if not self.facts.grads and not following:
            return
        project = Project(self.context.settings) if following else None
        for node, message in Analyzer(self.facts, project).findings():
            self.report(node, message)

    def _line(self, node: cst.CSTNode) -> int:
        return self.context.line_of(node) if self.context.module is not None else 0
