"""The semantic model of a module: scopes, bindings, shadowing (see :mod:`.scopes`)."""

from .scopes import Binding, Scope, SemanticModel

__all__ = ["Binding", "Scope", "SemanticModel"]
