"""Time ``reglint server``: a change to a 300-line Keras file -> its diagnostics.

    python benchmarks/bench_server.py [--changes 60] [--lines 300] [--debounce-ms 0]

Starts the real server (``python -m reglint server``) and drives it over stdio
with pygls's LSP client: opens a generated Keras file of ``--lines`` lines,
then sends ``--changes`` incremental ``textDocument/didChange`` edits one after
the other (each edit toggles a regularizer, so the findings change) and times
each from sending the change to receiving the ``publishDiagnostics`` of that
version. Just before each change is sent, the same text is linted in this
process with ``reglint.engine.lint_source`` (imports warm, settings loaded
once, the whole text parsed as ``reglint check`` does): the baseline, under the
same machine load. The server re-parses only the statement the change touched
(:mod:`reglint.reparse`), so its median is below the baseline's, transport,
conversion and scheduling included.

``--debounce-ms`` is passed as ``initializationOptions.debounceMs``: 0 (the
default here) measures the server's own latency; an editor's setting (150 ms
by default) adds that much on top, by design.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from lsprotocol import types  # noqa: E402
from pygls.lsp.client import LanguageClient  # noqa: E402

HEADER = '''"""Image classifiers for the benchmark."""

import keras
import tensorflow as tf
from keras import layers, regularizers

REG = regularizers.L2(1e-4)

'''

BLOCK = """
def build_classifier_{i}(num_classes: int = 10) -> keras.Model:
    inputs = keras.Input(shape=(32, 32, 3))
    x = layers.Conv2D(32, 3, padding="same", kernel_regularizer=REG)(inputs)
    x = layers.BatchNormalization()(x)
    x = layers.Activation("relu")(x)
    x = layers.Conv2D(64, 3, padding="same"{toggle})(x)
    x = layers.MaxPooling2D()(x)
    x = layers.Dropout(0.25)(x)
    x = layers.Flatten()(x)
    x = layers.Dense(128, activation="relu", kernel_regularizer=REG)(x)
    outputs = layers.Dense(num_classes, activation="softmax")(x)
    return keras.Model(inputs, outputs, name="classifier_{i}")

"""

LOOP = """
def train(model: keras.Model, dataset, epochs: int = 1) -> None:
    optimizer = keras.optimizers.Adam(1e-3)
    loss_fn = keras.losses.SparseCategoricalCrossentropy()
    for _ in range(epochs):
        for x, y in dataset:
            with tf.GradientTape() as tape:
                logits = model(x, training=True)
                loss = loss_fn(y, logits) + tf.add_n(model.losses)
            grads = tape.gradient(loss, model.trainable_variables)
            optimizer.apply_gradients(zip(grads, model.trainable_variables))
"""

TOGGLE = ", kernel_regularizer=REG"


def keras_file(lines: int) -> str:
    """About ``lines`` lines of ordinary Keras code: model builders and a training loop."""
    text = HEADER
    i = 0
    while len((text + LOOP).splitlines()) + len(BLOCK.splitlines()) <= lines:
        text += BLOCK.format(i=i, toggle="")
        i += 1
    return text + LOOP


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def edits(source: str, changes: int) -> list[tuple[str, types.TextDocumentContentChangePartial]]:
    """Each step's new text and the incremental change that produces it."""
    rows = [n for n, line in enumerate(source.splitlines()) if line.endswith('padding="same")(x)')]
    steps = []
    text = source
    for k in range(changes):
        row = rows[k % len(rows)]
        lines = text.splitlines(keepends=True)
        line = lines[row]
        column = line.index(")(x)")
        if line[:column].endswith(TOGGLE):  # take it away again
            start, end, new = column - len(TOGGLE), column, ""
        else:
            start, end, new = column, column, TOGGLE
        lines[row] = line[:start] + new + line[end:]
        text = "".join(lines)
        change = types.TextDocumentContentChangePartial(
            range=types.Range(types.Position(row, start), types.Position(row, end)), text=new
        )
        steps.append((text, change))
    return steps


