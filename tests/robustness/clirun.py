"""Running the real ``reglint check`` on directories of mutants and judging each run.

A run must end by itself within :data:`CLI_TIMEOUT` (its whole process group
is killed otherwise, and that is a failure), exit 0, 1 or 2, never by a
signal, and write only one-line ``reglint:`` messages to stderr.
"""

from __future__ import annotations

import ast
import contextlib
import hashlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import warnings
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from reglint.config import Settings
from reglint.runner import lint_file

from . import CLI_TIMEOUT
from .mutants import FIXTURES, Mutant

#: Unmodified files linted alongside the mutants: their findings must come out intact.
CONTROLS = {
    "control_fix.py": FIXTURES / "fix" / "rl001_keras3.py",
    "control_values.py": FIXTURES / "fix" / "value_fixes.py",
    "control_cells.ipynb": FIXTURES / "notebooks" / "cross_cell.ipynb",
}
_NOQA = re.compile(r"#\s*noqa(?::\s*(?P<codes>[A-Z]+[0-9]+(?:[\s,]+[A-Z]+[0-9]+)*))?", re.I)
_STDERR_OK = re.compile(r"reglint: (error|warning): |Added \d+ noqa directives?\.$")


@dataclass
class Run:
    args: tuple[str, ...]
    returncode: int | None
    stdout: bytes
    stderr: str

    @property
    def findings(self) -> list[dict]:
        return json.loads(self.stdout)

    def errors(self) -> dict[str, str]:
        """The files named in ``reglint: error: PATH: reason`` lines."""
        found = {}
        for line in self.stderr.splitlines():
            if line.startswith("reglint: error: "):
                path, _, reason = line[len("reglint: error: ") :].partition(": ")
                found[Path(path).name] = reason
        return found


def reglint(*args: str, cwd: Path) -> Run:
    """``python -m reglint ARGS`` in its own process group, killed whole on timeout."""
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    env.pop("REGLINT_DEBUG", None)
    proc = subprocess.Popen(
        [sys.executable, "-m", "reglint", *args],
        cwd=cwd,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    try:
        out, err = proc.communicate(timeout=CLI_TIMEOUT)
        code: int | None = proc.returncode
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        out, err = proc.communicate()
        code = None
    else:
        with contextlib.suppress(ProcessLookupError):  # workers left by a crashed parent
            os.killpg(proc.pid, signal.SIGKILL)
    return Run(args, code, out, err.decode("utf-8", "replace"))


@dataclass
class Verdict:
    """The problems found in one directory's runs, with what reproduces them."""

    mutants: dict[str, Mutant]
    problems: list[str] = field(default_factory=list)

    def add(self, problem: str, names: list[str] | tuple[str, ...] = ()) -> None:
        shown = [self.mutants[n].reproducer() for n in names if n in self.mutants]
        self.problems.append("\n      ".join([problem, *shown]))

    def judge(self, run: Run, json_out: bool = False) -> list[dict] | None:
        """The process-level contract; the JSON findings when ``json_out``."""
        what = "reglint " + " ".join(run.args)
        if run.returncode is None:
            self.add(f"{what}: no answer within {CLI_TIMEOUT} s (hang)")
            return None
        if run.returncode < 0:
            self.add(f"{what}: killed by signal {-run.returncode}; stderr: {run.stderr[-300:]}")
            return None
        if run.returncode not in (0, 1, 2):
            self.add(f"{what}: exit code {run.returncode}")
        for line in run.stderr.splitlines():
            if "internal error" in line or "Traceback" in line or not _STDERR_OK.match(line):
                self.add(f"{what}: stderr line {line[:300]!r}", _named(line, self.mutants))
                break
        try:
            run.stdout.decode("utf-8")
        except UnicodeDecodeError as exc:
            self.add(f"{what}: stdout is not UTF-8 ({exc})")
        if not json_out:
            return None
        try:
            findings = run.findings
        except ValueError as exc:
            self.add(f"{what}: stdout is not complete JSON ({exc}); tail {run.stdout[-200:]!r}")
            return None
        return findings

    def assert_ok(self, directory: Path) -> None:
        assert not self.problems, f"{len(self.problems)} problems (files in {directory}):\n" + (
            "\n".join(f"- {p}" for p in self.problems)
        )


def _named(text: str, mutants: dict[str, Mutant]) -> list[str]:
    return [name for name in mutants if name in text]


def digests(directory: Path) -> dict[str, str]:
    """Every file under ``directory`` but the result cache, by relative path."""
    return {
        p.relative_to(directory).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(directory.rglob("*"))
        if p.is_file() and ".reglint_cache" not in p.parts
    }


def project(root: Path, mutants: list[Mutant], controls: bool = True) -> Path:
    """A project at ``root`` (a pyproject.toml of its own) with the files under ``src/``."""
    src = root / "src"
    src.mkdir(parents=True)
    (root / "pyproject.toml").write_text("[tool.reglint]\n")
    for m in mutants:
        (src / m.name).write_bytes(m.data)
    if controls:
        for name, origin in CONTROLS.items():
            shutil.copyfile(origin, src / name)
    return src


def expected_controls(src: Path) -> dict[str, Counter]:
    settings = Settings()
    return {name: _keys(lint_file(str(src / name), settings).findings) for name in CONTROLS}


def _keys(findings) -> Counter:
    return Counter(
        (f.code, f.location.row, f.location.column, None if f.cell is None else f.cell + 1)
        for f in findings
    )


def json_keys(findings: list[dict]) -> dict[str, Counter]:
    out: dict[str, Counter] = {}
    for f in findings:
        key = (f["code"], f["location"]["row"], f["location"]["column"], f.get("cell"))
        out.setdefault(Path(f["filename"]).name, Counter())[key] += 1
    return out


def compiles(text: bytes) -> ast.AST | None:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return compile(text, "<mutant>", "exec", ast.PyCF_ONLY_AST, dont_inherit=True)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None


_TRAILING_NOQA = re.compile(
    r"[ \t]*#\s*noqa(?::\s*[A-Z]+[0-9]+(?:[\s,]+[A-Z]+[0-9]+)*)?[ \t]*$", re.I
)


def meaning(name: str, data: bytes) -> str | None:
    """What ``--add-noqa`` must leave unchanged in a file: a Python file's tree;
    a notebook's JSON with each code cell's trailing noqa comments taken out.
    None when the file has no meaning to keep (it does not compile or parse)."""
    if not name.endswith(".ipynb"):
        tree = compiles(data)
        return None if tree is None else ast.dump(tree)
    try:
        nb = json.loads(data)
        for cell in nb["cells"]:
            if cell.get("cell_type") == "code":
                source = cell["source"]
                text = source if isinstance(source, str) else "".join(source)
                cell["source"] = [_TRAILING_NOQA.sub("", line) for line in text.splitlines()]
    except (ValueError, KeyError, TypeError, AttributeError, RecursionError):
        return None
    return json.dumps(nb, sort_keys=True)


def noqa_covers(line: str, code: str) -> bool:
    match = _NOQA.search(line)
    if match is None:
        return False
    codes = match.group("codes")
    return not codes or code in {c.upper() for c in re.split(r"[\s,]+", codes) if c}


def row_line(data: bytes, row: int) -> str:
    lines = re.split(r"\r\n|\r|\n", data.decode("utf-8", "replace"))
    return lines[row - 1] if 0 < row <= len(lines) else ""
