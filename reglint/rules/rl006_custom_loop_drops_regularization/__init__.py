"""RL006: a custom training step whose loss never receives ``model.losses``.

Facts are collected during the engine's one traversal (:mod:`.collect`); the
decision is taken in ``leave_Module``, when every helper, class and model
construction of the module is known (:mod:`.analysis`). With ``--preview``,
helpers, classes and factories imported from other modules of the project are
followed too (:mod:`.project`). See ``rules/RL006.md`` for the heuristic.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import ClassVar

import libcst as cst

from ...rule import Invalid, LintContext, Rule, Valid
from .analysis import Analyzer
from .collect import Collector
from .examples import INVALID, VALID
from .facts import ModuleFacts
from .project import Project


class CustomLoopDropsRegularization(Collector, Rule):
    code = "RL006"
    name = "custom-loop-drops-regularization"
    summary = "custom training step whose loss never receives the model's regularization losses"
    trigger = re.compile(
        r"GradientTape|train_step|compiled_loss|trainable_variables|trainable_weights"
    )
    #: A module that imports its model from another one need not mention Keras;
    #: an unseen model counts only in one that does (:mod:`.models`).
    needs_keras = False
    candidates = "gradient_calls"
    VALID: ClassVar[Sequence[Valid]] = VALID
    INVALID: ClassVar[Sequence[Invalid]] = INVALID

    def __init__(self, context: LintContext) -> None:
        super().__init__(context)
        self.start_facts(ModuleFacts(context.path, context.source, context.imports, self._line))

    def leave_Module(self, original_node: cst.Module) -> None:
        preview = bool(self.context.settings.options.get("preview"))
        if not self.facts.grads and not preview:
            return
        project = Project(self.context.settings) if preview else None
        for node, message in Analyzer(self.facts, project).findings():
            self.report(node, message)

    def _line(self, node: cst.CSTNode) -> int:
        return self.context.line_of(node) if self.context.module is not None else 0
