"""The libcst check of RL007 and its examples (the package says what the rule is)."""

from __future__ import annotations

import difflib

import libcst as cst

from ... import catalog
from ...rule import Invalid, Rule, Valid
from .._calls import argument, has_star_args, layer_call
from .._regularizers import KERAS1_ARGS, judged_flavors, meant_argument
from . import INFO

#: Layers whose weights belong to the layer (or cell) they wrap.
_WRAPPERS = frozenset(
    {
        "TimeDistributed",
        "Bidirectional",
        "Wrapper",
        "SpectralNormalization",
        "RNN",
        "StackedRNNCells",
    }
)
#: The arguments that regularize a layer's main (kernel-type) weight.
_KERNEL_TYPE = frozenset({catalog.KERNEL, catalog.EMBEDDINGS, catalog.DEPTHWISE, catalog.POINTWISE})


class RegularizerArgumentNotAccepted(Rule):
    info = INFO

    VALID = (
        Valid(
            "from keras import layers\n"
            "layers.Dense(4, kernel_regularizer='l2', bias_regularizer='l2',"
            " activity_regularizer='l1')\n"
        ),
        Valid("from keras import layers\nlayers.Dropout(0.5, activity_regularizer='l2')\n"),
        Valid("from keras import layers\nlayers.Embedding(100, 8, embeddings_regularizer='l2')\n"),
        Valid("from keras import layers\nlayers.DepthwiseConv2D(3, depthwise_regularizer='l2')\n"),
        Valid("from keras import layers\nlayers.BatchNormalization(gamma_regularizer='l2')\n"),
        Valid("from keras import layers\nlayers.PReLU(alpha_regularizer='l2')\n"),
        Valid("from keras import optimizers\noptimizers.Ftrl(l1_regularization_strength=0.01)\n"),
        Valid(
            "from keras import layers\n"
            "class MyDense(layers.Dense):\n    pass\n"
            "MyDense(4, kernel_regulariser='l2')\n"
        ),
        Valid("from keras import layers\nlayers.Layer(activity_regularizer='l2')\n"),
    )
    INVALID = (
        Invalid(
            "from keras import layers\nlayers.DepthwiseConv2D(3, kernel_regularizer='l2')\n",
            at=["2:27"],
            message="`depthwise_regularizer`",
            expected_fix="from keras import layers\n"
            "layers.DepthwiseConv2D(3, depthwise_regularizer='l2')\n",
        ),
        Invalid(
            "from keras import layers\nlayers.Embedding(100, 8, kernel_regularizer='l2')\n",
            message="`embeddings_regularizer`",
            expected_fix="from keras import layers\n"
            "layers.Embedding(100, 8, embeddings_regularizer='l2')\n",
        ),
        Invalid(
            "import tensorflow as tf\n"
            "tf.keras.layers.SeparableConv2D(8, 3, kernel_regularizer='l2')\n",
            at=["2:39"],
            message="`depthwise_regularizer` and `pointwise_regularizer`",
        ),
        Invalid(
            "from keras import layers\n"
            "layers.TimeDistributed(layers.Dense(4), kernel_regularizer='l2')\n",
            message="the wrapped layer",
        ),
        Invalid(
            "from keras import layers\nlayers.Dropout(0.5, kernel_regularizer='l2')\n",
            message="`Dropout` has no weights",
        ),
        Invalid(
            "from keras import layers\nlayers.Dense(4, kernel_regulariser='l2')\n",
            at=["2:17"],
            message="`kernel_regularizer`",
            expected_fix="from keras import layers\nlayers.Dense(4, kernel_regularizer='l2')\n",
        ),
        Invalid(
            "from keras.layers import Conv2D\nConv2D(8, 3, kernal_regularizer='l2')\n",
            expected_fix="from keras.layers import Conv2D\nConv2D(8, 3, kernel_regularizer='l2')\n",
        ),
        Invalid(
            "from keras import layers\nlayers.Dense(4, regularizer='l2')\n",
            expected_fix="from keras import layers\nlayers.Dense(4, kernel_regularizer='l2')\n",
        ),
        Invalid(
            "from keras import layers\nlayers.Dense(4, Kernel_Regularizer='l2')\n",
            expected_fix="from keras import layers\nlayers.Dense(4, kernel_regularizer='l2')\n",
        ),
        # already passed: no rename that would repeat a keyword
        Invalid(
            "from keras import layers\n"
            "layers.Dense(4, kernel_regularizer='l2', kernel_regulariser='l1')\n",
            at=["2:42"],
            message="already passed",
        ),
        Invalid(
            "from keras import layers\n"
            "layers.Dense(4, kernel_regulariser='l2', kernel_regularizers='l1')\n",
            at=["2:17", "2:42"],
        ),
        Invalid(
            "from keras import layers\nlayers.Dense(4, recurrent_regularizer='l2')\n",
            message="accepts `kernel_regularizer`, `bias_regularizer`",
        ),
        Invalid(
            "from keras import layers\nlayers.LSTM(4, kernel_regularizer='l2', **kw,"
            " recurent_regularizer='l2')\n",
            message="`recurrent_regularizer`",
        ),
        Invalid(
            "from tf_keras import layers\nlayers.Conv2D(8, 3, depthwise_regularizer='l2')\n",
            message="`kernel_regularizer`",
            expected_fix="from tf_keras import layers\n"
            "layers.Conv2D(8, 3, kernel_regularizer='l2')\n",
        ),
    )

    def visit_Call(self, node: cst.Call) -> None:
        if not any(
            a.keyword is not None and catalog.is_regularizer_keyword(a.keyword.value)
            for a in node.args
        ):
            return
        found = layer_call(self.context.imports, node)
        if found is None:
            return
        symbol, layer = found
        accepted = catalog.accepted_regularizer_args(layer)
        if accepted is None:
            return
        wrong = [
            a
            for a in node.args
            if a.keyword is not None
            and catalog.is_regularizer_keyword(a.keyword.value)
            and a.keyword.value not in accepted
        ]
        flavors = judged_flavors(self.context, symbol.flavor)
        targets = {id(a): self._target(a.keyword.value, layer, accepted, flavors) for a in wrong}
        counts: dict[str, int] = {}
        for target, _, _ in targets.values():
            if target is not None:
                counts[target] = counts.get(target, 0) + 1
        for arg in wrong:
            keyword = arg.keyword.value
            target, hint, same = targets[id(arg)]
            message = f"`{layer}` does not take `{keyword}`: {hint}"
            problem = None
            if target is None:
                problem = ""
            elif has_star_args(node):
                problem = "the call passes `*args`/`**kwargs`, which may hold it"
            elif counts[target] > 1:
                problem = f"several keywords would become `{target}`"
            elif self._passed(node, symbol.flavor, layer, target):
                problem = f"`{target}` is already passed"
            if problem is None:
                self.report(
                    arg,
                    message,
                    replacement=arg.with_changes(keyword=cst.Name(target)),
                    fix_message=f"rename `{keyword}` to `{target}`",
                    # Unsafe when it guesses another weight (which tf_keras may have
                    # left unpenalized): a penalty appears where none applied.
                    unsafe=not same,
                )
            else:
                self.report(arg, f"{message}{' (not renamed: ' + problem + ')' if problem else ''}")

    @staticmethod
    def _passed(node: cst.Call, flavor: str, layer: str, target: str) -> bool:
        spec = catalog.KERNEL_LAYERS.get(layer)
        position = spec.position(target, flavor) if spec is not None else None
        return argument(node, target, position) is not None

    @staticmethod
    def _target(
        keyword: str, layer: str, accepted: frozenset[str], flavors: tuple[str, ...]
    ) -> tuple[str | None, str, bool]:
        """The one keyword ``keyword`` should be (None if not obvious), a hint, and
        whether renaming only corrects how the same argument is spelt."""
        kernel_args = [a for a in sorted(accepted) if a in _KERNEL_TYPE]
        spec = catalog.KERNEL_LAYERS.get(layer)
        if spec is not None:
            kernel_args = list(spec.kernel_args)
        lowered = keyword.lower()
        meant, spelt = meant_argument(keyword)
        if meant is not None and meant in accepted:
            hint = f"did you mean `{meant}`?"
            if lowered in KERAS1_ARGS:
                hint = f"Keras 1's `{keyword}` is `{meant}` since Keras 2"
            return meant, hint, spelt
        if layer in _WRAPPERS:
            inner = (
                "the wrapped cell" if layer in ("RNN", "StackedRNNCells") else "the wrapped layer"
            )
            return None, f"a wrapper has no weights of its own; pass it to {inner} instead", False
        if meant in _KERNEL_TYPE and kernel_args:
            names = " and ".join(f"`{a}`" for a in kernel_args)
            effects = []
            if catalog.KERAS3 in flavors:
                effects.append("Keras 3 raises `ValueError`")
            ignored = meant == catalog.KERNEL and layer.startswith(("Depthwise", "Separable"))
            if catalog.KERAS2 in flavors:
                effects.append(
                    "tf_keras accepts and ignores it, so the weight trains unpenalized"
                    if ignored
                    else "tf_keras raises `TypeError`"
                )
            hint = f"its kernel-type weight is regularized by {names} ({'; '.join(effects)})"
            return (kernel_args[0] if len(kernel_args) == 1 else None), hint, False
        if accepted == frozenset({catalog.ACTIVITY}):
            return (
                None,
                f"`{layer}` has no weights to regularize (it accepts only `activity_regularizer`)",
                False,
            )
        names = ", ".join(f"`{a}`" for a in _ordered(accepted))
        if meant is None:
            close = difflib.get_close_matches(lowered, sorted(accepted), n=1, cutoff=0.6)
            if close:
                return close[0], f"did you mean `{close[0]}`? (it accepts {names})", False
        return None, f"it accepts {names}", False


_ORDER = (
    catalog.KERNEL,
    catalog.EMBEDDINGS,
    catalog.DEPTHWISE,
    catalog.POINTWISE,
    catalog.RECURRENT,
    catalog.BIAS,
    catalog.BETA,
    catalog.GAMMA,
    catalog.ALPHA,
    catalog.ACTIVITY,
)


def _ordered(args: frozenset[str]) -> list[str]:
    return sorted(args, key=lambda a: _ORDER.index(a) if a in _ORDER else len(_ORDER))
