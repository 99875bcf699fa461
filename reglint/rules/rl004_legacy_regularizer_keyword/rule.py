"""The libcst check of RL004 and its examples (the package says what the rule is)."""

from __future__ import annotations

import libcst as cst

from ... import catalog
from ...rule import Invalid, Rule, Valid
from .._calls import called_symbol
from .._regularizers import judged_flavors
from . import INFO

#: The regularizers whose Keras 2 constructor took ``l=`` for its one factor.
_SINGLE_FACTOR = {"L1": "l1", "l1": "l1", "L2": "l2", "l2": "l2"}


class LegacyRegularizerKeyword(Rule):
    info = INFO

    VALID = (
        Valid("from keras import regularizers\nregularizers.l2(l2=1e-4)\nregularizers.L1(1e-5)\n"),
        Valid("from keras import regularizers\nregularizers.l1_l2(l1=1e-5, l2=1e-4)\n"),
        Valid("import keras\n\ndef l2(l=0.1):\n    return l\n\nl2(l=0.5)\n"),
        Valid("import keras\nl = 3\nprint(l == 3)\n"),
        Valid("import tensorflow as tf\ntf.keras.regularizers.L2(l=1e-4)  # noqa: RL004\n"),
    )
    INVALID = (
        Invalid(
            "from keras import regularizers\nreg = regularizers.l2(l=1e-4)\n",
            at=["2:23"],
            message="TypeError",
            expected_fix="from keras import regularizers\nreg = regularizers.l2(l2=1e-4)\n",
        ),
        Invalid(
            "import tensorflow as tf\n"
            "tf.keras.layers.Dense(4, kernel_regularizer=tf.keras.regularizers.L1(l = 1e-5))\n",
            at=["2:70"],
            expected_fix="import tensorflow as tf\n"
            "tf.keras.layers.Dense(4, kernel_regularizer=tf.keras.regularizers.L1(l1 = 1e-5))\n",
        ),
        Invalid(
            "from tf_keras.regularizers import l2\nl2(l=0.01)\n",
            at=["2:4"],
            message="tf_keras still accepts it",
            expected_fix="from tf_keras.regularizers import l2\nl2(l2=0.01)\n",
        ),
        # the new keyword is passed too, or the factor positionally: no safe rename
        Invalid(
            "from keras.regularizers import L2\nL2(0.01, l=0.05)\n",
            at=["2:10"],
            message="`L2(0.01, ...)` also passes",
        ),
        Invalid("from keras.regularizers import L2\nL2(l2=0.01, l=0.05)\n", at=["2:13"]),
    )

    def visit_Call(self, node: cst.Call) -> None:
        if not isinstance(node.func, (cst.Name, cst.Attribute)):
            return
        legacy = next(
            (a for a in node.args if a.keyword is not None and a.keyword.value == "l"), None
        )
        if legacy is None:
            return
        symbol = called_symbol(self.context.imports, node)
        if symbol is None or not symbol.is_regularizer or symbol.name not in _SINGLE_FACTOR:
            return
        keyword = _SINGLE_FACTOR[symbol.name]
        flavors = judged_flavors(self.context, symbol.flavor)
        if catalog.KERAS3 not in flavors:
            where = "; tf_keras still accepts it, but the code breaks on Keras 3"
        elif catalog.KERAS2 in flavors:
            where = "; tf_keras (`TF_USE_LEGACY_KERAS=1`) still accepts it"
        else:
            where = ""
        message = (
            f"`{symbol.name}(l=...)`: Keras 3 removed the `l` keyword (`TypeError: "
            f"{catalog.canonical_regularizer(symbol.name)}.__init__() got an unexpected "
            f"keyword argument 'l'`){where}; use `{keyword}=`"
        )
        conflict = self._conflict(node, legacy, keyword)
        if conflict is not None:
            self.report(legacy, f"{message}; {conflict}, so it is not renamed automatically")
            return
        self.report(
            legacy,
            message,
            replacement=legacy.with_changes(keyword=cst.Name(keyword)),
            fix_message=f"rename `l=` to `{keyword}=`",
        )

    @staticmethod
    def _conflict(node: cst.Call, legacy: cst.Arg, keyword: str) -> str | None:
        """Why renaming would change the call's meaning (tf_keras lets ``l`` win)."""
        for arg in node.args:
            if arg is legacy:
                continue
            if arg.star:
                return "the call also passes `*args`/`**kwargs`"
            if arg.keyword is None:
                return f"`{_name(node)}({_code(arg.value)}, ...)` also passes the factor"
            if arg.keyword.value == keyword:
                return f"`{keyword}=` is passed too (tf_keras uses the `l` value)"
        return None


def _name(node: cst.Call) -> str:
    func = node.func
    return func.attr.value if isinstance(func, cst.Attribute) else func.value  # type: ignore[union-attr]


def _code(node: cst.CSTNode) -> str:
    text = " ".join(cst.Module(body=()).code_for_node(node).split())
    return text if len(text) <= 30 else text[:27] + "..."
