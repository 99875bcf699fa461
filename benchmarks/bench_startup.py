"""Time reglint's start-up: the pre-commit case of one ~200-line file.

    python benchmarks/bench_startup.py [--repeat 15] [--csv out.csv]

Each command runs ``--repeat`` times as a whole process (median reported),
next to the bare interpreter (``python -c pass``) and ``import libcst``,
measured in the same run. The files are written to a temporary directory:

* ``findings.py``: a model module whose layers lack regularizers (libcst runs);
* ``regularized.py``: the same layers, every one regularized (libcst checks
  the regularizer values, so it is imported and runs too);
* ``training.py``: a training script whose text mentions layers and
  regularizers but whose code builds none (the ``ast`` stage clears it:
  libcst is never imported);
* ``plain.py``: Python without Keras (no rule's text trigger matches).

Python writes bytecode caches as an installed wheel has them; an environment
with ``PYTHONDONTWRITEBYTECODE`` set would compile reglint on every run, so
the variable is dropped for the timed processes and one warm-up run precedes.
"""

from __future__ import annotations

import argparse
import csv
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

LAYER_LINES = [
    "    x = layers.Conv2D({u}, 3, padding='same'{reg})(x)",
    "    x = layers.BatchNormalization()(x)",
    "    x = layers.Dense({u}, activation='relu'{reg})(x)",
    "    x = layers.Dropout(0.2)(x)",
]


def model_module(regularized: bool, lines: int = 200) -> str:
    reg = ", kernel_regularizer=regularizers.L2(1e-4)" if regularized else ""
    out = [
        '"""A model module."""',
        "import keras",
        "from keras import layers, regularizers",
        "",
    ]
    block = 0
    while len(out) < lines - 30:
        out += ["", "", f"def block_{block}(x):", '    """One block of the network."""']
        out += [line.format(u=16 * (block % 4 + 1), reg=reg) for line in LAYER_LINES]
        out += ["    return x"]
        block += 1
    out += ["", "", "def build():", "    inputs = keras.Input((32, 32, 3))", "    x = inputs"]
    out += [f"    x = block_{i}(x)" for i in range(block)]
    out += [f"    return keras.Model(inputs, layers.Dense(10{reg})(x))"]
    return "\n".join(out) + "\n"


def training_script(lines: int = 200) -> str:
    out = [
        '"""Fine-tune a saved model: its Dense head already has its kernel_regularizer."""',
        "import keras",
        "from keras import layers",
        "",
        "base = keras.models.load_model('base.keras')",
        "model = keras.Sequential([base, layers.Dropout(0.3)])",
        "model.compile(optimizer='adam', loss='sparse_categorical_crossentropy')",
    ]
    step = 0
    while len(out) < lines:
        out += [
            "",
            "",
            f"def evaluate_{step}(data):",
            f"    scores = model.evaluate(data, verbose={step % 2})",
        ]
        out += ["    return {name: float(v) for name, v in zip(model.metrics_names, scores)}"]
        step += 1
    return "\n".join(out) + "\n"


def plain_module(lines: int = 200) -> str:
    out = ['"""Plain Python."""', "import json", ""]
    i = 0
    while len(out) < lines:
        out += [
            "",
            "",
            f"def load_{i}(path):",
            "    with open(path) as fh:",
            "        return json.load(fh)",
        ]
        i += 1
    return "\n".join(out) + "\n"


def median_wall(
    cmd: list[str], repeat: int, env: dict[str, str], cwd: Path
) -> tuple[float, list[float]]:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        subprocess.run(cmd, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        times.append(time.perf_counter() - start)
    return statistics.median(times), times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--csv", type=Path)
    args = parser.parse_args()
    script = Path(sys.executable).with_name("reglint")
    reglint = [str(script)] if script.exists() else [sys.executable, "-P", "-m", "reglint"]
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    with tempfile.TemporaryDirectory(prefix="reglint-startup-") as tmp:
        work = Path(tmp)
        files = {
            "findings.py": model_module(regularized=False),
            "regularized.py": model_module(regularized=True),
            "training.py": training_script(),
            "plain.py": plain_module(),
        }
        for name, text in files.items():
            (work / name).write_text(text)
        commands = [
            ("python -c pass (baseline)", [sys.executable, "-c", "pass"]),
            ("python -c 'import libcst'", [sys.executable, "-c", "import libcst"]),
            ("reglint --version", [*reglint, "--version"]),
            ("reglint rules", [*reglint, "rules"]),
            *(
                (f"reglint check {name}", [*reglint, "check", "--no-cache", "--exit-zero", name])
                for name in files
            ),
        ]
        for _, cmd in commands:  # warm-up: bytecode caches, page cache
            subprocess.run(cmd, cwd=work, env=env, capture_output=True)
        rows = [(label, *median_wall(cmd, args.repeat, env, work)) for label, cmd in commands]
    base = rows[0][1]
    lines = {name: text.count("\n") for name, text in files.items()}
    print(f"{os.cpu_count()} CPUs, load {os.getloadavg()[0]:.2f}; median of {args.repeat} runs")
    print(f"{'':34} {'median s':>9} {'min s':>7} {'x baseline':>11}")
    for label, median, times in rows:
        name = label.rsplit(" ", 1)[-1]
        note = f"  ({lines[name]} lines)" if name in lines else ""
        print(f"{label:34} {median:9.3f} {min(times):7.3f} {median / base:10.1f}x{note}")
    if args.csv:
        with open(args.csv, "w", newline="") as fh:
            out = csv.writer(fh)
            out.writerow(["command", "median_s", "min_s", "x_baseline"])
            for label, median, times in rows:
                out.writerow([label, f"{median:.4f}", f"{min(times):.4f}", f"{median / base:.2f}"])
        print(f"wrote {args.csv}")


if __name__ == "__main__":
    main()
