"""RL900 io-error: a file that could not be read is a finding, as ruff's E902.

Not a :class:`reglint.rule.Rule`: no source text can raise it, so it has no
examples and no visitor. It is reported whatever ``--select``/``--ignore`` say
(:data:`reglint.config.ALWAYS_REPORTED`): a run that could not read a file did
not check it, and must not look clean.
"""

from __future__ import annotations

from .findings import Finding, Location

CODE = "RL900"
NAME = "io-error"
SUMMARY = "a file that could not be read (unreadable, not a regular file, too large, not text)"

#: How :mod:`reglint.runner` words a defect met while analyzing a readable
#: file: that is reglint's failure, not the file's, and stays an error (exit 2).
_DEFECTS = ("analysis failed", "analysis crashed")


def is_io_error(reason: str) -> bool:
    """Whether a file's error (``FileResult.error``) means it could not be read."""
    return not reason.startswith(_DEFECTS)


def io_finding(path: str, reason: str) -> Finding:
    where = Location(1, 1)
    return Finding(CODE, f"cannot read the file: {reason}", path, where, where)
