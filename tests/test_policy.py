"""`[tool.reglint.policy]`: parsing, errors, its clauses in `reglint check` (RL001, RL003)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from reglint.api import lint_source
from reglint.config import ConfigError, Settings, load_settings
from reglint.policy import Policy

HEAD = "import keras\nfrom keras import layers\n"


def _rl001(source: str, policy: Policy | None = None) -> list[str]:
    settings = Settings(select=("RL001",), policy=policy or Policy())
    return [f.message for f in lint_source(HEAD + source, settings=settings)]


def _write(tmp_path: Path, table: str) -> Path:
    (tmp_path / "pyproject.toml").write_text(table)
    return tmp_path


def test_the_table_is_read(tmp_path: Path) -> None:
    settings = load_settings(
        _write(
            tmp_path,
            "[tool.reglint.policy]\n"
            'require = ["Dense", "Conv*"]\nexempt-layers = ["head*"]\n'
            'exempt-outputs = true\nother-means = ["weight-decay", "activity"]\n'
            "factor-min = 1e-6\nfactor-max = 0.1\n",
        )
    )
    assert settings.policy == Policy(
        require=("Dense", "Conv*"),
        exempt_layers=("head*",),
        exempt_outputs=True,
        other_means=("weight-decay", "activity"),
        factor_min=1e-6,
        factor_max=0.1,
    )
    assert settings.options["factor-min"] == 1e-6  # RL003 and its candidate stage read it


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ('[tool.reglint.policy]\nrequire = "Dense"\n', "require must be a list of strings"),
        ('[tool.reglint.policy]\nexempt-layers = ["[z-a]"]\n', "exempt-layers: invalid glob"),
        ("[tool.reglint.policy]\nexempt-outputs = 1\n", "exempt-outputs must be true or false"),
        ('[tool.reglint.policy]\nother-means = ["decay"]\n', "unknown means 'decay'"),
        ("[tool.reglint.policy]\nfactor-min = -1\n", "factor-min must be a finite number >= 0"),
        ("[tool.reglint.policy]\nfactor-min = 1.0\nfactor-max = 0.1\n", "factor-min is above"),
        ("[tool.reglint.policy]\nrequires = []\n", "unknown key 'requires'"),
        ("[tool.reglint]\npolicy = 3\n", "policy must be a table"),
        (
            "[tool.reglint]\nfactor-min = 1e-6\n[tool.reglint.policy]\nfactor-min = 1e-5\n",
            "factor-min is also set in [tool.reglint.policy]",
        ),
    ],
)
def test_bad_tables_are_one_line_errors_naming_file_and_key(
    tmp_path: Path, table: str, message: str
) -> None:
    with pytest.raises(ConfigError) as err:
        load_settings(_write(tmp_path, table))
    text = str(err.value)
    assert message in text and str(tmp_path / "pyproject.toml") in text and "\n" not in text


def test_old_factor_keys_are_aliases_of_the_policy_range(tmp_path: Path) -> None:
    settings = load_settings(_write(tmp_path, "[tool.reglint]\nfactor-max = 0.01\n"))
    assert settings.policy.factor_max == 0.01
    source = "from keras import regularizers\nregularizers.L2(0.5)\n"
    found = lint_source(
        source, settings=Settings(select=("RL003",), policy=Policy(factor_max=0.01))
    )
    assert [f.code for f in found] == ["RL003"]


def test_cli_reports_bad_policy_with_exit_2(tmp_path: Path) -> None:
    _write(tmp_path, '[tool.reglint.policy]\nother-means = ["l2"]\n')
    (tmp_path / "m.py").write_text(HEAD)
    done = subprocess.run(
        [sys.executable, "-m", "reglint", "check", "m.py"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 2
    assert "other-means" in done.stderr and "Traceback" not in done.stderr


def test_show_settings_prints_the_resolved_policy(tmp_path: Path) -> None:
    _write(tmp_path, '[tool.reglint.policy]\nrequire = ["Dense"]\nexempt-outputs = true\n')
    (tmp_path / "m.py").write_text(HEAD)
    done = subprocess.run(
        [sys.executable, "-m", "reglint", "check", "--show-settings", "m.py"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=True,
    )
    assert 'policy.require = ["Dense"]' in done.stdout
    assert "policy.exempt-outputs = true" in done.stdout
    assert "policy.other-means = []" in done.stdout


def test_require_selects_layer_classes_and_the_message_names_it() -> None:
    source = 'layers.Dense(4, name="d")\nlayers.Embedding(9, 2, name="e")\n'
    assert len(_rl001(source)) == 2
    found = _rl001(source, Policy(require=("Dense", "Conv*")))
    assert found == [
        "`Dense` is built without `kernel_regularizer`: its weights train unpenalized "
        '(policy: require = ["Dense", "Conv*"])'
    ]


def test_exempt_layers_matches_the_name_argument() -> None:
    source = 'layers.Dense(4, name="head_a")\nlayers.Dense(4, name="body")\nlayers.Dense(4)\n'
    assert len(_rl001(source, Policy(exempt_layers=("head*",)))) == 2


def test_activity_counts_only_when_listed() -> None:
    source = (
        'layers.Dense(4, activity_regularizer="l2")\nlayers.Dense(4, activity_regularizer=None)\n'
    )
    assert len(_rl001(source)) == 2
    assert len(_rl001(source, Policy(other_means=("activity",)))) == 1


FUNCTIONAL = (
    "inputs = keras.Input((3,))\n"
    'x = layers.Dense(4, name="a")(inputs)\n'
    'x = layers.Dense(4, name="b")(x)\n'
    'outputs = layers.Dense(1, name="head")(x)\n'
    "model = keras.Model(inputs=inputs, outputs=outputs)\n"
)


def test_exempt_outputs_follows_assignments_and_sequential_lists() -> None:
    policy = Policy(exempt_outputs=True)
    assert len(_rl001(FUNCTIONAL, policy)) == 2
    sequential = 'm = keras.Sequential([layers.Dense(4, name="a"), layers.Dense(1, name="o")])\n'
    assert len(_rl001(sequential, policy)) == 1
    unlinked = 'layers.Dense(1, name="o")(x)\n'  # no model built from it: not an output
    assert len(_rl001(unlinked, policy)) == 1


@pytest.mark.parametrize(
    ("optimizer", "expected"),
    [
        ("keras.optimizers.AdamW(weight_decay=0.01)", 0),
        ("keras.optimizers.AdamW(weight_decay=0.0)", 3),
        ("keras.optimizers.AdamW()", 0),  # AdamW's default decay is 0.004
        ("keras.optimizers.SGD(0.1, weight_decay=WD)", 0),
        ("keras.optimizers.Adam()", 3),
        ('"adamw"', 0),
        ('"adam"', 3),
        ("make_optimizer()", 3),  # unknown stays unknown
    ],
)
def test_weight_decay_needs_a_connected_compile(optimizer: str, expected: int) -> None:
    source = f"WD = 1e-4\n{FUNCTIONAL}model.compile(optimizer={optimizer}, loss='mse')\n"
    assert len(_rl001(source, Policy(other_means=("weight-decay",)))) == expected
    assert len(_rl001(source)) == 3  # without the clause, decay changes nothing


def test_weight_decay_is_not_assumed_when_the_optimizer_excludes_variables() -> None:
    source = (
        f"{FUNCTIONAL}opt = keras.optimizers.AdamW(weight_decay=0.01)\n"
        "opt.exclude_from_weight_decay(var_names=['head'])\n"
        "model.compile(optimizer=opt, loss='mse')\n"
    )
    assert len(_rl001(source, Policy(other_means=("weight-decay",)))) == 3


def test_weight_decay_of_another_model_covers_nothing() -> None:
    source = (
        f"{FUNCTIONAL}other = keras.Sequential([layers.Dense(2, name='z')])\n"
        "other.compile(optimizer=keras.optimizers.AdamW(weight_decay=0.01))\n"
    )
    assert len(_rl001(source, Policy(other_means=("weight-decay",)))) == 3


def test_weight_decay_through_a_helper_function() -> None:
    source = (
        "def make():\n"
        "    return keras.Sequential([layers.Dense(4, name='a'), layers.Dense(1, name='b')])\n"
        "model = make()\n"
        "model.compile(optimizer=keras.optimizers.SGD(weight_decay=1e-3), loss='mse')\n"
    )
    assert len(_rl001(source, Policy(other_means=("weight-decay",)))) == 0


TRAIN_STEP = """
import tensorflow as tf

