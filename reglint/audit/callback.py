"""A Keras callback that audits the live model when ``fit()`` starts.

``RegularizationAudit`` derives from the Keras 3 callback and also answers the
hooks tf_keras's ``CallbackList`` asks for, so it works on both Kerases' models;
``tf_keras_callback()`` builds the same callback on tf_keras's base class.
Importing this module imports Keras.
"""

from __future__ import annotations

import warnings
from typing import Any

from .api import audit_model
from .report import AuditReport


class RegularizationError(AssertionError):
    """Raised at the start of ``fit()`` when the model fails the audit."""

    def __init__(self, report: AuditReport) -> None:
        super().__init__(report.summary())
        self.report = report


class _AuditMixin:
    def _setup(self, on_failure: str, options: dict[str, Any]) -> None:
        if on_failure not in ("raise", "warn"):
            raise ValueError(f"on_failure must be 'raise' or 'warn', not {on_failure!r}")
        self.on_failure = on_failure
        self.options = options
        self.report: AuditReport | None = None

    def on_train_begin(self, logs: dict[str, Any] | None = None) -> None:
        self.report = audit_model(self.model, **self.options)
        if self.report.passed:
            return
        if self.on_failure == "raise":
            raise RegularizationError(self.report)
        warnings.warn(self.report.summary(), stacklevel=2)

    def _implements_train_batch_hooks(self) -> bool:
        return False

    def _implements_test_batch_hooks(self) -> bool:
        return False

    def _implements_predict_batch_hooks(self) -> bool:
        return False


def _make(base: type) -> type:
    class RegularizationAudit(_AuditMixin, base):
        """Audit the model at the start of ``fit()``; fail fast or warn.

        ``on_failure``: ``"raise"`` (default: :class:`RegularizationError`) or
        ``"warn"``. Other keyword arguments go to :func:`reglint.audit_model`
        (``allow``, ``train``, ``steps``...). The report is kept in ``.report``.
        """

        def __init__(self, on_failure: str = "raise", **options: Any) -> None:
            base.__init__(self)
            self._setup(on_failure, options)

    return RegularizationAudit


def _keras3_base() -> type:
    import keras

    return keras.callbacks.Callback


RegularizationAudit = _make(_keras3_base())


def tf_keras_callback(on_failure: str = "raise", **options: Any) -> Any:
    """The same callback for a tf_keras (Keras 2) model."""
    import tf_keras

    return _make(tf_keras.callbacks.Callback)(on_failure, **options)
