"""The rule documents of ``rules/``: one Markdown file per code.

They are the single source of ``reglint rule CODE``, of SARIF rule help and
of the example-driven tests (the ``Example`` block must raise exactly that
code, the ``Use instead`` block nothing).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

DOCS_URL = "https://github.com/reglint/reglint/blob/main/rules/{code}.md"

_HEADING = re.compile(r"^# (?P<code>R[LA]\d{3}) (?P<name>[a-z0-9-]+)\s*$", re.MULTILINE)
_SECTION = re.compile(r"^## (?P<title>.+?)\s*$", re.MULTILINE)
_CODE_BLOCK = re.compile(r"```python\n(?P<code>.*?)```", re.DOTALL)


@dataclass(frozen=True)
class RuleDoc:
    code: str
    name: str
    text: str
    sections: dict[str, str]

    @property
    def bad_example(self) -> str | None:
        return _first_block(self.sections.get("Example", ""))

    @property
    def good_example(self) -> str | None:
        return _first_block(self.sections.get("Use instead", ""))

    @property
    def url(self) -> str:
        return DOCS_URL.format(code=self.code)

    @property
    def what_it_does(self) -> str:
        return self.sections.get("What it does", "").strip()


def _first_block(section: str) -> str | None:
    match = _CODE_BLOCK.search(section)
    return match.group("code") if match else None


def docs_dir() -> Path:
    """Installed wheels carry the documents as ``reglint/_rule_docs``; a source
    checkout (editable install) has them in the top-level ``rules/``."""
    packaged = Path(__file__).with_name("_rule_docs")
    return packaged if packaged.is_dir() else Path(__file__).parent.parent / "rules"


def parse(text: str) -> RuleDoc:
    head = _HEADING.search(text)
    if head is None:
        raise ValueError("a rule document starts with '# CODE name'")
    sections: dict[str, str] = {}
    matches = list(_SECTION.finditer(text))
    for i, match in enumerate(matches):
        end = matches[i + 1].start() if i + 1 < len(matches) else len(text)
        sections[match.group("title")] = text[match.end() : end].strip("\n")
    return RuleDoc(head.group("code"), head.group("name"), text, sections)


@cache
def load(code: str) -> RuleDoc | None:
    path = docs_dir() / f"{code.upper()}.md"
    try:
        return parse(path.read_text(encoding="utf-8"))
    except OSError:
        return None


def all_docs() -> list[RuleDoc]:
    return [parse(p.read_text(encoding="utf-8")) for p in sorted(docs_dir().glob("R*.md"))]
