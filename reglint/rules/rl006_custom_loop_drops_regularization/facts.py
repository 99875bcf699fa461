"""What one traversal records about a module, for RL006's decision.

Cheap facts only: dotted names of calls, ``X.losses`` reads, assignments,
tapes, gradient calls, per function and class. The linted module's facts and
those of the project modules it calls into (:mod:`.project`) have the same shape.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import libcst as cst

from ...names import ImportTable


@dataclass(eq=False)
class CallFact:
    node: cst.Call
    func: str | None  # dotted callee, e.g. "model", "self.generator", "compute_loss"
    args: list[tuple[str | None, str | None]]  # (keyword, dotted value)
    order: int


@dataclass(eq=False)
class Facts:
    """What a code region (a function body, a tape block) does with names."""

    module: ModuleFacts
    calls: list[CallFact] = field(default_factory=list)
    losses: list[tuple[str, int]] = field(default_factory=list)  # X of ``X.losses``


@dataclass(eq=False)
class Fn(Facts):
    node: cst.CSTNode | None = None  # FunctionDef, or None for the module
    name: str = ""
    cls: Cls | None = None  # the class whose method this is
    parent: Fn | None = None
    params: list[str] = field(default_factory=list)
    assigns: dict[str, list[tuple[cst.BaseExpression, int]]] = field(default_factory=dict)
    returns: list[cst.BaseExpression] = field(default_factory=list)
    regularized: bool = False


@dataclass(eq=False)
class Cls:
    module: ModuleFacts
    node: cst.ClassDef
    name: str
    bases: list[cst.BaseExpression]
    methods: dict[str, Fn] = field(default_factory=dict)
    attrs: dict[str, list[cst.BaseExpression]] = field(default_factory=dict)
    regularized: bool = False


@dataclass(eq=False)
class Tape(Facts):
    node: cst.With | None = None
    name: str | None = None
    fn: Fn | None = None
    start: int = 0
    end: int = 0


@dataclass(eq=False)
class Grad:
    """``tape.gradient(target, sources)`` or ``optimizer.minimize(loss, sources, tape=tape)``."""

    node: cst.Call
    tape: str
    target: cst.BaseExpression
    fn: Fn
    order: int


@dataclass(eq=False)
class Build:
    """Where a name was bound to a Keras model, and whether a regularizer shows."""

    node: cst.CSTNode
    regularized: bool
    module: ModuleFacts


class ModuleFacts:
    """Everything the traversal of one module recorded."""

    def __init__(
        self, path: str, source: str, imports: ImportTable, line_of: Callable[[cst.CSTNode], int]
    ) -> None:
        self.path = path
        self.mentions_keras = "keras" in source
        self.imports = imports
        self.line_of = line_of
        #: local name -> what an import binds it to, relative ones with their dots
        #: (``from .losses import total`` -> ``.losses.total``), for the project index.
        self.imported: dict[str, str] = {}
        self.top = Fn(self, name="<module>")
        self.fns: list[Fn] = []
        self.classes: dict[str, Cls] = {}
        self.tapes: list[Tape] = []
        self.grads: list[Grad] = []
        self.reg_orders: list[int] = []
        self.call_spans: dict[int, tuple[int, int]] = {}  # id(call) -> (start, end)

    def function(self, name: str) -> Fn | None:
        """The module-level function ``name``."""
        for fn in self.fns:
            if fn.name == name and fn.cls is None and fn.parent is self.top:
                return fn
        return None

    def call_regularized(self, call: cst.Call) -> bool:
        start, end = self.call_spans.get(id(call), (0, -1))
        return any(start <= order <= end for order in self.reg_orders)
