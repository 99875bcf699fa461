"""reglint: make sure Keras models are really regularized.

The public API is imported lazily: ``import reglint`` stays cheap, and only
the auditor's functions import TensorFlow, when they are called.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"
__all__ = ["Policy", "__version__", "audit_model", "audit_path", "lint_source"]

if TYPE_CHECKING:
    from .api import lint_source
    from .audit.api import audit_model, audit_path
    from .policy import Policy

_LAZY = {
    "lint_source": "reglint.api",
    "audit_model": "reglint.audit.api",
    "audit_path": "reglint.audit.api",
    "Policy": "reglint.policy",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'reglint' has no attribute {name!r}")
