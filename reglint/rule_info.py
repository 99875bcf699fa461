"""What a rule is, without libcst: its metadata, the options it reads, its ``ast`` stage.

Each rule is a package ``reglint/rules/rlNNN_name/`` whose ``__init__`` defines
``INFO = RuleInfo(...)`` (and the ``ast`` stage, if the rule has one of its
own) importing nothing heavier than this module, :mod:`reglint.catalog` and
:mod:`reglint.candidates`; its ``rule.py`` holds the libcst check and its
examples. The engine, the CLI and the language server read every ``INFO``
without importing libcst, which only a file whose text triggers a rule needs.
See ``docs/adding-a-rule.md``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .triggers import Trigger

if TYPE_CHECKING:
    import ast

    from .candidates import ModuleFacts

#: A rule's ``ast`` stage: from CPython's tree of a module (and the facts every
#: stage shares), may the rule report here? A cheap, *sound* over-approximation
#: (any doubt: yes). It returns a bool or, for a rule whose findings at a site
#: depend only on the statements around it and the module's name bindings, the
#: list of those sites: the engine then parses only the definitions that hold
#: them (:mod:`reglint.slicing`).
CandidateTest = Callable[["ast.Module", "ModuleFacts", Mapping[str, Any]], "bool | list[ast.AST]"]


@dataclass(frozen=True)
class RuleInfo:
    code: str
    name: str
    summary: str  # one line, for ``reglint rules`` and SARIF shortDescription
    #: A file whose text this does not pass is never parsed for the rule.
    trigger: Trigger
    #: The rule resolves names to Keras symbols, so the source must mention Keras.
    needs_keras: bool = True
    default_enabled: bool = True
    #: Some of its findings carry a fix (a test checks this against its examples).
    fixable: bool = False
    #: The ``ast`` stage; None: the module is always parsed.
    candidates: CandidateTest | None = None
    #: The ``[tool.reglint]`` options the rule reads besides the shared ones
    #: (defaults and validation: :mod:`reglint.config`).
    option_names: tuple[str, ...] = ()
