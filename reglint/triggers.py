"""Text triggers: what a file's text must contain for a rule to fire.

A file whose text passes no enabled rule's trigger is never parsed for the
rules (only for RL000). Each trigger is a *sound* prefilter: it may let
through a file no rule fires on, never hold back one a rule fires on
(``tests/test_triggers.py``).

Every trigger reads one :class:`Text`, which computes what the triggers ask
of a file once: its identifier-like words (one pass over the bytes, where a
regex per rule would scan the whole file again: on keras/src the words cost
a fifth of the regexes they replace) and its lowercase form.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import cached_property

#: Byte -> itself for the bytes of words (ASCII letters, digits, ``_`` and every
#: byte of a non-ASCII character), else a space.
_WORD_BYTES = bytes.maketrans(
    bytes(range(256)),
    bytes(c if chr(c).isalnum() or c == ord("_") or c > 127 else ord(" ") for c in range(256)),
)


class Text:
    """A file's text and what the triggers ask of it, each computed once."""

    __slots__ = ("__dict__", "source")

    def __init__(self, source: str) -> None:
        self.source = source

    @cached_property
    def words(self) -> frozenset[bytes]:
        """The maximal runs of ASCII letters, digits, ``_`` and non-ASCII characters.

        A run that touches a non-ASCII character that is not a letter (``→``)
        is longer than a regex ``\\b`` word; Python code never puts one next
        to an identifier, only comments and strings do.
        """
        data = self.source.encode("utf-8", "surrogatepass").translate(_WORD_BYTES)
        return frozenset(data.split())

    @cached_property
    def lower(self) -> str:
        return self.source.lower()


class Trigger:
    """A text test; ``a | b`` passes where either does."""

    def passes(self, text: Text) -> bool:
        raise NotImplementedError

    def search(self, source: str) -> bool:
        """Does ``source`` pass? (One file, one question: tests and docs.)"""
        return self.passes(Text(source))

    def __or__(self, other: Trigger) -> Trigger:
        return AnyOf((self, other))


class Words(Trigger):
    """Any of ``names`` as a whole word (``Dense``, not ``MyDense`` or ``Densely``)."""

    def __init__(self, names: Iterable[str]) -> None:
        self.names = frozenset(names)
        self._encoded = frozenset(n.encode() for n in self.names)

    def passes(self, text: Text) -> bool:
        return not self._encoded.isdisjoint(text.words)

    def __repr__(self) -> str:
        return f"Words({sorted(self.names)!r})"


class Literals(Trigger):
    """Any of ``strings`` anywhere (``train_step`` in ``custom_train_step`` too);
    ``ignore_case``: in the text's lowercase form (``strings`` written in lowercase)."""

    def __init__(self, *strings: str, ignore_case: bool = False) -> None:
        if ignore_case and any(s != s.lower() for s in strings):
            raise ValueError("with ignore_case, write the strings in lowercase")
        self.strings, self.ignore_case = strings, ignore_case

    def passes(self, text: Text) -> bool:
        haystack = text.lower if self.ignore_case else text.source
        return any(s in haystack for s in self.strings)

    def __repr__(self) -> str:
        return f"Literals{self.strings!r}"


class Pattern(Trigger):
    """A match of ``regex``, looked for only in a text that contains ``literal``
    (a string every match contains: a substring test is many times faster)."""

    def __init__(self, regex: str, literal: str = "") -> None:
        self.regex, self.literal = re.compile(regex), literal

    def passes(self, text: Text) -> bool:
        return self.literal in text.source and self.regex.search(text.source) is not None

    def __repr__(self) -> str:
        return f"Pattern({self.regex.pattern!r}, literal={self.literal!r})"


class AnyOf(Trigger):
    def __init__(self, triggers: Iterable[Trigger]) -> None:
        self.triggers = tuple(triggers)

    def passes(self, text: Text) -> bool:
        return any(t.passes(text) for t in self.triggers)

    def __or__(self, other: Trigger) -> Trigger:
        return AnyOf((*self.triggers, other))

    def __repr__(self) -> str:
        return " | ".join(map(repr, self.triggers))


class Never(Trigger):
    """For a rule the engine runs on its own terms (RL000, RL011)."""

    def passes(self, text: Text) -> bool:
        return False

    def __repr__(self) -> str:
        return "Never()"
