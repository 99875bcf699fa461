"""``reglint server`` with its engine call altered, for what real input cannot reach.

    python lsp_test_server.py crash    # linting a text containing CRASH_ME raises
    python lsp_test_server.py unsafe   # RL008's (real) fix is marked unsafe

No rule offers an unsafe fix yet, and no known input crashes the engine; the
rest of the server (transport, positions, actions) is the real one.
"""

from __future__ import annotations

import dataclasses
import sys

from reglint.config import Settings
from reglint.engine import lint_source
from reglint.findings import Finding
from reglint.server.app import ReglintServer


def crashing(source: str, path: str, settings: Settings) -> list[Finding]:
    if "CRASH_ME" in source:
        raise RuntimeError("injected failure")
    return lint_source(source, path, settings)


def unsafe(source: str, path: str, settings: Settings) -> list[Finding]:
    findings = lint_source(source, path, settings)
    return [
        dataclasses.replace(f, fix=dataclasses.replace(f.fix, applicability="unsafe"))
        if f.code == "RL008" and f.fix is not None
        else f
        for f in findings
    ]


if __name__ == "__main__":
    ReglintServer(lint_python={"crash": crashing, "unsafe": unsafe}[sys.argv[1]]).start_io()
