"""The libcst check of RL011 and its examples (the package says what the rule is)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from ...rule import Invalid, Rule, Valid
from . import INFO


class UnusedNoqa(Rule):
    """Reported by the engine itself (:func:`reglint.noqa.unused_directives`),
    from what the other rules' findings were suppressed; never a visitor, so
    that a file whose other triggers do not match is still never parsed."""

    info = INFO

    VALID: ClassVar[Sequence[Valid]] = [
        Valid("from keras import layers\nlayers.Dense(4)  # noqa: RL001\n"),
        Valid("from keras import layers\nlayers.Dense(4)  # noqa: RL001, E501\n"),
        Valid("x = 1  # noqa: E501\n"),
        Valid("x = 1  # noqa\n"),
        Valid("text = '# noqa: RL001'\n"),
    ]
    INVALID: ClassVar[Sequence[Invalid]] = [
        Invalid(
            "from keras import layers\nlayers.Dropout(0.5)  # noqa: RL001\n",
            at=["2:22"],
            message="(unused: `RL001`)",
            expected_fix="from keras import layers\nlayers.Dropout(0.5)\n",
        ),
        Invalid(
            "from keras import layers\nlayers.Dense(4)  # noqa: RL001, RL004, E501\n",
            at=["2:18"],
            message="(unused: `RL004`)",
            expected_fix="from keras import layers\nlayers.Dense(4)  # noqa: RL001, E501\n",
        ),
        Invalid(
            "x = 1  # noqa: RL999 because of the generator\n",
            message="(unknown: `RL999`)",
            expected_fix="x = 1  # because of the generator\n",
        ),
        Invalid(
            "x = 1  # type: int  # noqa: RL001\n",
            expected_fix="x = 1  # type: int\n",
        ),
        Invalid("# noqa: RL002\nx = 1\n", expected_fix="\nx = 1\n"),
    ]
