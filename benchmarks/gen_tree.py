"""Generate a tree of N realistic Python modules of a Keras project.

    python benchmarks/gen_tree.py N OUT_DIR [--seed 0]

Deterministic for a given N and seed. About half the modules build Keras
models (Sequential and functional, some layers regularized, some not), about
one in seven has a custom training loop, the rest are the plain Python a
project also holds (data loading, configuration, metrics, utilities). Files
are 100-300 lines and spread over packages of 100 modules.
"""

from __future__ import annotations

import argparse
import random
from pathlib import Path

LAYERS = [
    ("Dense", "{u}", "kernel_regularizer"),
    ("Conv2D", '{u}, 3, padding="same"', "kernel_regularizer"),
    ("Conv1D", "{u}, 5", "kernel_regularizer"),
    ("DepthwiseConv2D", "3", "depthwise_regularizer"),
    ("SeparableConv2D", "{u}, 3", "depthwise_regularizer"),
    ("LSTM", "{u}, return_sequences=True", "kernel_regularizer"),
    ("Embedding", "10000, {u}", "embeddings_regularizer"),
    ("MultiHeadAttention", "num_heads=4, key_dim={u}", "kernel_regularizer"),
]
PLAIN = [
    "Dropout(0.{d})",
    "BatchNormalization()",
    "Flatten()",
    "ReLU()",
    "LayerNormalization()",
    "GlobalAveragePooling2D()",
    "MaxPooling2D()",
]
IMPORTS = [
    "import keras\nfrom keras import layers, regularizers\n",
    "import tensorflow as tf\nfrom tensorflow.keras import layers, regularizers\n",
    "from tensorflow import keras\nfrom tensorflow.keras import layers, regularizers\n",
]


def _layer(rng: random.Random, prefix: str) -> str:
    if rng.random() < 0.35:
        return f"{prefix}{rng.choice(PLAIN).format(d=rng.randint(1, 5))}"
    name, args, reg = rng.choice(LAYERS)
    args = args.format(u=rng.choice([16, 32, 64, 128, 256]))
    if rng.random() < 0.4:
        args += f", {reg}=regularizers.L2({rng.choice(['1e-4', '1e-5', '5e-4'])})"
    if reg == "depthwise_regularizer" and name.startswith("Separable") and "depthwise" in args:
        args += ", pointwise_regularizer=regularizers.L2(1e-4)"
    if rng.random() < 0.3:
        args += f', activation="{rng.choice(["relu", "gelu", "swish"])}"'
    return f"{prefix}{name}({args})"


def model_module(rng: random.Random, index: int) -> str:
    out = [f'"""Model definitions, part {index}."""\n', rng.choice(IMPORTS), "\n"]
    units, dropout = rng.randint(8, 512), rng.randint(1, 5)
    out.append(f"DEFAULTS = {{'units': {units}, 'dropout': 0.{dropout}}}\n\n")
    for block in range(rng.randint(4, 9)):
        out.append(f"\ndef block_{block}(x, units={rng.choice([32, 64, 128])}):\n")
        out.append(f'    """Block {block}: {rng.randint(2, 5)} layers and a residual."""\n')
        out.append("    shortcut = x\n")
        for _ in range(rng.randint(2, 6)):
            out.append(f"    x = {_layer(rng, 'layers.')}(x)\n")
        out.append("    if shortcut.shape[-1] == x.shape[-1]:\n        x = x + shortcut\n")
        out.append("    return x\n\n")
    out.append("\ndef build_model(input_shape=(32, 32, 3), classes=10):\n")
    out.append("    inputs = keras.Input(shape=input_shape)\n    x = inputs\n")
    for block in range(rng.randint(2, 5)):
        out.append(f"    x = block_{block}(x)\n")
    out.append("    outputs = layers.Dense(classes, activation='softmax')(x)\n")
    out.append("    return keras.Model(inputs, outputs, name='model')\n\n")
    out.append("\ndef small_model():\n    return keras.Sequential([\n")
    for _ in range(rng.randint(3, 8)):
        out.append(f"        {_layer(rng, 'layers.')},\n")
    out.append("    ])\n\n")
    out.append(f"\nclass Head{index}(layers.Layer):\n")
    out.append("    def __init__(self, units=32, **kwargs):\n        super().__init__(**kwargs)\n")
    out.append(f"        self.proj = {_layer(rng, 'layers.')}\n")
    out.append("        self.units = units\n\n")
    out.append("    def call(self, inputs, training=False):\n        return self.proj(inputs)\n\n")
    out.append("    def get_config(self):\n")
    out.append("        return {**super().get_config(), 'units': self.units}\n")
    return "".join(out)


