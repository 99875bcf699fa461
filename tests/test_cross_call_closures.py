"""Helpers that return the function that builds the layer, written the way
keras_applications-style libraries write them (segmentation_models): the
submodules come from ``get_submodules_from_kwargs``, ``**kwargs`` from a
function returning a dict, and the layer is built in a closure (issue 9).
Through the real CLI, on a package."""

from __future__ import annotations

import json

from reglint_testing import run_reglint, write_project

BLOCKS = """\
from keras_applications import get_submodules_from_kwargs


def Conv2dBn(filters, kernel_size, kernel_regularizer=None, use_batchnorm=False, **kwargs):
    backend, layers, models, keras_utils = get_submodules_from_kwargs(kwargs)

    def wrapper(input_tensor):
        x = layers.Conv2D(filters, kernel_size, kernel_regularizer=kernel_regularizer)(
            input_tensor
        )
        if use_batchnorm:
            x = layers.BatchNormalization()(x)
        return x

    return wrapper
"""
UNET = """\
import tensorflow as tf

from ._blocks import Conv2dBn

backend = tf.keras.backend
layers = tf.keras.layers


def get_submodules():
    return {"backend": backend, "layers": layers, "models": tf.keras.models, "utils": None}


def Conv3x3BnReLU(filters, use_batchnorm, name=None):
    kwargs = get_submodules()

    def wrapper(input_tensor):
        return Conv2dBn(filters, kernel_size=3, use_batchnorm=use_batchnorm, **kwargs)(
            input_tensor
        )

    return wrapper


def Regularized(filters):
    kwargs = get_submodules()

    def wrapper(input_tensor):
        reg = tf.keras.regularizers.L2(1e-4)
        return Conv2dBn(filters, 3, kernel_regularizer=reg, **kwargs)(input_tensor)

    return wrapper


def Rebound(filters):
    kwargs = get_submodules()

    def wrapper(input_tensor):
        nonlocal kwargs
        kwargs = dict(kwargs, kernel_regularizer=tf.keras.regularizers.L2(1e-4))
        return Conv2dBn(filters, 3, **kwargs)(input_tensor)

    return wrapper
"""


def test_a_closure_helper_called_with_a_dict_of_submodules(tmp_path):
    write_project(tmp_path, {"segm/_blocks.py": BLOCKS, "segm/unet.py": UNET})
    result = run_reglint("check", "--no-cache", "--output-format", "json", ".", cwd=tmp_path)
    assert result.returncode == 1, result.stderr
    found = [
        (f["filename"], f["location"]["row"], f["code"], [r["location"] for r in f["related"]])
        for f in json.loads(result.stdout)
    ]
    # Only the call that leaves ``kernel_regularizer`` to its default: ``Regularized``
    # passes one; ``Rebound`` rebinds ``kwargs`` (``nonlocal``), so it stays unknown.
    assert found == [("segm/unet.py", 17, "RL001", [{"row": 8, "column": 13}])], found
    message = json.loads(result.stdout)[0]["message"]
    assert message.startswith("`Conv2dBn(...)` builds `Conv2D` without `kernel_regularizer`")