async def drive_server(
    path: Path, source: str, steps, debounce_ms: float
) -> tuple[list[float], list[float], float]:
    """Server latencies, in-process lint times of the same texts (each measured
    just before its change is sent, so both see the same machine load), and
    the open -> first diagnostics time."""
    from reglint.config import load_settings
    from reglint.engine import lint_source

    settings = load_settings(path.parent)
    lint_source(source, str(path), settings)  # warm the imports, as the server does
    client = LanguageClient("bench-server", "1")
    arrived: dict[int, float] = {}
    counts: dict[int, int] = {}
    event = asyncio.Event()

    @client.feature(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
    def on_publish(params: types.PublishDiagnosticsParams) -> None:
        if params.version is not None:
            arrived.setdefault(params.version, time.perf_counter())
            counts[params.version] = len(params.diagnostics)
            event.set()

    @client.feature(types.WINDOW_LOG_MESSAGE)
    def on_log(params: types.LogMessageParams) -> None:
        print(f"server: {params.message}", file=sys.stderr)

    async def wait_for(version: int) -> float:
        while version not in arrived:
            event.clear()
            await asyncio.wait_for(event.wait(), 60)
        return arrived[version]

    await client.start_io(sys.executable, "-m", "reglint", "server")
    await client.initialize_async(
        types.InitializeParams(
            capabilities=types.ClientCapabilities(),
            root_uri=path.parent.as_uri(),
            workspace_folders=[types.WorkspaceFolder(path.parent.as_uri(), "bench")],
            initialization_options={"debounceMs": debounce_ms},
        )
    )
    client.initialized(types.InitializedParams())
    uri = path.as_uri()
    opened = time.perf_counter()
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(types.TextDocumentItem(uri, "python", 1, source))
    )
    first = await wait_for(1) - opened
    latencies, baseline = [], []
    for version, (text, change) in enumerate(steps, start=2):
        start = time.perf_counter()
        lint_source(text, str(path), settings)
        baseline.append(time.perf_counter() - start)
        sent = time.perf_counter()
        client.text_document_did_change(
            types.DidChangeTextDocumentParams(
                types.VersionedTextDocumentIdentifier(version=version, uri=uri), [change]
            )
        )
        latencies.append(await wait_for(version) - sent)
    expected = steps[-1][0].count('Conv2D(64, 3, padding="same")') + source.count(
        "layers.Dense(num_classes"
    )
    assert counts[len(steps) + 1] == expected, (counts[len(steps) + 1], expected)
    await client.shutdown_async(None)
    client.exit(None)
    await client.stop()
    return latencies, baseline, first


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--changes", type=int, default=60)
    parser.add_argument("--lines", type=int, default=300)
    parser.add_argument("--debounce-ms", type=float, default=0)
    args = parser.parse_args()
    source = keras_file(args.lines)
    steps = edits(source, args.changes)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "models.py"
        path.write_text(source, encoding="utf-8")
        latencies, baseline, first = asyncio.run(
            drive_server(path, source, steps, args.debounce_ms)
        )
    ms = 1000
    print(
        f"file: {len(source.splitlines())} lines, {args.changes} changes, "
        f"debounceMs={args.debounce_ms:g}, load average {os.getloadavg()[0]:.2f}"
    )
    print(f"open -> diagnostics (first lint):  {first * ms:7.1f} ms")
    print(
        f"server change -> publishDiagnostics: median {statistics.median(latencies) * ms:6.1f} ms"
        f"  p90 {percentile(latencies, 0.9) * ms:6.1f} ms"
    )
    print(
        f"in-process lint_source, whole parse: median {statistics.median(baseline) * ms:6.1f} ms"
        f"  p90 {percentile(baseline, 0.9) * ms:6.1f} ms"
    )
    ratio = statistics.median(latencies) / statistics.median(baseline)
    print(f"server median / whole-parse median:  {ratio:.2f}x")


if __name__ == "__main__":
    main()
