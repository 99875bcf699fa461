"""RL006's examples: each VALID must raise nothing, each INVALID must report
(``tests/test_rule_examples.py`` runs them; those across modules are in
``tests/test_rl006_across_calls.py``)."""

from __future__ import annotations

from ...rule import Invalid, Valid

VALID: list[Valid] = [
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
    # variables passed into the function that takes the gradient; the loss adds the losses
    Valid(
        "import keras, tensorflow as tf\n"
        "def backprop(x, y, variables):\n"
        "    with tf.GradientTape() as t:\n"
        "        loss = loss_fn(y, model(x)) + tf.add_n(model.losses)\n"
        "    return t.gradient(loss, variables)\n"
        "model = keras.Sequential([keras.layers.Dense(1)])\n"
        "backprop(x, y, model.trainable_variables)\n"
    ),
    # ... or plain variables, not a model's
    Valid(
        "import keras, tensorflow as tf\n"
        "def backprop(net, x, y, variables):\n"
        "    with tf.GradientTape() as t:\n"
        "        loss = loss_fn(y, net(x))\n"
        "    return t.gradient(loss, variables)\n"
        "w = tf.Variable(1.0)\n"
        "backprop(lambda x: x * w, x, y, [w])\n"
    ),
    # an ordinary method named compute_loss, of a class that is not a Keras model
    Valid(
        "import keras, tensorflow as tf\n"
        "class Trainer:\n"
        "    def __init__(self):\n"
        "        self.model = keras.Sequential([keras.layers.Dense(1)])\n"
        "    def compute_loss(self, x, y):\n"
        "        return loss_fn(y, self.model(x)) + sum(self.model.losses)\n"
        "    def step(self, x, y):\n"
        "        with tf.GradientTape() as tape:\n"
        "            loss = self.compute_loss(x, y)\n"
        "        return tape.gradient(loss, self.model.trainable_variables)\n"
    ),
    # optimizer.minimize(loss, var_list, tape=tape) with the losses in the loss
    Valid(
        "import tensorflow as tf\n"
        "model = tf.keras.Sequential([tf.keras.layers.Dense(1)])\n"
        "with tf.GradientTape() as tape:\n"
        "    loss = loss_fn(y, model(x)) + tf.add_n(model.losses)\n"
        "opt.minimize(loss, model.trainable_variables, tape=tape)\n"
    ),
]
INVALID: list[Invalid] = [
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
    # variables passed into the function that takes the gradient
    Invalid(
        "import keras, tensorflow as tf\n"
        "def backprop(x, y, variables):\n"
        "    with tf.GradientTape() as t:\n"
        "        loss = loss_fn(y, model(x))\n"
        "    return t.gradient(loss, variables)\n"
        "model = keras.Sequential([keras.layers.Dense(1)])\n"
        "backprop(x, y, model.trainable_variables)\n",
        at=["5:12"],
        message="`model`'s variables",
    ),
    Invalid(
        "import keras, tensorflow as tf\n"
        "def backprop(net, x, y, variables):\n"
        "    with tf.GradientTape() as t:\n"
        "        loss = loss_fn(y, net(x))\n"
        "    return t.gradient(loss, variables)\n"
        "def fit(data):\n"
        "    model = keras.Sequential([keras.layers.Dense(1, kernel_regularizer='l2')])\n"
        "    for x, y in data:\n"
        "        backprop(model, x, y, variables=model.trainable_weights)\n",
        at=["5:12"],
        message="the model built at line 7 is regularized",
    ),
    # an ordinary method named compute_loss that does not add them
    Invalid(
        "import keras, tensorflow as tf\n"
        "class Trainer:\n"
        "    def __init__(self):\n"
        "        self.model = keras.Sequential([keras.layers.Dense(1)])\n"
        "    def compute_loss(self, x, y):\n"
        "        return loss_fn(y, self.model(x))\n"
        "    def step(self, x, y):\n"
        "        with tf.GradientTape() as tape:\n"
        "            loss = self.compute_loss(x, y)\n"
        "        return tape.gradient(loss, self.model.trainable_variables)\n",
        at=["10:16"],
        message="`self.model`",
    ),
    # optimizer.minimize(loss, var_list, tape=tape): the gradient step is there
    Invalid(
        "import tensorflow as tf\n"
        "model = tf.keras.Sequential([tf.keras.layers.Dense(1)])\n"
        "with tf.GradientTape() as tape:\n"
        "    loss = loss_fn(y, model(x))\n"
        "opt.minimize(loss, model.trainable_variables, tape=tape)\n",
        at=["5:1"],
        message="`model`",
    ),
    # a model made by a factory function (two calls deep), used only through a helper
    Invalid(
        "import keras, tensorflow as tf\n"
        "def make(units):\n"
        "    return keras.Sequential([keras.layers.Dense(units, kernel_regularizer='l2')])\n"
        "def build_model():\n"
        "    net = make(4)\n"
        "    return net\n"
        "model = build_model()\n"
        "with tf.GradientTape() as tape:\n"
        "    loss = forward_loss(model, x, y)\n"
        "grads = tape.gradient(loss, model.trainable_variables)\n",
        at=["10:9"],
        message="the model built at line 7 is regularized",
    ),
    # one gradient over two networks: the message names both
    Invalid(
        "import tensorflow as tf\n"
        "from tensorflow import keras\n"
        "def train_step(generator, discriminator, noise):\n"
        "    with tf.GradientTape() as tape:\n"
        "        fake = generator(noise, training=True)\n"
        "        loss = gan_loss(discriminator(fake, training=True))\n"
        "    variables = generator.trainable_variables + discriminator.trainable_variables\n"
        "    return tape.gradient(loss, variables)\n",
        at=["8:12"],
        message="the variables of `generator` and `discriminator`",
    ),
]