def loop_module(rng: random.Random, index: int) -> str:
    keep = rng.random() < 0.5
    loss = "loss = loss_fn(y, logits) + sum(model.losses)" if keep else "loss = loss_fn(y, logits)"
    return f'''"""Training loop {index}."""

import tensorflow as tf
from tensorflow import keras

from .models import build_model

EPOCHS = {rng.randint(1, 50)}


def make_dataset(batch_size=32):
    x = tf.random.normal((1024, 32, 32, 3))
    y = tf.random.uniform((1024,), maxval=10, dtype=tf.int32)
    return tf.data.Dataset.from_tensor_slices((x, y)).shuffle(1024).batch(batch_size)


def train(epochs=EPOCHS):
    model = build_model()
    optimizer = keras.optimizers.Adam({rng.choice(["1e-3", "3e-4", "1e-4"])})
    loss_fn = keras.losses.SparseCategoricalCrossentropy()
    metric = keras.metrics.SparseCategoricalAccuracy()
    for epoch in range(epochs):
        for x, y in make_dataset():
            with tf.GradientTape() as tape:
                logits = model(x, training=True)
                {loss}
            grads = tape.gradient(loss, model.trainable_variables)
            optimizer.apply_gradients(zip(grads, model.trainable_variables))
            metric.update_state(y, logits)
        print(f"epoch {{epoch}}: {{metric.result():.3f}}")
        metric.reset_state()
    return model
''' + utility_module(rng, index, lines=rng.randint(60, 150), header=False)


def utility_module(
    rng: random.Random, index: int, lines: int | None = None, header: bool = True
) -> str:
    lines = lines or rng.randint(100, 280)
    out = []
    if header:
        out.append(f'"""Utilities, part {index}: data handling and bookkeeping."""\n\n')
        out.append("from __future__ import annotations\n\nimport json\nimport math\nimport os\n")
        out.append("from dataclasses import dataclass, field\nfrom typing import Iterable\n\n")
    n = 0
    while sum(s.count("\n") for s in out) < lines:
        n += 1
        kind = rng.randrange(4)
        if kind == 0:
            out.append(f"\n@dataclass\nclass Record{n}:\n    name: str\n    size: int = {n}\n")
            out.append("    tags: list[str] = field(default_factory=list)\n\n")
            out.append("    def describe(self) -> str:\n")
            out.append("        return f'{self.name} ({self.size}): ' + ', '.join(self.tags)\n\n")
        elif kind == 1:
            out.append(f"\ndef load_{n}(path: str) -> dict:\n    if not os.path.exists(path):\n")
            out.append("        return {}\n    with open(path, encoding='utf-8') as fh:\n")
            out.append("        data = json.load(fh)\n")
            out.append("    return {k: v for k, v in data.items()")
            out.append(f" if not k.startswith('_{n}')}}\n\n")
        elif kind == 2:
            out.append(f"\ndef stats_{n}(values: Iterable[float]) -> tuple[float, float]:\n")
            out.append("    values = list(values)\n    if not values:\n        return 0.0, 0.0\n")
            out.append("    mean = sum(values) / len(values)\n")
            out.append("    var = sum((v - mean) ** 2 for v in values) / len(values)\n")
            out.append("    return mean, math.sqrt(var)\n\n")
        else:
            out.append(f"\ndef schedule_{n}(step: int, base: float = 1e-3) -> float:\n")
            out.append(f"    warmup = {rng.randint(100, 5000)}\n    if step < warmup:\n")
            out.append("        return base * step / warmup\n")
            out.append("    return base * 0.5 * (1 + math.cos(math.pi * min(1.0, step / 1e5)))\n\n")
    return "".join(out)


def module(index: int, seed: int) -> str:
    rng = random.Random(seed * 1_000_003 + index)
    roll = rng.random()
    if roll < 0.45:
        return model_module(rng, index)
    if roll < 0.6:
        return loop_module(rng, index)
    return utility_module(rng, index)


def generate(n: int, out_dir: Path, seed: int = 0) -> list[Path]:
    paths = []
    for i in range(n):
        package = out_dir / f"pkg{i // 100:03d}"
        if i % 100 == 0:
            package.mkdir(parents=True, exist_ok=True)
            (package / "__init__.py").write_text("")
        path = package / f"mod{i:05d}.py"
        path.write_text(module(i, seed), encoding="utf-8")
        paths.append(path)
    return paths


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("n", type=int)
    parser.add_argument("out_dir", type=Path)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    generate(args.n, args.out_dir, args.seed)
    print(f"wrote {args.n} modules under {args.out_dir}")


if __name__ == "__main__":
    main()
