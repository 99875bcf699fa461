"""Read a saved model's stored Keras config without importing TensorFlow.

The format is decided by content, not by file name: a zip with ``config.json``
is a ``.keras`` archive, an HDF5 signature is an ``.h5``, a directory with
``saved_model.pb`` is a SavedModel (a tf_keras one when it carries
``keras_metadata.pb``, an inference-only export otherwise).
"""

from __future__ import annotations

import json
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

KERAS3 = "keras3"
KERAS2 = "keras2"

ZIP_MAGIC = b"PK\x03\x04"
HDF5_MAGIC = b"\x89HDF\r\n\x1a\n"


class ArtifactError(Exception):
    """The path is not a readable Keras artifact; the message is one line."""


@dataclass
class StoredModel:
    """What the artifact says about itself, before anything is loaded."""

    path: str
    format: str  # "keras", "h5", "savedmodel" (tf_keras) or "export" (inference-only)
    flavor: str | None  # KERAS3, KERAS2, or None when unknown (export)
    keras_version: str | None
    config: dict[str, Any] | None  # the model's {"class_name", "config"} dict
    training_config: dict[str, Any] | None = None
    #: Every layer config found (SavedModel: one per node), for the safety scan.
    extra_configs: list[Any] = field(default_factory=list)


def read_stored_model(path: str | Path) -> StoredModel:
    """Detect the format of ``path`` by content and read its stored config."""
    p = Path(path)
    if not p.exists():
        raise ArtifactError("no such file or directory")
    if p.is_dir():
        return _read_saved_model_dir(p)
    if p.name == "saved_model.pb":
        return _read_saved_model_dir(p.parent)
    try:
        with p.open("rb") as f:
            head = f.read(8)
    except OSError as e:
        raise ArtifactError(f"cannot read: {e.strerror or e}") from None
    if not head:
        raise ArtifactError("empty file")
    if head.startswith(ZIP_MAGIC) or (head[:2] == b"PK" and zipfile.is_zipfile(p)):
        return _read_keras_zip(p)
    if head == HDF5_MAGIC:
        return _read_h5(p)
    raise ArtifactError(
        "not a Keras model: unrecognised content (expected a .keras zip archive, "
        "an HDF5 .h5 file or a SavedModel directory)"
    )


def _flavor(version: str | None, module: str | None = None) -> str:
    if (module or "").startswith("tf_keras") or (version or "").startswith("2."):
        return KERAS2
    return KERAS3


def _read_keras_zip(p: Path) -> StoredModel:
    try:
        with zipfile.ZipFile(p) as z:
            names = set(z.namelist())
            if "config.json" not in names:
                raise ArtifactError("zip archive without config.json: not a .keras model")
            config = json.loads(z.read("config.json"))
            meta = json.loads(z.read("metadata.json")) if "metadata.json" in names else {}
            if z.testzip() is not None:
                raise ArtifactError("corrupt .keras archive (CRC error)")
    except ArtifactError:
        raise
    except (zipfile.BadZipFile, EOFError, OSError) as e:
        raise ArtifactError(f"corrupt or truncated .keras archive: {e}") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        raise ArtifactError(f"unreadable config.json in .keras archive: {e}") from None
    if not isinstance(config, dict):
        raise ArtifactError("config.json is not a model config")
    version = meta.get("keras_version")
    return StoredModel(str(p), "keras", _flavor(version, config.get("module")), version, config)


def _attr_text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bytes):
        return value.decode("utf-8")
    return str(value)


def _read_h5(p: Path) -> StoredModel:
    import h5py  # no TensorFlow; part of the audit extra

    try:
        with h5py.File(p, "r") as f:
            attrs = dict(f.attrs)
    except OSError as e:
        raise ArtifactError(f"corrupt or truncated HDF5 file: {e}") from None
    raw = _attr_text(attrs.get("model_config"))
    if raw is None:
        raise ArtifactError("HDF5 file without a Keras model_config (a weights-only file?)")
    try:
        config = json.loads(raw)
        training = (
            json.loads(_attr_text(attrs["training_config"])) if "training_config" in attrs else None
        )
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        raise ArtifactError(f"unreadable model_config in HDF5 file: {e}") from None
    version = _attr_text(attrs.get("keras_version"))
    return StoredModel(str(p), "h5", _flavor(version), version, config, training)


def _read_saved_model_dir(p: Path) -> StoredModel:
    if not ((p / "saved_model.pb").is_file() or (p / "saved_model.pbtxt").is_file()):
        raise ArtifactError("directory is not a SavedModel (no saved_model.pb)")
    meta = p / "keras_metadata.pb"
    if not meta.is_file():
        return StoredModel(str(p), "export", None, None, None)
    try:
        nodes = parse_keras_metadata(meta.read_bytes())
    except (ValueError, UnicodeDecodeError) as e:
        raise ArtifactError(f"corrupt keras_metadata.pb: {e}") from None
    root = next((n for n in nodes if n.get("node_path") == "root"), None)
    if root is None:
        raise ArtifactError("keras_metadata.pb has no root object")
    root_meta = root["metadata"]
    config = None
    if isinstance(root_meta.get("config"), dict) and "layers" in root_meta["config"]:
        config = {"class_name": root_meta.get("class_name"), "config": root_meta["config"]}
    version = root_meta.get("keras_version")
    training = root_meta.get("training_config")
    extra = [n["metadata"] for n in nodes]
    return StoredModel(str(p), "savedmodel", KERAS2, version, config, training, extra)


# --- keras_metadata.pb: a SavedMetadata protobuf, read with a minimal wire-format reader.
# message SavedMetadata { repeated SavedObject nodes = 1; }
# message SavedObject { int32 node_id = 2; string node_path = 3; string identifier = 4;
#                       string metadata = 5; VersionDef version = 6; }


def _varint(buf: bytes, i: int) -> tuple[int, int]:
    shift = result = 0
    while True:
        if i >= len(buf):
            raise ValueError("truncated varint")
        b = buf[i]
        i += 1
        result |= (b & 0x7F) << shift
        if not b & 0x80:
            return result, i
        shift += 7
        if shift > 63:
            raise ValueError("varint too long")


def _fields(buf: bytes):
    i = 0
    while i < len(buf):
        key, i = _varint(buf, i)
        number, wire = key >> 3, key & 7
        if wire == 0:
            value, i = _varint(buf, i)
        elif wire == 2:
            n, i = _varint(buf, i)
            if i + n > len(buf):
                raise ValueError("truncated field")
            value, i = buf[i : i + n], i + n
        elif wire == 1:
            value, i = buf[i : i + 8], i + 8
        elif wire == 5:
            value, i = buf[i : i + 4], i + 4
        else:
            raise ValueError(f"unsupported wire type {wire}")
        yield number, value


def parse_keras_metadata(data: bytes) -> list[dict[str, Any]]:
    """The nodes of a ``keras_metadata.pb``: ``node_path``, ``identifier``, ``metadata``."""
    nodes = []
    for number, value in _fields(data):
        if number != 1 or not isinstance(value, bytes):
            continue
        node: dict[str, Any] = {"metadata": {}}
        for n, v in _fields(value):
            if n == 3:
                node["node_path"] = v.decode("utf-8")
            elif n == 4:
                node["identifier"] = v.decode("utf-8")
            elif n == 5 and v:
                try:
                    node["metadata"] = json.loads(v.decode("utf-8"))
                except json.JSONDecodeError as e:
                    raise ValueError(f"metadata of {node.get('node_path')}: {e}") from None
        nodes.append(node)
    return nodes
