"""Time ``reglint check`` against a bare ``ast.parse`` pass and semgrep, in one run.

    python benchmarks/bench_check.py CORPUS_DIR [--csv out.csv] [--repeat 3]

The corpus's Python files (as reglint discovers them) are copied, with their
timestamps, to a temporary directory, so the result cache lands there and
every tool sees exactly the same files. Then, each timed ``--repeat`` times
(the median is reported):

* reglint cold: ``reglint check --no-cache`` in a subprocess, default jobs;
* reglint cold with ``--no-cross-calls`` (each call judged alone; the default
  follows calls across modules, docs/cross-calls.md);
* reglint warm: ``reglint check`` after one run populated the cache;
* ast.parse: read and ``ast.parse`` every file in this process, one process
  (the reference of the "cold <= 3x ast.parse" target), and in a fork pool of
  as many processes as reglint's default jobs, for a like-for-like view;
* semgrep with ``benchmarks/semgrep_rl001.yaml`` (RL001's equivalent), if
  ``semgrep`` is on PATH (``--semgrep PATH`` to name one).

reglint's times are whole processes (interpreter start included); the ast
pass's are not. reglint runs with bytecode caches, as an installed wheel has
them (``PYTHONDONTWRITEBYTECODE`` is dropped for it, after one warm-up run).
Ratios are of medians measured in the same run, so a loaded machine slows
both sides alike; state the machine's load with the figures.

The project index's own cost is measured apart, in this process: the
cross-call gate (``candidates.cross_call_sites``) over every file, with the
time spent inside the index (locating, reading, text tests, parsing and
summarizing dependencies) and what it read.
"""

from __future__ import annotations

import argparse
import ast
import csv
import multiprocessing
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from reglint.config import Settings  # noqa: E402
from reglint.discovery import discover  # noqa: E402
from reglint.runner import default_jobs  # noqa: E402


def corpus_files(corpus: Path) -> list[str]:
    """The ``.py`` files reglint would lint under ``corpus``, relative to it."""
    found = discover([str(corpus)], Settings(root=corpus))
    return sorted(os.path.relpath(f, corpus) for f in found.files if f.endswith(".py"))


def copy_corpus(corpus: Path, files: list[str], dest: Path) -> None:
    for rel in files:
        target = dest / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(corpus / rel, target)  # keeps mtimes: no "racily clean" entries


def package_path(corpus: Path) -> Path:
    """Where ``corpus`` sits below its outermost package (``keras/src`` for a
    ``.../keras/src``): the copy keeps it, so that absolute imports of the
    project (``from keras.src.ops import ...``) resolve as in place, for the
    cross-call analysis (the default rows)."""
    parts: list[str] = []
    here = corpus
    while (here / "__init__.py").is_file() and here.parent != here:
        parts.insert(0, here.name)
        here = here.parent
    return Path(*parts) if parts else Path()


def copy_package_inits(corpus: Path, dest_root: Path) -> None:
    """The ``__init__.py`` of each package above ``corpus`` (not linted)."""
    here = corpus.parent
    while (here / "__init__.py").is_file() and here.parent != here:
        target = dest_root / package_path(here) / "__init__.py"
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(here / "__init__.py", target)
        here = here.parent


def timed(fn, repeat: int) -> tuple[float, list[float]]:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), times


#: reglint's environment: with bytecode caches (see the module docstring).
REGLINT_ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def run(cmd: list[str], cwd: Path, env: dict[str, str] | None = REGLINT_ENV) -> None:
    proc = subprocess.run(
        cmd, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
    )
    if proc.returncode not in (0, 1):
        raise SystemExit(f"{cmd[0]} failed ({proc.returncode}): {proc.stderr.strip()[:500]}")


def _parse_all(paths: list[str]) -> int:
    ok = 0
    for path in paths:
        with open(path, "rb") as fh:
            data = fh.read()
        try:
            ast.parse(data, path)
            ok += 1
        except (SyntaxError, ValueError):
            pass
    return ok


def ast_pass(paths: list[str], processes: int = 1) -> int:
    if processes <= 1:
        return _parse_all(paths)
    chunks = [paths[i :: processes * 8] for i in range(processes * 8)]
    with multiprocessing.get_context("fork").Pool(processes) as pool:
        return sum(pool.map(_parse_all, chunks))


def index_cost(paths: list[str], root: Path) -> tuple[float, float, int, int]:
    """``(gate seconds, of which inside the index, modules read, modules parsed)``
    for one fresh :class:`~reglint.project_index.ProjectIndex` over ``paths``."""
    from reglint.project_index import ProjectIndex, one_run

    index = ProjectIndex(str(root))
    inside = 0.0
    depth = 0

    def timed_method(method):
        def wrapper(*a, **k):
            nonlocal inside, depth
            depth += 1
            start = time.perf_counter()
            try:
                return method(*a, **k)
            finally:
                depth -= 1
                if not depth:
                    inside += time.perf_counter() - start

        return wrapper

    index.builds_layers = timed_method(index.builds_layers)  # type: ignore[method-assign]
    index.is_project_name = timed_method(index.is_project_name)  # type: ignore[method-assign]
    with one_run():  # as ``reglint check`` runs: each module stat-ed once
        gate = _gate_cost(paths, index)
    parsed = sum(1 for found in index._analyses.values() if found is not None)
    return gate, inside, len(index._texts), parsed


def _gate_cost(paths: list[str], index: object) -> float:
    from reglint import candidates

    gate = 0.0
    for path in paths:
        with open(path, "rb") as fh:
            data = fh.read()
        try:
            tree = ast.parse(data, path)
        except (SyntaxError, ValueError):
            continue
        facts = candidates.facts(tree)
        start = time.perf_counter()
        candidates.cross_call_sites(tree, facts, path, index)
        gate += time.perf_counter() - start
    return gate


