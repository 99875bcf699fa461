"""RL006: a custom training step whose loss never receives ``model.losses``.

Facts are collected during the one traversal (cheap: dotted names of calls,
``X.losses`` reads, assignments, tapes, gradient calls, per function); the
decision is taken in ``leave_Module``, when every helper, class and model
construction of the module is known. See ``rules/RL006.md`` for the heuristic.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import ClassVar

import libcst as cst

from ..names import dotted_name
from ..rule import Invalid, Rule, Valid
from ._calls import called_symbol, is_none, keyword_arg

_VARIABLES = frozenset({"trainable_variables", "trainable_weights", "variables", "weights"})
_KERAS_MODEL_CLASSES = frozenset({"Model", "Sequential", "Functional"})
_LOSS_CALLS = frozenset({"compiled_loss", "loss"})
_MAX_HELPER_DEPTH = 3


@dataclass
class _CallFact:
    node: cst.Call
    func: str | None  # dotted callee, e.g. "model", "self.generator", "compute_loss"
    args: list[tuple[str | None, str | None]]  # (keyword, dotted value)
    order: int


@dataclass
class _Facts:
    """What a code region (a function body, a tape block) does with names."""

    calls: list[_CallFact] = field(default_factory=list)
    losses: list[tuple[str, int]] = field(default_factory=list)  # X of ``X.losses``


@dataclass
class _Fn(_Facts):
    node: cst.CSTNode | None = None  # FunctionDef, or None for the module
    name: str = ""
    cls: _Cls | None = None  # the class whose method this is
    parent: _Fn | None = None
    params: list[str] = field(default_factory=list)
    assigns: dict[str, list[tuple[cst.BaseExpression, int]]] = field(default_factory=dict)
    returns: list[cst.BaseExpression] = field(default_factory=list)
    regularized: bool = False


@dataclass
class _Cls:
    node: cst.ClassDef
    name: str
    bases: list[cst.BaseExpression]
    methods: dict[str, _Fn] = field(default_factory=dict)
    attrs: dict[str, list[cst.BaseExpression]] = field(default_factory=dict)
    regularized: bool = False


@dataclass
class _Tape(_Facts):
    node: cst.With | None = None
    name: str | None = None
    fn: _Fn | None = None
    start: int = 0
    end: int = 0


@dataclass
class _Grad:
    node: cst.Call
    tape: str
    target: cst.BaseExpression
    fn: _Fn
    order: int


@dataclass
class _Build:
    """Where a name was bound to a Keras model, and whether a regularizer shows."""

    node: cst.CSTNode
    regularized: bool


def _dotted(expr: cst.BaseExpression) -> str | None:
    return dotted_name(expr)


def _covers(base: str, model: str) -> bool:
    """``self.losses`` also holds the losses of ``self.generator``."""
    return model == base or model.startswith(base + ".")


class CustomLoopDropsRegularization(Rule):
    code = "RL006"
    name = "custom-loop-drops-regularization"
    summary = "custom training step whose loss never receives the model's regularization losses"
    trigger = re.compile(r"GradientTape|train_step|compiled_loss")
    candidates = "gradient_calls"

    VALID: ClassVar[Sequence[Valid]] = [
        # the penalty is added inside the tape, in each accepted spelling
        Valid(
            "import tensorflow as tf\n"
            "model = tf.keras.Sequential([tf.keras.layers.Dense(1)])\n"
            "with tf.GradientTape() as tape:\n"
            "    loss = loss_fn(y, model(x, training=True)) + tf.add_n(model.losses)\n"
            "grads = tape.gradient(loss, model.trainable_variables)\n"
        ),
        Valid(
            "import keras, tensorflow as tf\n"
            "model = keras.Sequential([keras.layers.Dense(1)])\n"
            "with tf.GradientTape() as tape:\n"
            "    logits = model(x)\n"
            "    loss = loss_fn(y, logits)\n"
            "    loss += sum(model.losses)\n"
            "grads = tape.gradient(loss, model.trainable_weights)\n"
        ),
        Valid(
            "import keras, tensorflow as tf\n"
            "model = keras.Sequential([keras.layers.Dense(1)])\n"
            "with tf.GradientTape() as tape:\n"
            "    reg = keras.ops.sum([tf.cast(l, 'float32') for l in model.losses])\n"
            "    loss = loss_fn(y, model(x)) + reg\n"
            "grads = tape.gradient(loss, model.trainable_variables)\n"
        ),
        # a helper of the module adds the losses
        Valid(
            "import keras, tensorflow as tf\n"
            "def compute_loss(net, x, y):\n"
            "    return loss_fn(y, net(x)) + tf.reduce_sum(net.losses)\n"
            "model = keras.Sequential([keras.layers.Dense(1)])\n"
            "with tf.GradientTape() as tape:\n"
            "    loss = compute_loss(model, x, y)\n"
            "grads = tape.gradient(loss, model.trainable_variables)\n"
        ),
        # Keras 3 train_step through compute_loss; Keras 2 with regularization_losses
        Valid(
            "import keras, tensorflow as tf\n"
            "class M(keras.Model):\n"
            "    def train_step(self, data):\n"
            "        x, y = data\n"
            "        with tf.GradientTape() as tape:\n"
            "            y_pred = self(x, training=True)\n"
            "            loss = self.compute_loss(x=x, y=y, y_pred=y_pred)\n"
            "        grads = tape.gradient(loss, self.trainable_variables)\n"
        ),
        Valid(
            "import tensorflow as tf\n"
            "class M(tf.keras.Model):\n"
            "    def train_step(self, data):\n"
            "        x, y = data\n"
            "        with tf.GradientTape() as tape:\n"
            "            y_pred = self(x, training=True)\n"
            "            loss = self.compiled_loss(y, y_pred,"
            " regularization_losses=self.losses)\n"
            "        trainable_vars = self.trainable_variables\n"
            "        grads = tape.gradient(loss, trainable_vars)\n"
        ),
        # not training loops: an image, activations, inputs, plain variables, tf.Module
        Valid(
            "import tensorflow as tf\n"
            "model = tf.keras.applications.VGG19(include_top=False)\n"
            "with tf.GradientTape() as tape:\n"
            "    loss = style_loss(model(image))\n"
            "grad = tape.gradient(loss, image)\n"
        ),
        Valid(
            "import tensorflow as tf\n"
            "w = tf.Variable(1.0)\n"
            "with tf.GradientTape() as tape:\n"
            "    loss = (w * 3.0 - 1.0) ** 2\n"
            "grads = tape.gradient(loss, [w])\n"
        ),
        Valid(
            "import tensorflow as tf  # keras\n"
            "class Linear(tf.Module):\n"
            "    def __call__(self, x):\n"
            "        return x * self.w\n"
            "model = Linear()\n"
            "with tf.GradientTape() as tape:\n"
            "    loss = tf.reduce_mean((model(x) - y) ** 2)\n"
            "grads = tape.gradient(loss, model.trainable_variables)\n"
        ),
        # autodiff on a lone layer (the autodiff guides), not a model's training step
        Valid(
            "import tensorflow as tf\n"
            "layer = tf.keras.layers.Dense(2, activation='relu')\n"
            "with tf.GradientTape() as tape:\n"
            "    loss = tf.reduce_mean(layer(x) ** 2)\n"
            "grad = tape.gradient(loss, layer.trainable_variables)\n"
        ),
        # a step function whose callers all pass a tf.Module model
        Valid(
            "import tensorflow as tf  # keras\n"
            "class MLP(tf.Module):\n"
            "    def __call__(self, x):\n"
            "        return x @ self.w\n"
            "def train_step(model, x, y):\n"
            "    with tf.GradientTape() as tape:\n"
            "        loss = tf.reduce_sum((model(x) - y) ** 2)\n"
            "    params = model.trainable_variables\n"
            "    return tape.gradient(loss, params)\n"
            "model = MLP()\n"
            "for x, y in data:\n"
            "    train_step(model, x, y)\n"
        ),
        # a parameter that is never called inside the tape is not enough
        Valid(
            "import keras, tensorflow as tf\n"
            "def step(model, features):\n"
            "    with tf.GradientTape() as tape:\n"
            "        loss = tf.reduce_sum(features)\n"
            "    return tape.gradient(loss, model.trainable_variables)\n"
        ),
        Valid(
            "import keras, tensorflow as tf\n"
            "model = keras.Sequential([keras.layers.Dense(1)])\n"
            "with tf.GradientTape() as tape:\n"
            "    loss = loss_fn(y, model(x))\n"
            "grads = tape.gradient(loss, model.trainable_variables)  # noqa: RL006\n"
        ),
    ]
    INVALID: ClassVar[Sequence[Invalid]] = [
        Invalid(
            "import tensorflow as tf\n"
            "model = tf.keras.Sequential([tf.keras.layers.Dense(1)])\n"
            "with tf.GradientTape() as tape:\n"
            "    loss = loss_fn(y, model(x, training=True))\n"
            "grads = tape.gradient(loss, model.trainable_variables)\n",
            at=["5:9"],
            message="no regularizer is visible",
        ),
        Invalid(
            "import keras, tensorflow as tf\n"
            "model = keras.Sequential([\n"
            "    keras.layers.Dense(8, kernel_regularizer='l2'),\n"
            "])\n"
            "with tf.GradientTape() as tape:\n"
            "    loss = loss_fn(y, model(x))\n"
            "grads = tape.gradient(loss, model.trainable_weights)\n",
            at=["7:9"],
            message="the model built at line 2 is regularized",
        ),
        # read before the tape opens: the value counts, the gradient is zero
        Invalid(
            "import keras, tensorflow as tf\n"
            "model = keras.Sequential([keras.layers.Dense(1)])\n"
            "reg = tf.add_n(model.losses)\n"
            "with tf.GradientTape() as tape:\n"
            "    loss = loss_fn(y, model(x)) + reg\n"
            "grads = tape.gradient(loss, model.trainable_variables)\n",
            at=["6:9"],
            message="before the tape opens",
        ),
        # a helper of the same name that does not add them
        Invalid(
            "import keras, tensorflow as tf\n"
            "def compute_loss(net, x, y):\n"
            "    return loss_fn(y, net(x))\n"
            "model = keras.Sequential([keras.layers.Dense(1)])\n"
            "with tf.GradientTape() as tape:\n"
            "    loss = compute_loss(model, x, y)\n"
            "grads = tape.gradient(loss, model.trainable_variables)\n",
            at=["7:9"],
        ),
        # Keras 2 compiled_loss without regularization_losses
        Invalid(
            "import tensorflow as tf\n"
            "class M(tf.keras.Model):\n"
            "    def train_step(self, data):\n"
            "        x, y = data\n"
            "        with tf.GradientTape() as tape:\n"
            "            y_pred = self(x, training=True)\n"
            "            loss = self.compiled_loss(y, y_pred)\n"
            "        grads = tape.gradient(loss, self.trainable_variables)\n",
            at=["7:20"],
            message="regularization_losses=self.losses",
        ),
        # Keras 3 self.loss
        Invalid(
            "import keras, tensorflow as tf\n"
            "class M(keras.Model):\n"
            "    def train_step(self, data):\n"
            "        x, y = data\n"
            "        with tf.GradientTape() as tape:\n"
            "            loss = self.loss(y, self(x, training=True))\n"
            "        trainable_vars = self.trainable_variables\n"
            "        grads = tape.gradient(loss, trainable_vars)\n",
            at=["6:20"],
            message="self.compute_loss",
        ),
        # a GAN step: networks passed in as parameters, called inside the tapes
        Invalid(
            "import tensorflow as tf\n"
            "from tensorflow import keras\n"
            "def train_step(generator, discriminator, images, noise):\n"
            "    with tf.GradientTape() as g_tape, tf.GradientTape() as d_tape:\n"
            "        fake = generator(noise, training=True)\n"
            "        real_out = discriminator(images, training=True)\n"
            "        fake_out = discriminator(fake, training=True)\n"
            "        g_loss = gen_loss(fake_out)\n"
            "        d_loss = disc_loss(real_out, fake_out)\n"
            "    g_grads = g_tape.gradient(g_loss, generator.trainable_variables)\n"
            "    d_grads = d_tape.gradient(d_loss, discriminator.trainable_variables)\n",
            at=["10:15", "11:15"],
            message="no regularizer is visible",
        ),
        # a lone layer whose own regularizer is dropped
        Invalid(
            "import tensorflow as tf\n"
            "layer = tf.keras.layers.Dense(2, kernel_regularizer='l2')\n"
            "with tf.GradientTape() as tape:\n"
            "    loss = tf.reduce_mean(layer(x) ** 2)\n"
            "grad = tape.gradient(loss, layer.trainable_variables)\n",
            at=["5:8"],
            message="is regularized",
        ),
        # a step function whose caller passes a regularized Keras model
        Invalid(
            "import keras, tensorflow as tf\n"
            "def train_step(model, x, y):\n"
            "    with tf.GradientTape() as tape:\n"
            "        loss = tf.reduce_sum((model(x) - y) ** 2)\n"
            "    return tape.gradient(loss, model.trainable_variables)\n"
            "net = keras.Sequential([keras.layers.Dense(1, kernel_regularizer='l2')])\n"
            "train_step(net, x, y)\n",
            at=["5:12"],
            message="the model built at line 6 is regularized",
        ),
        # two models, one gradient over both; only one adds its losses
        Invalid(
            "import keras, tensorflow as tf\n"
            "encoder = keras.Sequential([keras.layers.Dense(4)])\n"
            "decoder = keras.Sequential([keras.layers.Dense(8)])\n"
            "with tf.GradientTape() as tape:\n"
            "    loss = mse(x, decoder(encoder(x))) + sum(encoder.losses)\n"
            "variables = encoder.trainable_variables + decoder.trainable_variables\n"
            "grads = tape.gradient(loss, variables)\n",
            at=["7:9"],
            message="`decoder`",
        ),
    ]

    def __init__(self, context) -> None:
        super().__init__(context)
        self._order = 0
        self._module = _Fn(name="<module>")
        self._fns: list[_Fn] = [self._module]
        self._all_fns: list[_Fn] = []
        self._classes: list[_Cls] = []
        self._all_classes: dict[str, _Cls] = {}
        self._tapes: list[_Tape] = []  # open tapes
        self._all_tapes: list[_Tape] = []
        self._grads: list[_Grad] = []
        self._builds: list[tuple[str, cst.Call, _Fn, int]] = []  # name = call
        self._reg_orders: list[int] = []
        self._open_calls: list[tuple[cst.Call, int]] = []
        self._call_spans: dict[int, tuple[int, int]] = {}  # id(call) -> (start, end)
        self._kinds: list[str] = []

    # --- traversal: scopes ----------------------------------------------------------
    @property
    def _fn(self) -> _Fn:
        return self._fns[-1]

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        cls = _Cls(node=node, name=node.name.value, bases=[a.value for a in node.bases])
        self._classes.append(cls)
        self._kinds.append("class")
        self._all_classes[cls.name] = cls

    def leave_ClassDef(self, original_node: cst.ClassDef) -> None:
        self._classes.pop()
        self._kinds.pop()

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        cls = self._classes[-1] if self._kinds and self._kinds[-1] == "class" else None
        params = [
            p.name.value
            for p in (*node.params.posonly_params, *node.params.params, *node.params.kwonly_params)
        ]
        fn = _Fn(node=node, name=node.name.value, cls=cls, parent=self._fn, params=params)
        if cls is not None:
            cls.methods.setdefault(fn.name, fn)
        self._fns.append(fn)
        self._kinds.append("fn")
        self._all_fns.append(fn)

    def leave_FunctionDef(self, original_node: cst.FunctionDef) -> None:
        self._fns.pop()
        self._kinds.pop()

    # --- traversal: tapes ------------------------------------------------------------
    def visit_With(self, node: cst.With) -> None:
        self._order += 1
        for item in node.items:
            call = item.item
            if not isinstance(call, cst.Call):
                continue
            callee = _dotted(call.func) or ""
            if callee.rsplit(".", 1)[-1] != "GradientTape":
                continue
            name = None
            if item.asname is not None and isinstance(item.asname.name, cst.Name):
                name = item.asname.name.value
            tape = _Tape(node=node, name=name, fn=self._fn, start=self._order)
            self._tapes.append(tape)
            self._all_tapes.append(tape)

    def leave_With(self, original_node: cst.With) -> None:
        self._order += 1
        while self._tapes and self._tapes[-1].node is original_node:
            self._tapes.pop().end = self._order

    # --- traversal: facts ------------------------------------------------------------
    def visit_Call(self, node: cst.Call) -> None:
        self._order += 1
        self._call_spans[id(node)] = (self._order, self._order)
        func = _dotted(node.func) if isinstance(node.func, (cst.Name, cst.Attribute)) else None
        if (
            func is None
            and isinstance(node.func, cst.Attribute)
            and isinstance(node.func.value, cst.Call)
            and _dotted(node.func.value.func) == "super"
        ):
            func = f"super().{node.func.attr.value}"
        args = [
            (a.keyword.value if a.keyword else None, _dotted(a.value))
            for a in node.args
            if a.star == ""
        ]
        fact = _CallFact(node, func, args, self._order)
        self._fn.calls.append(fact)
        for tape in self._tapes:
            tape.calls.append(fact)
        if func is not None and func.endswith(".gradient") and node.args and len(node.args) >= 2:
            target = keyword_arg(node, "sources")
            self._grads.append(
                _Grad(
                    node,
                    func[: -len(".gradient")],
                    (target or node.args[1]).value,
                    self._fn,
                    self._order,
                )
            )

    def leave_Call(self, original_node: cst.Call) -> None:
        start, _ = self._call_spans[id(original_node)]
        self._call_spans[id(original_node)] = (start, self._order)

    def visit_Attribute(self, node: cst.Attribute) -> None:
        if node.attr.value != "losses":
            return
        base = _dotted(node.value)
        if base is None:
            return
        self._order += 1
        self._fn.losses.append((base, self._order))
        for tape in self._tapes:
            tape.losses.append((base, self._order))

    def visit_Arg(self, node: cst.Arg) -> None:
        if (
            node.keyword is not None
            and node.keyword.value.endswith("_regularizer")
            and not is_none(node.value)
        ):
            self._order += 1
            self._reg_orders.append(self._order)
            for fn in self._fns:
                fn.regularized = True
            for cls in self._classes:
                cls.regularized = True

    def visit_Assign(self, node: cst.Assign) -> None:
        for target in node.targets:
            self._assign(target.target, node.value)

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        if node.value is not None:
            self._assign(node.target, node.value)

    def _assign(self, target: cst.BaseExpression, value: cst.BaseExpression) -> None:
        self._order += 1
        if isinstance(target, cst.Name):
            self._fn.assigns.setdefault(target.value, []).append((value, self._order))
            if isinstance(value, cst.Call):
                self._builds.append((target.value, value, self._fn, self._order))
        elif (
            isinstance(target, cst.Attribute)
            and isinstance(target.value, cst.Name)
            and target.value.value == "self"
            and self._fn.cls is not None
        ):
            self._fn.cls.attrs.setdefault(target.attr.value, []).append(value)

    def visit_Return(self, node: cst.Return) -> None:
        if node.value is not None:
            self._fn.returns.append(node.value)

    # --- decision --------------------------------------------------------------------
    def leave_Module(self, original_node: cst.Module) -> None:
        if not self._grads:
            return
        reported: set[int] = set()
        for grad in self._grads:
            tape = self._tape_of(grad)
            if tape is None:
                continue
            for model in self._models_in(grad.target, grad.fn):
                verdict = self._verdict(model, grad, tape)
                if verdict is None:
                    continue
                node, message = verdict
                if id(node) not in reported:
                    reported.add(id(node))
                    self.report(node, message)
                break

    def _tape_of(self, grad: _Grad) -> _Tape | None:
        """The latest tape of that name opened in the same function before the call."""
        found = None
        for tape in self._all_tapes:
            if tape.name == grad.tape and tape.fn is grad.fn and tape.start < grad.order:
                found = tape
        return found

    # models named by a gradient target ---------------------------------------------------
    def _models_in(self, target: cst.BaseExpression, fn: _Fn, depth: int = 0) -> list[str]:
        if depth > 3:
            return []
        if isinstance(target, cst.Attribute) and target.attr.value in _VARIABLES:
            base = _dotted(target.value)
            return [base] if base else []
        if isinstance(target, (cst.List, cst.Tuple)):
            out = []
            for element in target.elements:
                value = element.value
                out += self._models_in(value, fn, depth + 1)
            return out
        if isinstance(target, cst.BinaryOperation) and isinstance(target.operator, cst.Add):
            return self._models_in(target.left, fn, depth + 1) + self._models_in(
                target.right, fn, depth + 1
            )
        if isinstance(target, cst.Call) and _dotted(target.func) == "list" and target.args:
            return self._models_in(target.args[0].value, fn, depth + 1)
        if isinstance(target, cst.Name):
            scope: _Fn | None = fn
            while scope is not None:
                if target.value in scope.assigns:
                    return self._models_in(scope.assigns[target.value][-1][0], scope, depth + 1)
                if target.value in scope.params:
                    return []
                scope = scope.parent
        return []

    # is it a Keras model? -------------------------------------------------------------------
    def _keras_class(self, cls: _Cls | None, seen: frozenset[str] = frozenset()) -> bool | None:
        """True: subclasses a Keras model; False: known not to; None: cannot tell."""
        if cls is None or cls.name in seen:
            return None
        answer: bool | None = False
        for base in cls.bases:
            written = _dotted(base) or ""
            symbol = self.context.imports.symbol(base)
            if symbol is not None:
                if symbol.module == "" and symbol.name in _KERAS_MODEL_CLASSES:
                    return True
                continue  # a Keras layer, metric, ...: not a model
            local = self._all_classes.get(written)
            if local is not None:
                verdict = self._keras_class(local, seen | {cls.name})
                if verdict:
                    return True
                if verdict is None:
                    answer = None
            elif written.rsplit(".", 1)[-1] not in ("Module", "object", ""):
                answer = None  # an imported base we cannot see
        return answer

    def _build_of_call(self, call: cst.Call, scope: _Fn, depth: int = 0) -> _Build | bool | None:
        """A :class:`_Build` when ``call`` makes a Keras model, False when it makes
        something known not to be one, None when it cannot tell."""
        symbol = called_symbol(self.context.imports, call)
        if symbol is not None:
            if symbol.is_model_factory:
                return _Build(
                    call,
                    self._call_regularized(call)
                    or scope.regularized
                    or (scope.node is None and bool(self._reg_orders)),
                )
            if symbol.is_layer:
                # A lone layer differentiated by hand (the autodiff guides) is
                # not a model's training step, unless its own penalty is dropped.
                return _Build(call, True) if self._call_regularized(call) else False
            return None
        callee = _dotted(call.func) if isinstance(call.func, (cst.Name, cst.Attribute)) else None
        if callee is None:
            return None
        if callee in self._all_classes:
            cls = self._all_classes[callee]
            verdict = self._keras_class(cls)
            if verdict:
                return _Build(call, self._class_regularized(cls))
            return False if verdict is False else None
        if callee.rsplit(".", 1)[-1] in ("Variable", "Module"):
            return False
        helper = self._function(callee)
        if helper is not None and depth < 1:
            for value in helper.returns:
                found = self._build_of_expr(value, helper, depth + 1)
                if isinstance(found, _Build):
                    return _Build(call, found.regularized or helper.regularized)
        return None

    def _build_of_expr(
        self, expr: cst.BaseExpression, scope: _Fn, depth: int = 0
    ) -> _Build | bool | None:
        if isinstance(expr, cst.Call):
            return self._build_of_call(expr, scope, depth)
        if isinstance(expr, cst.Name) and expr.value in scope.assigns:
            for value, _ in reversed(scope.assigns[expr.value]):
                if isinstance(value, cst.Call):
                    found = self._build_of_call(value, scope, depth)
                    if found is not None:
                        return found
        return None

    def _call_regularized(self, call: cst.Call) -> bool:
        start, end = self._call_spans.get(id(call), (0, -1))
        return any(start <= order <= end for order in self._reg_orders)

    def _class_regularized(self, cls: _Cls) -> bool:
        return cls.regularized or bool(self._reg_orders)

    def _function(self, callee: str, cls: _Cls | None = None) -> _Fn | None:
        if callee.startswith("self.") and cls is not None:
            return self._method(cls, callee[len("self.") :])
        for fn in self._all_fns:
            if fn.name == callee and fn.cls is None and fn.parent is self._module:
                return fn
        return None

    def _method(self, cls: _Cls, name: str, seen: frozenset[str] = frozenset()) -> _Fn | None:
        if name in cls.methods:
            return cls.methods[name]
        for base in cls.bases:
            local = self._all_classes.get(_dotted(base) or "")
            if local is not None and local.name not in seen:
                found = self._method(local, name, seen | {cls.name})
                if found is not None:
                    return found
        return None

    def _model(self, model: str, grad: _Grad, tape: _Tape) -> tuple[bool, _Build | None] | None:
        """Whether ``model`` is a Keras model: None if not, else (certain, build)."""
        fn = grad.fn
        cls = self._enclosing_class(fn)
        if model == "self":
            verdict = self._keras_class(cls)
            if verdict:
                return True, _Build(cls.node, self._class_regularized(cls))
            if (
                verdict is None
                and cls is not None
                and fn.name == "train_step"
                and self._called_in(tape, "self", cls)
            ):
                return False, None
            return None
        if model.startswith("self."):
            if cls is None:
                return None
            attr = model[len("self.") :]
            for value in cls.attrs.get(attr, []):
                method = cls.methods.get("__init__") or fn
                found = self._build_of_expr(value, method)
                if isinstance(found, _Build):
                    return True, found
                if found is False:
                    return None
            if self._keras_class(cls) or self._called_in(tape, model, cls):
                return False, None
            return None
        if "." in model:
            return None
        # a plain name: a local assignment, else a module-level one, else a parameter
        scope: _Fn | None = fn
        while scope is not None:
            if model in scope.params:
                passed = self._passed_to(scope, model)
                if isinstance(passed, _Build):
                    return True, passed
                if passed is False:
                    return None
                break
            if model in scope.assigns:
                found = self._build_of_expr(cst.Name(model), scope)
                if isinstance(found, _Build):
                    return True, found
                if found is False:
                    return None
                break
            scope = scope.parent
        if self._called_in(tape, model, cls):
            return False, None
        return None

    def _passed_to(self, fn: _Fn, param: str) -> _Build | bool | None:
        """What the module's own calls of ``fn`` pass as ``param``.

        A :class:`_Build` when a call passes a Keras model, False when every
        call that can be read passes something known not to be one (an
        instance of a local ``tf.Module`` class), None when it cannot tell.
        """
        if fn.cls is not None or fn.parent is not self._module or param not in fn.params:
            return None
        index = fn.params.index(param)
        verdicts: list[_Build | bool | None] = []
        for scope in (self._module, *self._all_fns):
            for call in scope.calls:
                if call.func != fn.name:
                    continue
                args = [a for a in call.node.args if not a.star]
                positional = [a.value for a in args if a.keyword is None]
                expr = positional[index] if index < len(positional) else None
                expr = next((a.value for a in args if a.keyword and a.keyword.value == param), expr)
                if isinstance(expr, cst.Call):
                    verdicts.append(self._build_of_call(expr, scope))
                    continue
                if not isinstance(expr, cst.Name):
                    verdicts.append(None)
                    continue
                where: _Fn | None = scope
                while where is not None and expr.value not in where.assigns:
                    where = where.parent
                verdicts.append(None if where is None else self._build_of_expr(expr, where))
        for verdict in verdicts:
            if isinstance(verdict, _Build):
                return verdict
        if verdicts and all(v is False for v in verdicts):
            return False
        return None

    def _enclosing_class(self, fn: _Fn | None) -> _Cls | None:
        while fn is not None:
            if fn.cls is not None:
                return fn.cls
            fn = fn.parent
        return None

    def _called_in(
        self, facts: _Facts, model: str, cls: _Cls | None = None, depth: int = 0
    ) -> bool:
        """``model(...)`` or ``model.call(...)`` runs here or in a helper it is passed to."""
        for call in facts.calls:
            if call.func == model or call.func == f"{model}.call":
                return True
            if depth < _MAX_HELPER_DEPTH and call.func is not None:
                helper = self._function(call.func, cls)
                if helper is not None and self._helper_does(
                    helper, call, model, cls, depth, lambda m, f, c, d: self._called_in(f, m, c, d)
                ):
                    return True
        return False

    # do its losses reach the loss? ----------------------------------------------------------
    def _used(self, model: str, facts: _Facts, cls: _Cls | None, depth: int = 0) -> bool:
        for call in facts.calls:
            if call.func is not None and (call.func == model or call.func.startswith(model + ".")):
                return True
            if any(value is not None and _covers(model, value) for _, value in call.args):
                return True
            if depth < _MAX_HELPER_DEPTH and call.func is not None:
                helper = self._function(call.func, cls)
                if helper is not None and self._helper_does(
                    helper, call, model, cls, depth, self._used
                ):
                    return True
        return False

    def _reaches(self, model: str, facts: _Facts, cls: _Cls | None, depth: int = 0) -> bool:
        if any(_covers(base, model) for base, _ in facts.losses):
            return True
        for call in facts.calls:
            if call.func is None:
                continue
            owner, _, method = call.func.rpartition(".")
            if method == "compute_loss" and owner and _covers(owner, model):
                override = (
                    self._method(cls, "compute_loss")
                    if (owner == "self" and cls is not None)
                    else None
                )
                if (
                    override is None
                    or any(
                        c.func == "super().compute_loss" or (c.func or "").endswith(".compute_loss")
                        for c in override.calls
                    )
                    or any(_covers(b, "self") for b, _ in override.losses)
                ):
                    return True
                continue
            if depth < _MAX_HELPER_DEPTH:
                helper = self._function(call.func, cls)
                if helper is not None and self._helper_does(
                    helper, call, model, cls, depth, self._reaches
                ):
                    return True
        return False

    def _helper_does(
        self, helper: _Fn, call: _CallFact, model: str, cls: _Cls | None, depth: int, check
    ) -> bool:
        """Map ``model`` to the helper's own name for it, then ask ``check``."""
        params = list(helper.params)
        if helper.cls is not None and params and call.func and call.func.startswith("self."):
            params = params[1:]
        names = []
        position = 0
        for keyword, value in call.args:
            if keyword is None:
                param = params[position] if position < len(params) else None
                position += 1
            else:
                param = keyword if keyword in params else None
            if param is None or value is None:
                continue
            if value == model:
                names.append(param)
            elif model.startswith(value + "."):
                names.append(param + model[len(value) :])
        if model.split(".")[0] not in helper.params or model.startswith("self"):
            names.append(model)  # a global model, or self in a method
        return any(check(name, helper, helper.cls or cls, depth + 1) for name in names)

    def _verdict(self, model: str, grad: _Grad, tape: _Tape) -> tuple[cst.CSTNode, str] | None:
        known = self._model(model, grad, tape)
        if known is None:
            return None
        _, build = known
        cls = self._enclosing_class(grad.fn)
        if not self._used(model, tape, cls):
            return None
        if self._reaches(model, tape, cls):
            return None
        node: cst.CSTNode = grad.node
        shown = f"`{model}`"
        if build is not None and build.regularized:
            line = self._line(build.node)
            what = f"the model built at line {line} is regularized: its penalty is dropped"
        elif build is None and self._reg_orders:
            what = "a regularizer is visible in this module: the model's penalty is dropped"
        else:
            what = "no regularizer is visible; any you add will be dropped here"
        before = [
            o
            for b, o in grad.fn.losses
            if _covers(b, model)
            and o < tape.start
            and not any(t.start <= o <= t.end for t in self._all_tapes)
        ]
        if before:
            message = (
                f"{shown}.losses is read before the tape opens: the loss value "
                "includes the penalty but its gradient is zero; read it inside the "
                f"`with GradientTape()` block ({what})"
            )
            return node, message
        loss_call = self._loss_call(tape, model)
        if loss_call is not None:
            fact, fix = loss_call
            return fact.node, (
                f"`{fact.func}(...)` in a custom `train_step` leaves out "
                f"the regularization losses; {fix} ({what})"
            )
        return node, (
            f"the gradient of a custom training step is taken for {shown}'s "
            "variables but its `.losses` never reach the loss inside the tape: "
            f"the regularization penalty does not train ({what}); add "
            f"`sum({model}.losses)` to the loss inside the tape"
        )

    @staticmethod
    def _loss_call(tape: _Tape, model: str) -> tuple[_CallFact, str] | None:
        if model != "self":
            return None
        for call in tape.calls:
            if call.func == "self.compiled_loss":
                reg = keyword_arg(call.node, "regularization_losses")
                if reg is None or is_none(reg.value):
                    return call, (
                        "pass `regularization_losses=self.losses` (Keras 2) or "
                        "use `self.compute_loss(...)` (Keras 3)"
                    )
            elif call.func == "self.loss":
                return call, (
                    "use `self.compute_loss(x=x, y=y, y_pred=y_pred)`, "
                    "which adds them, or add `sum(self.losses)`"
                )
        return None

    def _line(self, node: cst.CSTNode) -> int | str:
        if self.context.module is None:
            return "?"
        return self.context.line_of(node)
