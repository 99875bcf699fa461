"""How ``reglint check`` scales: time and peak memory on generated trees.

    python benchmarks/bench_scaling.py [--sizes 100 1000 10000] [--csv out.csv]

For each size, ``gen_tree.py`` writes a tree of realistic Keras-project
modules to a temporary directory; then ``reglint check --no-cache`` (default
jobs) and a warm cached run are timed. Peak memory is the largest resident set
of any one process of the run (the parent or one worker: ``ru_maxrss`` of a
wrapper process's children), so it shows whether memory stays flat as the
tree grows. The output is checked to be deterministic: the uncached run, the
run that fills the cache and the warm run must print the same bytes.
"""

from __future__ import annotations

import argparse
import csv
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from gen_tree import generate  # noqa: E402

_WRAPPER = (
    "import resource, subprocess, sys\n"
    "p = subprocess.run(sys.argv[1:], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)\n"
    "sys.stdout.buffer.write(p.stdout)\n"
    "sys.stderr.write(str(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss))\n"
)


def measure(cmd: list[str], cwd: Path) -> tuple[float, int, bytes]:
    """Wall seconds, peak RSS (KiB) of the largest process, stdout."""
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, "-c", _WRAPPER, *cmd], cwd=cwd, capture_output=True)
    return time.perf_counter() - start, int(proc.stderr.decode().strip() or 0), proc.stdout


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100, 1000, 10000])
    parser.add_argument("--csv", type=Path)
    args = parser.parse_args()
    script = Path(sys.executable).with_name("reglint")
    base = [str(script)] if script.exists() else [sys.executable, "-P", "-m", "reglint"]
    check = [*base, "check", "--exit-zero", "--format", "json"]
    rows = []
    print(f"{'files':>7} {'cold s':>8} {'files/s':>8} {'peak MB':>8} {'warm s':>7} {'findings':>9}")
    for n in args.sizes:
        with tempfile.TemporaryDirectory(prefix="reglint-scale-") as tmp:
            root = Path(tmp)
            generate(n, root)
            old = time.time() - 3600  # out of the cache's "racily clean" window
            for path in root.rglob("*.py"):
                os.utime(path, (old, old))
            cold, peak, out = measure([*check, "--no-cache", "."], root)
            print(f"{n:7d} {cold:8.2f} {n / cold:8.0f} {peak / 1024:8.1f}", end="", flush=True)
            _, _, populated = measure([*check, "."], root)  # a second cold run, writing the cache
            warm, warm_peak, cached = measure([*check, "."], root)
            if not out == populated == cached:
                raise SystemExit(f"{n} files: runs gave different output")
            findings = out.count(b'"code"')
        rows.append((n, cold, peak, warm, warm_peak, findings))
        print(f" {warm:7.2f} {findings:9d}", flush=True)
    if args.csv:
        with open(args.csv, "w", newline="") as fh:
            out_csv = csv.writer(fh)
            out_csv.writerow(
                [
                    "files",
                    "cold_s",
                    "files_per_s",
                    "peak_rss_mb",
                    "warm_s",
                    "warm_peak_rss_mb",
                    "findings",
                ]
            )
            for n, cold, peak, warm, warm_peak, findings in rows:
                out_csv.writerow(
                    [
                        n,
                        f"{cold:.3f}",
                        f"{n / cold:.1f}",
                        f"{peak / 1024:.1f}",
                        f"{warm:.3f}",
                        f"{warm_peak / 1024:.1f}",
                        findings,
                    ]
                )


if __name__ == "__main__":
    main()