def reglint_cmd(*args: str) -> list[str]:
    """The installed console script (``python -m`` would put the corpus, which
    may hold a ``random`` package, on ``sys.path``)."""
    script = Path(sys.executable).with_name("reglint")
    base = [str(script)] if script.exists() else [sys.executable, "-P", "-m", "reglint"]
    return [*base, "check", "--exit-zero", "-q", *args, "."]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus", type=Path)
    parser.add_argument("--csv", type=Path, help="write the figures here")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--semgrep", default=shutil.which("semgrep"), help="semgrep executable")
    parser.add_argument("--no-semgrep", action="store_true")
    args = parser.parse_args()

    corpus = args.corpus.resolve()
    files = corpus_files(corpus)
    if not files:
        raise SystemExit(f"no Python files under {corpus}")
    jobs = default_jobs()
    rows: list[tuple[str, float, list[float]]] = []
    with tempfile.TemporaryDirectory(prefix="reglint-bench-") as tmp:
        work = Path(tmp) / package_path(corpus)
        copy_corpus(corpus, files, work)
        copy_package_inits(corpus, Path(tmp))
        paths = [str(work / f) for f in files]
        size = sum(os.path.getsize(p) for p in paths)
        print(
            f"corpus: {corpus}: {len(files)} files, {size / 1e6:.1f} MB; "
            f"{os.cpu_count()} CPUs, load {os.getloadavg()[0]:.2f}; reglint jobs: {jobs}"
        )
        ast_pass(paths)  # warm the page cache for everyone
        run(reglint_cmd("--no-cache"), work)  # and reglint's bytecode caches
        rows.append(
            ("reglint cold", *timed(lambda: run(reglint_cmd("--no-cache"), work), args.repeat))
        )
        run(reglint_cmd("--no-cache", "--no-cross-calls"), work)
        rows.append(
            (
                "reglint cold --no-cross-calls",
                *timed(
                    lambda: run(reglint_cmd("--no-cache", "--no-cross-calls"), work), args.repeat
                ),
            )
        )
        populate, _ = timed(lambda: run(reglint_cmd(), work), 1)
        rows.append(("reglint warm", *timed(lambda: run(reglint_cmd(), work), args.repeat)))
        rows.append(("ast.parse (1 process)", *timed(lambda: ast_pass(paths), args.repeat)))
        rows.append(
            (f"ast.parse ({jobs} processes)", *timed(lambda: ast_pass(paths, jobs), args.repeat))
        )
        gate, inside, read, parsed = index_cost(paths, work)
        semgrep = None if args.no_semgrep else args.semgrep
        if semgrep:
            env = {**os.environ, "SEMGREP_ENABLE_VERSION_CHECK": "0", "SEMGREP_SEND_METRICS": "off"}
            cmd = [
                semgrep,
                "scan",
                "--config",
                str(HERE / "semgrep_rl001.yaml"),
                "--metrics",
                "off",
                "--disable-version-check",
                "--quiet",
                "--json",
                "--no-git-ignore",
                "--jobs",
                str(jobs),
                "-o",
                os.devnull,
                ".",
            ]
            run(cmd, work, env)  # first run: semgrep's own rule-parsing cache
            rows.append(("semgrep (RL001 only)", *timed(lambda: run(cmd, work, env), args.repeat)))
        elif args.no_semgrep:
            print("semgrep: skipped (--no-semgrep)")
        else:
            print("semgrep: skipped (not on PATH; pip install semgrep to compare)")
    print(f"{'':28} {'median s':>9} {'files/s':>9}   runs")
    for name, median, times in rows:
        runs = " ".join(f"{t:.2f}" for t in times)
        print(f"{name:28} {median:9.3f} {len(files) / median:9.0f}   {runs}")
    print(f"{'reglint first cached run':28} {populate:9.3f}")
    print(
        f"project index (in-process, 1 process): gate {gate:.3f} s, of which the index "
        f"{inside:.3f} s; {read} modules read, {parsed} parsed"
    )
    t = {name: median for name, median, _ in rows}
    cold, warm, parse1 = t["reglint cold"], t["reglint warm"], t["ast.parse (1 process)"]
    parse_n = t[f"ast.parse ({jobs} processes)"]
    ratios = [
        ("reglint cold / ast.parse (1 process)", cold / parse1),
        (f"reglint cold / ast.parse ({jobs} processes)", cold / parse_n),
        ("warm speedup (cold / warm)", cold / warm),
        ("reglint cold / cold --no-cross-calls", cold / t["reglint cold --no-cross-calls"]),
    ]
    if "semgrep (RL001 only)" in t:
        ratios.append(("semgrep / reglint cold", t["semgrep (RL001 only)"] / cold))
    for name, value in ratios:
        print(f"{name:44} {value:6.2f}x")
    if args.csv:
        with open(args.csv, "w", newline="") as fh:
            out = csv.writer(fh)
            out.writerow(["measure", "seconds", "files", "files_per_s", "runs"])
            for name, median, times in rows:
                out.writerow(
                    [
                        name,
                        f"{median:.4f}",
                        len(files),
                        f"{len(files) / median:.1f}",
                        " ".join(f"{x:.4f}" for x in times),
                    ]
                )
            for name, value in ratios:
                out.writerow([name, f"{value:.3f}", "", "", "ratio"])
            out.writerow(["project index (gate, in-process)", f"{gate:.4f}", len(files), "", ""])
            out.writerow(
                [
                    "project index (inside the index)",
                    f"{inside:.4f}",
                    "",
                    "",
                    f"{read} read, {parsed} parsed",
                ]
            )
        print(f"wrote {args.csv}")


if __name__ == "__main__":
    main()
