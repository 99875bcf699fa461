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
    INVALID = [
        Invalid("from keras import layers\nlayers.Dense(4\n", at=["2:13"]),
        # no rule's text trigger matches: the file is still parsed for RL000
        Invalid("import os\n\ndef f(:\n    pass\n", at=["3:7"]),
    ]
