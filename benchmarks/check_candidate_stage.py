"""Check that the ``ast`` candidate stage never changes a finding.

    python benchmarks/check_candidate_stage.py DIR [DIR ...]

Lints every ``.py`` file and notebook under the directories with
``reglint.engine.CANDIDATE_STAGE`` on and off, and reports any file whose
findings differ (exit status 1), with how many files libcst was spared.
"""

from __future__ import annotations

import os
import sys
import time

from reglint import engine
from reglint.config import Settings
from reglint.notebooks import lint_notebook


def lint(path: str, text: str, settings: Settings) -> list:
    if path.endswith(".ipynb"):
        return lint_notebook(path, text, settings)
    return engine.lint_source(text, path, settings)


def main(roots: list[str]) -> int:
    settings = Settings()
    files = sorted(
        os.path.join(d, f)
        for root in roots
        for d, _, names in os.walk(root)
        for f in names
        if f.endswith((".py", ".ipynb"))
    )
    differ = checked = 0
    took = {True: 0.0, False: 0.0}
    for path in files:
        try:
            with open(path, encoding="utf-8") as fh:
                text = fh.read()
        except (OSError, UnicodeDecodeError):
            continue
        results = {}
        for stage in (True, False):
            engine.CANDIDATE_STAGE = stage
            start = time.perf_counter()
            try:
                results[stage] = lint(path, text, settings)
            except Exception as exc:  # report it, do not stop the check
                results[stage] = f"{type(exc).__name__}: {exc}"
            took[stage] += time.perf_counter() - start
        checked += 1
        if results[True] != results[False]:
            differ += 1
            print(f"DIFFERENT: {path}\n  with stage: {results[True]}\n  without: {results[False]}")
    engine.CANDIDATE_STAGE = True
    print(
        f"{checked} files, {differ} with different findings; "
        f"lint time with the stage {took[True]:.1f} s, without {took[False]:.1f} s"
    )
    return 1 if differ else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