class Penalized(keras.Model):
    def train_step(self, data):
        with tf.GradientTape() as tape:
            loss = self.compute_loss(data[0], data[1], self(data[0]))
            loss += 1e-3 * tf.add_n([tf.nn.l2_loss(v) for v in self.trainable_variables])
        grads = tape.gradient(loss, self.trainable_variables)
        self.optimizer.apply_gradients(zip(grads, self.trainable_variables))
        return {"loss": loss}

inputs = keras.Input((3,))
outputs = layers.Dense(1, name="head")(layers.Dense(4, name="a")(inputs))
model = Penalized(inputs, outputs)
model.compile(optimizer="adam", loss="mse")
"""


def test_explicit_penalty_in_train_step() -> None:
    assert len(_rl001(TRAIN_STEP, Policy(other_means=("explicit-penalty",)))) == 0
    plain = TRAIN_STEP.replace("loss += 1e-3", "unused = 1e-3")
    assert len(_rl001(plain, Policy(other_means=("explicit-penalty",)))) == 2


def test_explicit_penalty_by_add_loss_over_the_models_weights() -> None:
    source = (
        "class Net(keras.Model):\n"
        "    def __init__(self):\n"
        "        super().__init__()\n"
        "        self.d = layers.Dense(4, name='d')\n"
        "    def call(self, x):\n"
        "        p = keras.ops.sum([keras.ops.sum(w**2) for w in self.trainable_weights])\n"
        "        self.add_loss(p)\n"
        "        return self.d(x)\n"
        "model = Net()\n"
        "model.compile(optimizer='adam', loss='mse')\n"
    )
    assert len(_rl001(source, Policy(other_means=("explicit-penalty",)))) == 0
    assert len(_rl001(source, Policy(other_means=("weight-decay",)))) == 1


def test_done_when_adamw_decay_and_zero_decay(tmp_path: Path) -> None:
    """The issue's "done when", static half: decay > 0 exempts, decay 0 does not."""
    _write(tmp_path, '[tool.reglint.policy]\nother-means = ["weight-decay"]\n')
    script = FUNCTIONAL + "model.compile(optimizer=keras.optimizers.AdamW(weight_decay=DECAY))\n"
    for decay, code in (("0.01", 0), ("0.0", 1)):
        (tmp_path / "m.py").write_text(HEAD + f"DECAY = {decay}\n" + script)
        done = subprocess.run(
            [sys.executable, "-m", "reglint", "check", "--no-cache", "--select", "RL001", "m.py"],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            check=False,
        )
        assert done.returncode == code, done.stdout + done.stderr


def test_readme_policies_parse_and_mean_what_they_say(tmp_path: Path) -> None:
    from reglint.catalog import KERNEL_LAYERS

    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    section = readme.split("### Choosing a policy", 1)[1].split("\n### ", 1)[0]
    tables = [block.split("```", 1)[0] for block in section.split("```toml\n")[1:]]
    assert len(tables) == 3
    policies = [load_settings(_write(tmp_path, table)).policy for table in tables]
    everything, no_heads, decay = policies
    assert all(everything.required_pattern(c) for c in KERNEL_LAYERS)
    required = {c for c in KERNEL_LAYERS if no_heads.required_pattern(c)}
    assert set(KERNEL_LAYERS) - required == {"Embedding", "ReversibleEmbedding"}
    assert no_heads.exempt_outputs
    assert decay.other_means == ("weight-decay",)
