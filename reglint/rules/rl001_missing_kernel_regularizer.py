from __future__ import annotations

import re

import libcst as cst

from .. import catalog
from ..rule import Invalid, Rule, Valid, any_word
from ._calls import has_star_args, is_none, layer_argument, layer_call, with_partial_args
from ._fixes import regularizer_fix


class MissingKernelRegularizer(Rule):
    code = "RL001"
    name = "missing-kernel-regularizer"
    summary = "Keras layer built without a regularizer on its kernel-type weight"
    trigger = re.compile(any_word(catalog.KERNEL_LAYERS))
    candidates = "missing_kernel_regularizer"  # sites: each call is judged alone

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
    ]
    INVALID = [
        Invalid(
            "import tensorflow as tf\nx = tf.keras.layers.Dense(4)(inputs)\n",
            at=["2:5"],
            message="Dense",
        ),
        Invalid(
            "from keras.layers import Conv2D as C\nC(8, 3, kernel_regularizer=None)\n", at=["2:1"]
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
        missing = []
        for arg_name in required:
            arg = layer_argument(call, spec, arg_name, symbol.flavor)
            if arg is None or is_none(arg.value):
                missing.append(arg_name)
        if not missing:
            return
        args = " and ".join(f"`{m}`" for m in missing)
        message = f"`{layer}` is built without {args}: its weights train unpenalized"
        # A misspelt or misplaced regularizer keyword: RL007 renames it instead.
        misspelt = any(
            a.keyword is not None
            and "regul" in a.keyword.value.lower()
            and a.keyword.value not in spec.accepted
            for a in call.args
        )
        fix = (
            None if misspelt else regularizer_fix(self.context, node, symbol.flavor, spec, missing)
        )
        if fix is None:
            self.report(node, message)
        else:
            replacement, imports = fix
            self.report(
                node, message, replacement=replacement, imports=imports, fix_message=f"add {args}"
            )
