"""Time the auditor's steps on a MobileNetV2-sized model against one ``train_on_batch``.

    python benchmarks/bench_audit.py [--input-size 96] [--batch-size 4]
    python benchmarks/bench_audit.py --many 30 [--jobs 1 2] [--repeat 1]

MobileNetV2 (weights=None) is rebuilt from its config with an L2 kernel /
depthwise regularizer on every catalog layer, saved to a temporary ``.keras``,
then: import, load, inspection (one forward pass + per-weight penalties) and
verification (the auditor's training step) are timed, next to a plain
``train_on_batch`` of the same model (the first call, which traces, and a
second one). Target: inspection + verification <= 2x the first train_on_batch.

``--many N`` times ``reglint audit -j J`` on N small saved models (one process,
whole wall time) against the floor measured in the same run: one process that
imports TensorFlow and Keras, then loads each model and runs one
``train_on_batch``. Target: ``-j 1`` <= 1.5x the floor.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")


def regularized_mobilenet(keras, size: int):
    base = keras.applications.MobileNetV2(weights=None, input_shape=(size, size, 3), classes=10)
    config = base.get_config()
    for layer in config["layers"]:
        cls, cfg = layer["class_name"], layer["config"]
        if cls in ("Conv2D", "Dense"):
            cfg["kernel_regularizer"] = {"class_name": "L2", "config": {"l2": 1e-4}}
        elif cls == "DepthwiseConv2D":
            cfg["depthwise_regularizer"] = {"class_name": "L2", "config": {"l2": 1e-4}}
    return keras.Model.from_config(config)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--input-size", type=int, default=96)
    ap.add_argument("--batch-size", type=int, default=4)
    ap.add_argument("--many", type=int, metavar="N", help="time N small models instead")
    ap.add_argument("--jobs", type=int, nargs="+", default=[1, 2], help="-j values (--many)")
    ap.add_argument("--repeat", type=int, default=1, help="runs of each command (--many)")
    args = ap.parse_args()
    if args.many:
        many_models(args.many, args.jobs, args.repeat)
        return

    t = time.perf_counter()
    import keras

    from reglint.audit.api import copy_model  # noqa: F401
    from reglint.audit.inspection import inspect_model
    from reglint.audit.loading import load_model
    from reglint.audit.policy import AuditOptions
    from reglint.audit.stored_config import read_stored_model
    from reglint.audit.synthetic import make_inputs, make_targets, model_input
    from reglint.audit.verification import verify

    t_import = time.perf_counter() - t
    options = AuditOptions(batch_size=args.batch_size)

    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "mobilenetv2.keras"
        model = regularized_mobilenet(keras, args.input_size)
        model.compile(optimizer="sgd", loss="categorical_crossentropy")
        model.save(path)
        params = model.count_params()
        del model

        t = time.perf_counter()
        stored = read_stored_model(path)
        loaded = load_model(stored)
        t_load = time.perf_counter() - t

        m = loaded.model
        t = time.perf_counter()
        xs = make_inputs(m, options.batch_size, options.seed)
        m(model_input(xs), training=False)
        labels: dict[int, tuple[str, str]] = {}
        records = inspect_model(m, options, loaded.flavor, labels)
        t_inspect = time.perf_counter() - t

        t = time.perf_counter()
        v = verify(m, loaded.keras, loaded.flavor, getattr(m, "loss", None), options, labels)
        t_verify = time.perf_counter() - t

        plain = load_model(stored).model
        plain.compile(optimizer="sgd", loss="categorical_crossentropy")
        xin = model_input(make_inputs(plain, options.batch_size, 1))
        y = make_targets([plain(xin)], ["categorical_crossentropy"], 1)[0]
        t = time.perf_counter()
        plain.train_on_batch(xin, y)
        t_tob_first = time.perf_counter() - t
        t = time.perf_counter()
        plain.train_on_batch(xin, y)
        t_tob = time.perf_counter() - t

    regularized = sum(1 for r in records if r.penalty)
    print(
        f"keras {keras.__version__}, MobileNetV2 {args.input_size}x{args.input_size}, "
        f"{params:,} params, {regularized} regularized weights, batch {args.batch_size}"
    )
    print(f"import (keras + reglint.audit)   {t_import:7.3f} s")
    print(f"load (.keras, stored config)     {t_load:7.3f} s")
    print(f"inspection (forward + penalties) {t_inspect:7.3f} s")
    print(
        f"verification (1 step)            {t_verify:7.3f} s   loss ok: {v.loss_ok}, "
        f"gradients ok: {sum(g.ok for g in v.gradients)}/{len(v.gradients)}"
    )
    print(f"train_on_batch, first (traces)   {t_tob_first:7.3f} s")
    print(f"train_on_batch, second           {t_tob:7.3f} s")
    ratio = (t_inspect + t_verify) / t_tob_first
    print(f"(inspection + verification) / first train_on_batch = {ratio:.2f}x (target <= 2x)")
    print(
        f"(inspection + verification) / second train_on_batch = "
        f"{(t_inspect + t_verify) / t_tob:.2f}x"
    )


#: A child that does what the auditor cannot avoid: import TF + Keras, load, one step.
FLOOR = """
import sys, numpy as np
import tensorflow, keras
for path in sys.argv[1:]:
    m = keras.models.load_model(path)
    x = np.random.default_rng(0).standard_normal((4, *m.inputs[0].shape[1:])).astype("float32")
    m.train_on_batch(x, np.zeros((4, *m.outputs[0].shape[1:]), "float32"))
