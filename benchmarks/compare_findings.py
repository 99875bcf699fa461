"""Per-rule finding counts of two reglint source trees on real corpora, and what changed.

    python benchmarks/compare_findings.py --before /tmp/rl_before --after . \\
        keras-hub=/tmp/corpora/keras-hub \\
        keras=/tmp/corpora/keras/examples,/tmp/corpora/keras/guides \\
        [--save DIR] [--jobs 1] [--timeout 1800]

For each corpus (``NAME=DIR[,DIR...]``, one process per run) it runs
``python -m reglint check --no-cache --output-format json --select ALL`` with
``PYTHONPATH`` set to each tree, from a temporary directory (so no
configuration of the reglint checkout applies), then once more with the
*after* tree and ``--preview``. Options a tree does not know are adapted from
its ``--help``: an older tree spells ``--output-format`` as ``--format``, and
has no ``--preview`` (that run is skipped) or ``--respect-gitignore`` (the
newer tree gets ``--no-respect-gitignore`` so both lint the same files).

Printed, as Markdown: per corpus and rule the counts before / after / after
with ``--preview``; each run's time, exit code and stderr lines; then the
findings that are new, gone or only reworded, before -> after and after ->
after ``--preview``, one per line as ``file[:cell N]:row:col CODE message``
(with the ``related`` locations of a cross-call finding under it), for a
person to read. Findings are matched by (file, cell, row, column, code).

Notebooks and files with syntax errors are reglint's business (RL000); a run
that times out, is killed or prints no JSON is reported and costs only its
column. Each run is bounded by ``TIMEOUT_S`` (``--timeout``) and
``MAX_MEMORY_BYTES`` of address space per process.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

#: Wall time one reglint run may take before it is killed (seconds).
TIMEOUT_S = 1800
#: Address-space limit of each reglint process (its workers inherit it).
MAX_MEMORY_BYTES = 6 * 1024**3
#: stderr lines shown per run; the rest are counted.
MAX_STDERR_LINES = 20

Key = tuple[str, "int | None", int, int, str]


@dataclass
class Run:
    """One reglint process on one corpus."""

    label: str
    findings: list[dict] = field(default_factory=list)
    seconds: float = 0.0
    returncode: int | None = None
    stderr: list[str] = field(default_factory=list)
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


def tree_env(tree: Path) -> dict[str, str]:
    return dict(os.environ, PYTHONPATH=str(tree))


def tree_options(python: str, tree: Path, cwd: str) -> set[str]:
    """The ``check`` options ``tree``'s reglint accepts, after checking it is the one imported."""
    env = tree_env(tree)
    where = subprocess.run(
        [python, "-c", "import reglint; print(reglint.__file__)"],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    origin = Path(where.stdout.strip() or "?").resolve()
    if not origin.is_relative_to(tree.resolve()):
        raise SystemExit(f"{tree}: PYTHONPATH does not win, reglint imported from {origin}")
    helptext = subprocess.run(
        [python, "-m", "reglint", "check", "--help"],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    ).stdout
    return {word.rstrip(",") for word in helptext.split() if word.startswith("--")}


def check_command(
    python: str, options: set[str], paths: list[str], jobs: int, preview: bool
) -> list[str]:
    fmt = "--output-format" if "--output-format" in options else "--format"
    cmd = [python, "-m", "reglint", "check", "--no-cache", fmt, "json", "--select", "ALL"]
    if "--jobs" in options:
        cmd += ["--jobs", str(jobs)]
    if "--no-respect-gitignore" in options:
        cmd.append("--no-respect-gitignore")
    if preview:
        cmd.append("--preview")
    return cmd + paths


def limit_memory() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MAX_MEMORY_BYTES, MAX_MEMORY_BYTES))


