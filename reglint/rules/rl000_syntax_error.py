from __future__ import annotations

import re

from ..rule import Invalid, Rule, Valid


class SyntaxErrorRule(Rule):
    """Reported by the engine itself when a file it must analyse cannot be parsed."""

    code = "RL000"
    name = "syntax-error"
    summary = "the file cannot be parsed; the other files are still linted"
    trigger = re.compile(r"(?!)")  # never runs as a visitor
    needs_keras = False

    VALID = [Valid("from keras import layers\nlayers.Dropout(0.5)\n")]
    INVALID = [Invalid("from keras import layers\nlayers.Dense(4\n", at=["2:13"])]
