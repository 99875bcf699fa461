"""RL010 mixed-keras-flavors: what the rule is, without libcst.

The check and its examples are in :mod:`.rule`.
"""

from __future__ import annotations

import ast

from ... import catalog
from ...candidates import ModuleFacts, Options, iter_nodes
from ...rule_info import RuleInfo
from ...triggers import Literals, Pattern

_LEGACY_ENV = catalog.LEGACY_KERAS_ENV


def mixed_keras_flavors(tree: ast.Module, f: ModuleFacts, options: Options) -> bool:
    """RL010: objects of Keras 2 and of Keras 3. Every resolved name starts with
    an imported module's top name. Keras 3 comes from ``keras``/``keras_core``,
    or ``tf.keras`` (``tensorflow``); Keras 2 from ``tf_keras``, a
    ``tensorflow...python...keras`` path, or ``tf.keras`` under the variable."""
    roots = f.import_roots
    tensorflow = "tensorflow" in roots
    if not (tensorflow or "keras" in roots or "keras_core" in roots):
        return False
    if "tf_keras" in roots:
        return True
    text = f.source
    legacy_env = text is None or _LEGACY_ENV in text  # a string or keyword names it verbatim
    return tensorflow and ((legacy_env and _names_legacy_env(tree)) or _python_keras(tree))


def _names_legacy_env(tree: ast.Module) -> bool:
    """The variable's name as a string or a keyword (``os.environ.update(X=...)``)."""
    for node in iter_nodes(tree):
        if isinstance(node, ast.Constant) and node.value == _LEGACY_ENV:
            return True
        if isinstance(node, ast.keyword) and node.arg == _LEGACY_ENV:
            return True
    return False


def _python_keras(tree: ast.Module) -> bool:
    """A path through ``python`` to ``keras`` (``tensorflow.python.keras``): in
    an import, or an attribute ``keras`` reached through ``.python`` or through
    a name imported from a ``python`` path."""
    through_python: set[str] = set()
    attributes: list[ast.Attribute] = []
    for node in iter_nodes(tree):
        if isinstance(node, ast.Attribute):
            if node.attr == "keras":
                attributes.append(node)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            module = (node.module or "") if isinstance(node, ast.ImportFrom) else ""
            for alias in node.names:
                parts = [*module.split("."), *alias.name.split(".")]
                if "python" in parts:
                    if "keras" in parts[parts.index("python") :]:
                        return True
                    through_python.add(alias.asname or alias.name.partition(".")[0])
    for attribute in attributes:
        value: ast.expr = attribute.value
        while isinstance(value, ast.Attribute):
            if value.attr == "python":
                return True
            value = value.value
        if isinstance(value, ast.Name) and value.id in through_python:
            return True
    return False


INFO = RuleInfo(
    code="RL010",
    name="mixed-keras-flavors",
    summary="one module builds layers or models from both Keras 2 (tf_keras) and Keras 3",
    # tf_keras, TF_USE_LEGACY_KERAS, or "python" as in `.python`, `python as`,
    # `python,` or an import's last name; each alternative starts with a literal
    # and checks what precedes "python" by a lookbehind, so `re` scans for
    # literals (eight times faster than `\.python|\bpython...`).
    trigger=Literals("tf_keras", "TF_USE_LEGACY_KERAS")
    | Pattern(
        r"(?m)python(?:(?<=\.python)\b|(?<!\wpython)\s*(?:as\b|[,)\\#;])|(?<![\w`]python)[ \t]*$)",
        literal="python",
    ),
    candidates=mixed_keras_flavors,
)