def run_reglint(label: str, cmd: list[str], env: dict[str, str], cwd: str, timeout: float) -> Run:
    run = Run(label)
    start = time.perf_counter()
    proc = subprocess.Popen(
        cmd,
        cwd=cwd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        errors="replace",
        start_new_session=True,
        preexec_fn=limit_memory,
    )
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        out, err = proc.communicate()
        run.error = f"timed out after {timeout:g} s"
    run.seconds = time.perf_counter() - start
    run.returncode = proc.returncode
    run.stderr = err.splitlines()
    if run.error is None:
        try:
            run.findings = json.loads(out)
        except ValueError:
            run.error = f"exit {proc.returncode}, stdout is not JSON ({len(out)} chars)"
        else:
            if proc.returncode not in (0, 1):
                run.error = f"exit {proc.returncode}"
    return run


def relative(filename: str, roots: list[Path]) -> str:
    path = Path(filename)
    for root in roots:
        base = root.parent
        if path.is_relative_to(base):
            return str(path.relative_to(base))
    return filename


def key(finding: dict, roots: list[Path]) -> Key:
    loc = finding.get("location") or {}
    return (
        relative(finding["filename"], roots),
        finding.get("cell"),
        loc.get("row", 0),
        loc.get("column", 0),
        finding["code"],
    )


def show(k: Key, finding: dict, roots: list[Path]) -> list[str]:
    file, cell, row, col, code = k
    where = f"{file}:cell {cell}:{row}:{col}" if cell is not None else f"{file}:{row}:{col}"
    lines = [f"- `{where}` {code} {finding['message']}"]
    for rel in finding.get("related") or []:
        loc = rel.get("location") or {}
        lines.append(
            f"  - note: `{relative(rel['filename'], roots)}:{loc.get('row')}:{loc.get('column')}`"
            f" {rel.get('message', '')}"
        )
    return lines


def diff(old: Run, new: Run, roots: list[Path]) -> dict[str, list[str]]:
    """Findings of ``new`` not in ``old`` (new), the reverse (gone), and same place, other text."""
    by_key: dict[Key, tuple[list[dict], list[dict]]] = defaultdict(lambda: ([], []))
    for side, run in enumerate((old, new)):
        for finding in run.findings:
            by_key[key(finding, roots)][side].append(finding)
    out: dict[str, list[str]] = {"new": [], "gone": [], "reworded": []}
    for k in sorted(by_key, key=lambda k: (k[0], k[1] or 0, k[2], k[3], k[4])):
        before, after = (list(side) for side in by_key[k])
        for finding in list(before):
            same = next((f for f in after if f["message"] == finding["message"]), None)
            if same is not None:
                before.remove(finding)
                after.remove(same)
        for b, a in zip(before, after, strict=False):
            out["reworded"] += [*show(k, b, roots), f"  - now: {a['message']}"]
        paired = min(len(before), len(after))
        for finding in after[paired:]:
            out["new"] += show(k, finding, roots)
        for finding in before[paired:]:
            out["gone"] += show(k, finding, roots)
    return out


def counts(run: Run) -> Counter[str]:
    return Counter(f["code"] for f in run.findings)


def cell(run: Run | None, code: str) -> str:
    if run is None:
        return "n/a"
    if not run.ok:
        return "error"
    return str(len(run.findings) if code == "total" else counts(run)[code])


def table(runs: list[Run | None]) -> list[str]:
    codes = sorted(set().union(*(counts(r) for r in runs if r is not None)))
    lines = ["| rule | before | after | after --preview |", "|---|---:|---:|---:|"]
    for code in [*codes, "total"]:
        lines.append(f"| {code} | " + " | ".join(cell(r, code) for r in runs) + " |")
    return lines


def report_run(run: Run) -> list[str]:
    status = f"error: {run.error}" if run.error else f"exit {run.returncode}"
    lines = [f"- {run.label}: {len(run.findings)} findings, {run.seconds:.1f} s, {status}"]
    for line in run.stderr[:MAX_STDERR_LINES]:
        lines.append(f"  - stderr: {line}")
    if len(run.stderr) > MAX_STDERR_LINES:
        lines.append(f"  - stderr: ... {len(run.stderr) - MAX_STDERR_LINES} more lines")
    return lines