"""


def small_models(keras, n: int, dest: Path) -> list[str]:
    """N small compiled MLP/CNN models with L2 kernels, of varying shapes."""
    L2 = keras.regularizers.L2
    paths = []
    for i in range(n):
        if i % 3 == 2:
            inp = keras.Input((8, 8, 1))
            x = keras.layers.Conv2D(4, 3, kernel_regularizer=L2(1e-3))(inp)
            x = keras.layers.GlobalAveragePooling2D()(x)
        else:
            inp = keras.Input((4 + i % 5,))
            x = keras.layers.Dense(8 + i % 4, "relu", kernel_regularizer=L2(1e-3))(inp)
        out = keras.layers.Dense(2, kernel_regularizer=L2(1e-3))(x)
        m = keras.Model(inp, out)
        m.compile(optimizer="adam", loss="mse")
        path = dest / f"m{i:02d}.keras"
        m.save(path)
        paths.append(str(path))
    return paths


def _wall(cmd: list[str], env: dict[str, str] | None = None) -> float:
    t = time.perf_counter()
    proc = subprocess.run(
        cmd, capture_output=True, text=True, check=False, env={**os.environ, **(env or {})}
    )
    wall = time.perf_counter() - t
    if proc.returncode not in (0, 1):
        sys.exit(f"{' '.join(cmd[:4])} ... failed ({proc.returncode}): {proc.stderr[-500:]}")
    return wall


def many_models(n: int, jobs: list[int], repeat: int) -> None:
    import keras

    with tempfile.TemporaryDirectory() as d:
        paths = small_models(keras, n, Path(d))
        floor = min(_wall([sys.executable, "-c", FLOOR, *paths]) for _ in range(repeat))
        print(f"keras {keras.__version__}, {n} small models, {os.cpu_count()} CPUs")
        print(f"floor: import tensorflow + {n} x (load + train_on_batch)   {floor:7.2f} s")
        for j in jobs:
            cmd = [sys.executable, "-m", "reglint", "audit", "-j", str(j), "--format", "json"]
            wall = min(_wall([*cmd, *paths]) for _ in range(repeat))
            target = " (target <= 1.5x)" if j == 1 else ""
            print(f"reglint audit -j {j}: {wall:7.2f} s = {wall / floor:.2f}x the floor{target}")
        if importlib.util.find_spec("jax") is not None:
            cmd = [sys.executable, "-m", "reglint", "audit", "--format", "json", *paths]
            wall = min(_wall(cmd, {"KERAS_BACKEND": "jax"}) for _ in range(repeat))
            print(f"KERAS_BACKEND=jax reglint audit -j 1: {wall:7.2f} s = {wall / floor:.2f}x")


if __name__ == "__main__":
    main()
