"""Load a saved model with the Keras that wrote it, safely.

Keras 3 artifacts load in this process. Keras 2 (tf_keras) artifacts need
``TF_USE_LEGACY_KERAS=1`` set before TensorFlow is imported, so
:mod:`reglint.audit.api` sends them to a worker process (:mod:`.worker`).
"""

from __future__ import annotations

import importlib.util
import logging
import os
import re
import sys
import tempfile
import warnings
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any

from ..catalog import uses_legacy_keras
from .stored_config import KERAS2, KERAS3, StoredModel


class LoadError(Exception):
    """The artifact could not be loaded; the message is one line."""


#: Start-up lines TensorFlow's C++ side writes to fd 2 whatever TF_CPP_MIN_LOG_LEVEL says.
_TF_LOG_LINE = re.compile(
    r"^([IWEF]\d{4} |WARNING: All log messages before absl|To enable the following instructions"
    r"|.*(cudart_stub|cuda_|port\.cc|cpu_feature_guard|absl::))"
)
_verbose = False


def set_verbose(verbose: bool) -> None:
    """The CLI's choice: quiet (TF, absl and h5py Python loggers at ERROR) or ``-v``.

    ``-v`` leaves TensorFlow's own logging alone.
    """
    global _verbose
    _verbose = verbose
    if not verbose:
        for name in ("absl", "tensorflow", "h5py"):
            logging.getLogger(name).setLevel(logging.ERROR)


def is_verbose() -> bool:
    return _verbose


def quiet_tensorflow() -> None:
    """Import TensorFlow without its C++/absl log lines on the terminal (unless verbose).

    TF 2.21 prints oneDNN/CPU/CUDA notices through absl while it is imported, even
    with ``TF_CPP_MIN_LOG_LEVEL=3``; so fd 2 goes to a temporary file during the
    import and only lines that are not such log lines are written back. A user's
    ``KERAS_BACKEND`` is kept: on another backend (JAX) TensorFlow is not imported.
    """
    from .backend import uses_tensorflow

    os.environ.setdefault("KERAS_BACKEND", "tensorflow")
    if _verbose or not uses_tensorflow():
        return
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    if "tensorflow" not in sys.modules:
        _import_tensorflow_quietly()


def _import_tensorflow_quietly() -> None:
    try:
        sys.stderr.flush()
        saved = os.dup(2)
    except (OSError, ValueError):
        import tensorflow

        return
    with tempfile.TemporaryFile(mode="w+b") as sink:
        os.dup2(sink.fileno(), 2)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                import tensorflow  # noqa: F401
        finally:
            sys.stderr.flush()
            os.dup2(saved, 2)
            os.close(saved)
            sink.seek(0)
            rest = [
                line
                for line in sink.read().decode("utf-8", "replace").splitlines()
                if line.strip() and not _TF_LOG_LINE.match(line)
            ]
            if rest:
                sys.stderr.write("\n".join(rest) + "\n")


def keras_module(flavor: str) -> ModuleType:
    """``keras`` (Keras 3) or ``tf_keras`` (Keras 2), imported on demand."""
    quiet_tensorflow()
    if flavor == KERAS2:
        import tf_keras

        return tf_keras
    import keras

    from .backend import keep_tensorflow_out

    keep_tensorflow_out()
    return keras


def tf_keras_available() -> bool:
    return importlib.util.find_spec("tf_keras") is not None


def legacy_keras_active() -> bool:
    """Whether tf_keras can be used in this process (TF_USE_LEGACY_KERAS=1 before TF)."""
    return uses_legacy_keras(os.environ)


def flavor_of(model: Any) -> str:
    return KERAS2 if type(model).__module__.startswith("tf_keras") else KERAS3


@dataclass
class LoadedModel:
    model: Any
    keras: ModuleType
    flavor: str
    compiled: bool
    notes: list[str] = field(default_factory=list)


def one_line(e: BaseException, limit: int = 300) -> str:
    """``Type: message`` on one line, without ANSI codes (Keras bolds its messages)."""
    from .report import clean_text

    text = " ".join(clean_text(str(e)).split()) or type(e).__name__
    if len(text) > limit:
        text = text[: limit - 3] + "..."
    return f"{type(e).__name__}: {text}"


def load_model(stored: StoredModel, unsafe: bool = False) -> LoadedModel:
    """Load ``stored`` (already checked by :mod:`.safety`) for inspection and training.

    Tries ``compile=True`` first to get the model's own loss; an ``.h5`` saved
    after ``compile(loss="mse")`` loads in Keras 3 only with ``compile=False``
    (keras-facts.md §6), so that is the fallback.
    """
    flavor = stored.flavor or KERAS3
    keras = keras_module(flavor)
    kwargs: dict[str, Any] = {}
    if flavor == KERAS3 or stored.format == "keras":
        kwargs["safe_mode"] = not unsafe
    notes: list[str] = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            model = keras.models.load_model(stored.path, compile=True, **kwargs)
            compiled = getattr(model, "optimizer", None) is not None and _has_loss(model)
        except Exception as first:
            try:
                model = keras.models.load_model(stored.path, compile=False, **kwargs)
            except Exception as e:
                raise LoadError(f"cannot load model: {one_line(e)}") from None
            compiled = False
            notes.append(f"loaded without its training config ({one_line(first, 120)})")
    return LoadedModel(model, keras, flavor, compiled, notes)


def _has_loss(model: Any) -> bool:
    return (
        getattr(model, "loss", None) is not None
        or getattr(model, "compiled_loss", None) is not None
    )