def report_diff(title: str, changes: dict[str, list[str]]) -> list[str]:
    lines = []
    for kind in ("new", "gone", "reworded"):
        entries = changes[kind]
        shown = sum(1 for e in entries if e.startswith("- "))
        lines += ["", f"#### {title}: {kind} ({shown})", ""] + (entries or ["(none)"])
    return lines


def parse_corpus(spec: str) -> tuple[str, list[Path]]:
    name, sep, dirs = spec.partition("=")
    if not sep:
        name, dirs = Path(spec).name, spec
    roots = [Path(d).resolve() for d in dirs.split(",") if d]
    for root in roots:
        if not root.is_dir():
            raise SystemExit(f"{root}: not a directory (corpus {name})")
    return name, roots


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("corpora", nargs="+", metavar="NAME=DIR[,DIR...]")
    parser.add_argument("--before", type=Path, required=True, help="reglint source tree (old)")
    parser.add_argument("--after", type=Path, required=True, help="reglint source tree (new)")
    parser.add_argument(
        "--python", default=sys.executable, help="interpreter with reglint's dependencies"
    )
    parser.add_argument(
        "--jobs", type=int, default=1, help="reglint --jobs (default 1: the CPU is shared)"
    )
    parser.add_argument("--timeout", type=float, default=TIMEOUT_S, help="seconds per run")
    parser.add_argument("--save", type=Path, help="write each run's JSON findings here")
    args = parser.parse_args()
    corpora = [parse_corpus(spec) for spec in args.corpora]

    with tempfile.TemporaryDirectory(prefix="compare_findings_") as cwd:
        opts = {
            side: tree_options(args.python, tree, cwd)
            for side, tree in (("before", args.before), ("after", args.after))
        }
        print(f"# reglint findings: {args.before} -> {args.after}\n")
        print(f"Started {time.strftime('%Y-%m-%d %H:%M:%S %Z')}; --jobs {args.jobs}.\n")
        totals: list[list[Run | None]] = []
        for name, roots in corpora:
            paths = [str(r) for r in roots]
            runs: list[Run | None] = []
            for label, tree, preview in (
                ("before", args.before, False),
                ("after", args.after, False),
                ("after --preview", args.after, True),
            ):
                side = label.split()[0]
                if preview and "--preview" not in opts[side]:
                    runs.append(None)
                    continue
                cmd = check_command(args.python, opts[side], paths, args.jobs, preview)
                print(f"[{name}] {label}: {' '.join(cmd[1:])}", file=sys.stderr, flush=True)
                run = run_reglint(label, cmd, tree_env(tree), cwd, args.timeout)
                runs.append(run)
                if args.save:
                    args.save.mkdir(parents=True, exist_ok=True)
                    out = args.save / f"{name}.{label.replace(' --', '-')}.json"
                    out.write_text(json.dumps(run.findings, indent=1))
            totals.append(runs)
            before, after, preview_run = runs
            print(f"## {name} ({', '.join(paths)})\n")
            for run in runs:
                if run is not None:
                    print("\n".join(report_run(run)))
            print()
            print("\n".join(table(runs)))
            if before and after and before.ok and after.ok:
                print("\n".join(report_diff("before -> after", diff(before, after, roots))))
            if after and preview_run and after.ok and preview_run.ok:
                print(
                    "\n".join(
                        report_diff("after -> after --preview", diff(after, preview_run, roots))
                    )
                )
            print(flush=True)
        merged = [
            Run(label, [f for runs in totals if runs[i] and runs[i].ok for f in runs[i].findings])
            if any(runs[i] for runs in totals)
            else None
            for i, label in enumerate(("before", "after", "after --preview"))
        ]
        print("## All corpora\n")
        print("\n".join(table(merged)))


if __name__ == "__main__":
    main()
