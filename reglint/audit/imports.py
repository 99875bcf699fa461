"""``--import MODULE_OR_PATH.py``: run the user's code so its custom Keras classes register.

``keras.saving.register_keras_serializable`` registers a class when its module
is imported, and a saved model that uses a custom layer or a subclassed model
loads only after that. Importing runs the user's code, so it is opt-in, like
``--unsafe``. The tf_keras worker process imports the same code again.
"""

from __future__ import annotations

import importlib
import importlib.util
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from .layer_configs import iter_layer_configs, walk_objects

#: Model containers whose config lists their layers (not custom classes).
_CONTAINERS = ("Functional", "Sequential", "Model")

_done: set[tuple[str, str]] = set()


class ImportFailure(Exception):
    """A user module could not be imported; the message is one line naming it."""


def import_user_code(specs: Sequence[str], root: str | os.PathLike[str] | None = None) -> None:
    """Import each module name or ``.py`` path, once per process.

    A module name is imported with ``root`` (the project root, default the
    working directory) and the working directory on ``sys.path``, as pytest does
    with its rootdir; a ``.py`` path is loaded from its file and registered in
    ``sys.modules`` under its stem, so that pickling and ``module``-based
    lookups find it.
    """
    from .loading import quiet_tensorflow

    base = Path(root) if root is not None else Path.cwd()
    if any(key not in _done for key in ((str(base), s) for s in specs)):
        quiet_tensorflow()  # the user's code imports TensorFlow: without its log lines
    for spec in specs:
        key = (str(base), spec)
        if key in _done:
            continue
        try:
            if spec.endswith(".py"):
                _import_file(base / spec)
            else:
                _import_module(spec, base)
        except ImportFailure:
            raise
        except (Exception, SystemExit) as e:
            from .loading import one_line

            raise ImportFailure(f"cannot import {spec!r}: {one_line(e)}") from None
        _done.add(key)


def _import_module(name: str, base: Path) -> None:
    for entry in dict.fromkeys((str(base.absolute()), str(Path.cwd()))):
        if entry not in sys.path:
            sys.path.insert(0, entry)
    importlib.import_module(name)


def _import_file(path: Path) -> None:
    path = path.absolute()
    if not path.is_file():
        raise ImportFailure(f"cannot import {str(path)!r}: no such file")
    name = path.stem
    existing = sys.modules.get(name)
    if existing is not None:
        if Path(getattr(existing, "__file__", "") or "").absolute() == path:
            return
        raise ImportFailure(
            f"cannot import {str(path)!r}: the module name {name!r} is already taken "
            f"by {getattr(existing, '__file__', None) or 'a built-in module'}"
        )
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise ImportFailure(f"cannot import {str(path)!r}: not a Python module")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except BaseException:
        sys.modules.pop(name, None)
        raise


def missing_classes(config: Any, keras: Any) -> list[str]:
    """Custom classes the stored ``config`` names that ``keras`` cannot find.

    Read from the config (``registered_name``/``module`` in Keras 3,
    ``package>Name`` class names in tf_keras), not from Keras's error text.
    """
    names: list[str] = []
    for obj in walk_objects(config):
        name = _custom_name(obj)
        if name and name not in names and not _known(obj, name, keras):
            names.append(name)
    for _, layer in iter_layer_configs(config):
        cls = layer.get("class_name")
        if (
            isinstance(cls, str)
            and "module" not in layer
            and cls not in names
            and cls not in _CONTAINERS
            and not _builtin_keras2(cls, keras)
            and not _known(layer, cls, keras)
        ):
            names.append(cls)
    return names


def _custom_name(obj: dict[str, Any]) -> str | None:
    cls, module, registered = obj.get("class_name"), obj.get("module"), obj.get("registered_name")
    if isinstance(registered, str) and isinstance(module, str):
        if not module.startswith(("keras", "tf_keras", "builtins")):
            return registered
        return None
    if isinstance(cls, str) and ">" in cls:
        return cls
    return None


def _known(obj: dict[str, Any], name: str, keras: Any) -> bool:
    try:
        if keras.saving.get_registered_object(name) is not None:
            return True
    except Exception:
        pass
    module = sys.modules.get(str(obj.get("module")))
    return module is not None and hasattr(module, str(obj.get("class_name")))


def _builtin_keras2(cls: str, keras: Any) -> bool:
    return any(hasattr(getattr(keras, ns, None), cls) for ns in ("layers", "models"))


def missing_class_message(names: Sequence[str]) -> str:
    quoted = ", ".join(f"'{n}'" for n in names)
    what = "the custom class" if len(names) == 1 else "the custom classes"
    verb = "is" if len(names) == 1 else "are"
    return (
        f"model needs {what} {quoted} that {verb} not registered: "
        "pass --import MODULE (or [tool.reglint.audit] imports)"
    )
