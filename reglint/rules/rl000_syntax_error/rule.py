"""The libcst check of RL000 and its examples (the package says what the rule is)."""

from __future__ import annotations

from ...rule import Invalid, Rule, Valid
from . import INFO


class SyntaxErrorRule(Rule):
    """Reported by the engine itself when a file it must analyse cannot be parsed."""

    info = INFO

    VALID = [Valid("from keras import layers\nlayers.Dropout(0.5)\n")]
    INVALID = [
        Invalid("from keras import layers\nlayers.Dense(4\n", at=["2:13"]),
        # no rule's text trigger matches: the file is still parsed for RL000
        Invalid("import os\n\ndef f(:\n    pass\n", at=["3:7"]),
    ]
