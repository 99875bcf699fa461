"""hypothesmith-generated programs, with Keras code around them so that the rules
fire, through the linter, the fixer and ``--add-noqa``'s writer in this
process: nothing raises, fixing twice is fixing once, a fix or a noqa comment
never breaks a program that compiled, and a noqa'd finding is gone.

Generation is derandomized (the same examples on every run); a failure prints
the program hypothesis shrank it to.
"""

from __future__ import annotations

import ast
import tempfile
import warnings
from pathlib import Path

import hypothesmith
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reglint.cli import _add_noqa
from reglint.config import Settings
from reglint.engine import lint_source
from reglint.fixes import fix_source
from reglint.source import read_source

from . import DEFAULT_EXAMPLES, SLOW_EXAMPLES

HEADS = (
    "from keras import layers\n",
    "import keras\nfrom keras import regularizers\n",
    "import tensorflow as tf\n",
    "from tf_keras import layers\nimport tensorflow as tf\n",
    "from keras.layers import *\nfrom keras.regularizers import *\n",
)
#: Keras lines with findings, most of them with a safe fix (RL002, RL004, RL007, RL008).
SNIPPETS = (
    "layers.Dense(3)\n",
    "keras.layers.Dense(4, kernel_regularizer=0.01)\n",
    "keras.layers.Dense(4, kernel_regularizer=regularizers.l2(l=1e-4))\n",
    "tf.keras.layers.Dense(4, kernel_regularizer=tf.keras.regularizers.l2(0))\n",
    "layers.Embedding(10, 4, kernel_regulariser='l2')\n",
    "Dense(3, kernel_regularizer=l2)\n",
    "for layer in model.layers:\n    model.add_loss(lambda: 1e-4 * tf.reduce_sum(layer.kernel))\n",
    "layer.kernel_regularizer = regularizers.l2(1e-4)\n",
    "with tf.GradientTape() as tape:\n    loss = loss_fn(y, model(x))\n"
    "grads = tape.gradient(loss, model.trainable_variables)\n",
)
SETTINGS = Settings()


def programs() -> st.SearchStrategy[str]:
    generated = st.one_of(hypothesmith.from_grammar(), hypothesmith.from_node())
    return st.builds(
        lambda head, body, tail, inside: head + _indented(body, inside) + tail,
        st.sampled_from(HEADS),
        generated,
        st.sampled_from(SNIPPETS),
        st.booleans(),
    )


def _indented(body: str, inside: bool) -> str:
    """``body`` at module level, or as the body of a function."""
    if not body.endswith(("\n", "\r")):
        body += "\n"
    if not inside:
        return body
    return "def f():\n" + "".join(f"    {line}" for line in body.splitlines(keepends=True))


def compiles(text: str) -> ast.AST | None:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return compile(text, "<generated>", "exec", ast.PyCF_ONLY_AST, dont_inherit=True)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None


def check_program(source: str) -> None:
    findings = lint_source(source, "generated.py", SETTINGS)
    fixed, _ = fix_source(source, "generated.py", SETTINGS)
    again, reapplied = fix_source(fixed, "generated.py", SETTINGS)
    assert again == fixed and not reapplied, "fixing twice is not fixing once"
    if compiles(source) is not None:
        assert compiles(fixed) is not None, f"a fix broke the program:\n{fixed}"
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "generated.py"
        path.write_bytes(source.encode("utf-8", "surrogatepass"))
        _add_noqa(str(path), findings)
        noqa_d = read_source(path)
    before, after = compiles(source), compiles(noqa_d)
    if before is not None:
        assert after is not None and ast.dump(before) == ast.dump(after), "noqa changed the code"
    remaining = {(f.code, f.location.row) for f in lint_source(noqa_d, "generated.py", SETTINGS)}
    lines = noqa_d.splitlines()
    for f in findings:
        if f.code != "RL000" and (f.code, f.location.row) in remaining:
            line = lines[f.location.row - 1] if f.location.row <= len(lines) else ""
            assert "noqa" not in line, f"{f.code} at row {f.location.row} is noqa'd and remains"


COMMON = {
    "derandomize": True,
    "database": None,
    "deadline": None,
    "suppress_health_check": list(HealthCheck),
    "print_blob": True,
}


@settings(max_examples=DEFAULT_EXAMPLES, **COMMON)
@given(programs())
def test_generated_programs(source):
    check_program(source)


@pytest.mark.slow
@settings(max_examples=SLOW_EXAMPLES, **COMMON)
@given(st.integers(0, 2**32), programs())
def test_more_generated_programs(salt, source):
    """A different stream of examples from the default test's (``salt`` shifts it)."""
    check_program(source)
