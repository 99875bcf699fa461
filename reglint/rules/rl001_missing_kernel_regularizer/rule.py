"""The libcst check of RL001 and its examples (the package says what the rule is)."""

from __future__ import annotations

import libcst as cst

from ... import catalog
from ...model_links import ModuleLinks, build_links
from ...policy import REQUIRED, Verdict
from ...rule import Invalid, Rule, Valid
from .._calls import has_star_args, is_none, layer_argument, layer_call, with_partial_args
from .._fixes import regularizer_fix
from .._messages import missing_phrase
from .._regularizers import meant_argument
from . import INFO


class MissingKernelRegularizer(Rule):
    info = INFO

    VALID = [
        Valid(
            "from keras import layers, regularizers\n"
            "layers.Dense(4, kernel_regularizer=regularizers.L2(1e-4))\n"
        ),
        Valid("from keras.layers import Dense\nDense(4, **layer_kwargs)\n"),
        Valid("class Dense:\n    pass\nDense(4)\n"),
        Valid(
            "from keras.layers import Dense\n"
            "Dense(4, None, True, 'glorot_uniform', 'zeros', 'l2')\n"
        ),
        Valid("from keras import layers\nlayers.Dropout(0.5)\n"),
        Valid(
            "import functools\nfrom keras import layers\n"
            "RegDense = functools.partial(layers.Dense, kernel_regularizer='l2')\n"
            "RegDense(10)\n"
        ),
        Valid("import keras_hub\nkeras_hub.layers.ReversibleEmbedding(100, 8)\n"),
        Valid("import torch.nn as nn\nnn.Embedding(100, 8)\n"),
        Valid("import flax.linen as nn\nnn.Dense(8)\n"),
        Valid(
            "from keras import layers\n"
            "layers.SeparableConv2D(8, 3, depthwise_regularizer='l2',"
            " pointwise_regularizer='l2')\n"
        ),
        Valid("from keras import layers\nlayers.LSTM(4, kernel_regularizer='l2')\n"),
        Valid("import tensorflow as tf\ntf.keras.layers.Dense(4)  # noqa: RL001\n"),
        # Keras 1's `W_regularizer` is the kernel's: RL007 alone reports it
        Valid("from keras.layers import Dense\nDense(4, W_regularizer='l2')\n"),
        Valid("from keras.layers import Dense\nDense(4, kernal_regularizer='l2')\n"),
        # scopes (issue 9): a parameter shadows the module; an import in one function
        # is not seen in another; a local of another value shadows the import
        Valid("from keras import layers\ndef build(layers):\n    return layers.Dense(4)\n"),
        Valid("from keras import layers\nf = lambda layers: layers.Dense(4)\n"),
        Valid(
            "def a():\n    from keras.layers import Conv2D\n"
            "    return Conv2D(8, 3, kernel_regularizer='l2')\n"
            "def b():\n    return Conv2D(8, 3)\n"
        ),
        Valid("import keras\ndef f(make):\n    keras = make()\n    return keras.layers.Dense(2)\n"),
        # across calls (issue 9): a helper whose `reg` every call passes
        Valid(
            "from keras import layers\n"
            "def block(x, reg=None):\n    return layers.Conv2D(8, 3, kernel_regularizer=reg)(x)\n"
            "block(x, 'l2')\nblock(x, reg='l1')\n",
            options={"cross-calls": True},
        ),
    ]
    INVALID = [
        Invalid(
            "import tensorflow as tf\nx = tf.keras.layers.Dense(4)(inputs)\n",
            at=["2:5"],
            message="Dense",
        ),
        Invalid(
            "from keras.layers import Conv2D as C\nC(8, 3, kernel_regularizer=None)\n",
            at=["2:1"],
            message="`Conv2D` has `kernel_regularizer` set to `None`",
        ),
        Invalid(
            "from keras import layers\nlayers.SeparableConv2D(8, 3, depthwise_regularizer=None)\n",
            message=(
                "is built without `pointwise_regularizer` and has `depthwise_regularizer` set to"
            ),
        ),
        Invalid(
            "from tf_keras.layers import *\nEmbedding(100, 8)\n",
            at=["2:1"],
            message="embeddings_regularizer",
        ),
        Invalid(
            "from keras import layers\nlayers.SeparableConv2D(8, 3, depthwise_regularizer='l2')\n",
            at=["2:1"],
            message="pointwise_regularizer",
        ),
        Invalid("from keras.src.layers.core.dense import Dense\nD = Dense\nD(3)\n", at=["3:1"]),
        # a functools.partial alias: each call builds a layer (seen in tutorials)
        Invalid(
            "from functools import partial\nimport tensorflow as tf\n"
            "Conv = partial(tf.keras.layers.Conv2D, kernel_size=3, padding='same')\n"
            "m = tf.keras.Sequential([Conv(64), Conv(filters=128, strides=2)])\n",
            at=["4:26", "4:36"],
        ),
        Invalid("import keras_core as keras\nkeras.layers.Dense(4)\n", at=["2:1"]),
        # Keras 1's `b_regularizer` is RL007's; the kernel is still missing (no fix:
        # RL007 renames first)
        Invalid(
            "from keras.layers import Dense\nDense(4, b_regularizer='l2')\n",
            at=["2:1"],
            message="built without `kernel_regularizer`",
        ),
        # scopes (issue 9): a parameter whose default is a Keras layer class; an
        # import inside the function; `global` sends a name to the module
        Invalid(
            "import keras\ndef make(units, layer=keras.layers.Dense):\n    return layer(units)\n",
            at=["3:12"],
            message="`Dense` is built without",
        ),
        Invalid(
            "import keras\nf = lambda units, D=keras.layers.Dense: D(units)\n",
            at=["2:41"],
        ),
        Invalid(
            "def build():\n    from tensorflow.keras.layers import Conv2D\n"
            "    return Conv2D(8, 3)\n",
            at=["3:12"],
        ),
        Invalid(
            "def setup():\n    global Dense\n    from keras.layers import Dense\n"
            "def build():\n    return Dense(4)\n",
            at=["5:12"],
        ),
        # across calls (issue 9): the finding sits at the call that leaves `reg` empty
        Invalid(
            "from keras import layers\n"
            "def block(x, reg=None):\n    return layers.Conv2D(8, 3, kernel_regularizer=reg)(x)\n"
            "def net(x, r=None):\n    return block(x, reg=r)\n"
            "block(x, 'l2')\ny = net(x)\n",
            at=["7:5"],
            message="`net(...)` builds `Conv2D` without `kernel_regularizer` (through `r`)",
            options={"cross-calls": True},
        ),
        Invalid(
            "from keras import layers\n"
            "def dense(x, units, **kwargs):\n    return layers.Dense(units, **kwargs)(x)\n"
            "CFG = dict(activation='relu')\n"
            "dense(x, 4, kernel_regularizer='l2')\ndense(x, 4, **CFG)\n",
            at=["6:1"],
            options={"cross-calls": True},
        ),
        Invalid(
            "import functools\nfrom keras import layers\n"
            "def block(x, reg):\n    return layers.Conv2D(8, 3, kernel_regularizer=reg)(x)\n"
            "plain = functools.partial(block, reg=None)\nplain(x)\n",
            at=["6:1"],
            options={"cross-calls": True},
        ),
        Invalid(
            "from keras import layers\nREG = None\nlayers.Dense(4, kernel_regularizer=REG)\n",
            at=["3:1"],
            message="gets `None` for `kernel_regularizer`",
            options={"cross-calls": True},
        ),
        Invalid(
            "from keras import layers\nlayers.LSTM(4, kernel_regularizer='l2')\n",
            options={"require-recurrent": True},
            message="recurrent_regularizer",
        ),
        Invalid(
            "import tensorflow as tf\n\nmodel = tf.keras.Sequential([tf.keras.layers.Dense(4)])\n",
            expected_fix="import tensorflow as tf\n\nmodel = tf.keras.Sequential("
            "[tf.keras.layers.Dense(4, kernel_regularizer=tf.keras.regularizers.L2(0.0001))])\n",
        ),
    ]

    def _policy_verdict(self, node: cst.Call, call: cst.Call, layer: str) -> Verdict:
        """``[tool.reglint.policy]``'s verdict on a layer call lacking a regularizer."""
        policy = self.context.settings.policy
        if policy.default:
            return REQUIRED
        name = next(
            (
                a.value.evaluated_value
                for a in call.args
                if a.keyword is not None
                and a.keyword.value == "name"
                and isinstance(a.value, cst.SimpleString)
            ),
            None,
        )
        means: list[str] = []
        activity = next(
            (
                a
                for a in call.args
                if a.keyword is not None and a.keyword.value == "activity_regularizer"
            ),
            None,
        )
        if activity is not None and not is_none(activity.value):
            means.append("activity")
        links = None
        if policy.exempt_outputs or {"weight-decay", "explicit-penalty"} & set(policy.other_means):
            links = self._links()
            assert self.context.module is not None
            means.extend(links.covered_by(node, self.context.module))
        output = links is not None and links.is_output(node, self.context.module)
        return policy.decide(layer, name, output=output, covered_by=tuple(means))

    def _links(self) -> ModuleLinks:
        """The module's model links, built once per module."""
        module = self.context.module
        cached = getattr(self, "_module_links", None)
        if cached is None or cached[0] is not module:
            assert module is not None
            cached = (module, build_links(module, self.context.imports, self.context.source))
            self._module_links = cached
        return cached[1]

    def visit_Call(self, node: cst.Call) -> None:
        found = layer_call(self.context.imports, node)
        if found is None:
            return
        symbol, layer = found
        spec = catalog.KERNEL_LAYERS.get(layer)
        call = with_partial_args(self.context.imports, node)
        if spec is None or has_star_args(call):
            return
        required = spec.required_args(self.options.get("require-recurrent", False))
        # A misspelt or Keras 1 regularizer keyword (`W_regularizer=`): RL007 reports
        # and renames it; the argument it means is not reported missing here too.
        misspelt = [
            a.keyword.value
            for a in call.args
            if a.keyword is not None
            and catalog.is_regularizer_keyword(a.keyword.value)
            and a.keyword.value not in spec.accepted
        ]
        meant = {meant_argument(keyword)[0] for keyword in misspelt}
        missing = []
        set_to_none = []
        for arg_name in required:
            arg = layer_argument(call, spec, arg_name, symbol.flavor)
            if (arg is None and arg_name not in meant) or (arg is not None and is_none(arg.value)):
                missing.append(arg_name)
                if arg is not None:
                    set_to_none.append(arg_name)
        if not missing:
            return
        if not self._policy_verdict(node, call, layer).reports:
            return
        args = " and ".join(f"`{m}`" for m in missing)
        message = f"`{layer}` {missing_phrase(missing, set_to_none)}: its weights train unpenalized"
        if self.context.settings.policy.require is not None:
            message += f" ({self.context.settings.policy.clause_text()})"
        fix = (
            None if misspelt else regularizer_fix(self.context, node, symbol.flavor, spec, missing)
        )
        if fix is None:
            self.report(node, message)
        else:
            replacement, imports = fix
            # Unsafe: a new penalty changes how the model trains (and its factor is a guess).
            self.report(
                node,
                message,
                replacement=replacement,
                imports=imports,
                fix_message=f"add {args}",
                unsafe=True,
            )
