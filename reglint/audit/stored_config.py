"""Read a saved model's stored Keras config without importing TensorFlow.

The format is decided by content, not by file name: a zip with ``config.json``
is a ``.keras`` archive, an HDF5 signature is an ``.h5``, a directory with
``saved_model.pb`` is a SavedModel (a tf_keras one when it carries
``keras_metadata.pb``, an inference-only export otherwise).
"""

from __future__ import annotations

import json
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..catalog import KERAS2, KERAS3

ZIP_MAGIC = b"PK\x03\x04"
HDF5_MAGIC = b"\x89HDF\r\n\x1a\n"

#: Largest stored config text reglint parses: ``config.json``/``metadata.json``
#: of a ``.keras``, the ``model_config``/``training_config`` of an ``.h5``,
#: a ``keras_metadata.pb``. Real ones are kilobytes to a few megabytes.
MAX_CONFIG_BYTES = 64 << 20
#: Largest total uncompressed size a ``.keras`` archive may declare (Keras
#: extracts its weights file when loading).
MAX_ARCHIVE_BYTES = 16 << 30
#: Most members a ``.keras`` archive may have (Keras writes three or four).
MAX_ARCHIVE_MEMBERS = 10_000
#: Highest compression ratio of a member larger than ``RATIO_MIN_BYTES``:
#: Keras weights deflate about 1.1:1 and configs about 10:1, a zip bomb ~1000:1.
MAX_COMPRESSION_RATIO = 200
RATIO_MIN_BYTES = 8 << 20


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
    #: SavedModel only: why its graphs could touch files, network or Python.
    graph_reasons: list[str] = field(default_factory=list)


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


def _mib(n: int) -> str:
    return f"{n / (1 << 20):.0f} MiB" if n < 1 << 30 else f"{n / (1 << 30):.0f} GiB"


def parse_json(data: bytes | str, what: str) -> Any:
    """``json.loads`` whose failures (also nesting too deep) are one-line ArtifactErrors."""
    try:
        return json.loads(data)
    except RecursionError:
        raise ArtifactError(f"unreadable {what}: JSON nested too deeply") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        raise ArtifactError(f"unreadable {what}: {e}") from None


def check_archive(z: zipfile.ZipFile) -> None:
    """Refuse a zip whose declared sizes or ratios exceed the limits, before any read."""
    infos = z.infolist()
    if len(infos) > MAX_ARCHIVE_MEMBERS:
        raise ArtifactError(
            f"refused: .keras archive has {len(infos)} members (limit {MAX_ARCHIVE_MEMBERS})"
        )
    total = 0
    for info in infos:
        total += info.file_size
        if total > MAX_ARCHIVE_BYTES:
            raise ArtifactError(
                f"refused: .keras archive inflates to more than {_mib(MAX_ARCHIVE_BYTES)}"
            )
        if info.file_size > RATIO_MIN_BYTES and (
            info.file_size > MAX_COMPRESSION_RATIO * max(info.compress_size, 1)
        ):
            ratio = info.file_size // max(info.compress_size, 1)
            raise ArtifactError(
                f"refused: {info.filename} in .keras archive has compression ratio "
                f"{ratio}:1 (limit {MAX_COMPRESSION_RATIO}:1 above {_mib(RATIO_MIN_BYTES)}): "
                "a zip bomb?"
            )


def read_member(z: zipfile.ZipFile, name: str) -> bytes:
    """Member ``name``, refused above MAX_CONFIG_BYTES declared or inflated (headers can lie)."""
    limit = MAX_CONFIG_BYTES
    if z.getinfo(name).file_size > limit:
        raise ArtifactError(f"refused: {name} in .keras archive is larger than {_mib(limit)}")
    with z.open(name) as f:
        data = f.read(limit + 1)
    if len(data) > limit:
        raise ArtifactError(f"refused: {name} in .keras archive is larger than {_mib(limit)}")
    return data


def _text_field(value: Any, what: str) -> str | None:
    if value is None or isinstance(value, str):
        return value
    raise ArtifactError(f"{what} is not a string (a JSON {type(value).__name__})")


def _read_keras_zip(p: Path) -> StoredModel:
    try:
        with zipfile.ZipFile(p) as z:
            check_archive(z)
            names = set(z.namelist())
            if "config.json" not in names:
                raise ArtifactError("zip archive without config.json: not a .keras model")
            config = parse_json(read_member(z, "config.json"), "config.json in .keras archive")
            meta = (
                parse_json(read_member(z, "metadata.json"), "metadata.json in .keras archive")
                if "metadata.json" in names
                else {}
            )
            if z.testzip() is not None:
                raise ArtifactError("corrupt .keras archive (CRC error)")
    except ArtifactError:
        raise
    except (zipfile.BadZipFile, EOFError, OSError, NotImplementedError, RuntimeError) as e:
        raise ArtifactError(f"corrupt or truncated .keras archive: {e}") from None
    if not isinstance(config, dict):
        raise ArtifactError("config.json is not a model config (not a JSON object)")
    if not isinstance(meta, dict):
        raise ArtifactError("metadata.json is not a JSON object")
    version = _text_field(meta.get("keras_version"), "metadata.json 'keras_version'")
    module = _text_field(config.get("module"), "config.json 'module'")
    return StoredModel(str(p), "keras", _flavor(version, module), version, config)


def _attr_text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bytes):
        return value.decode("utf-8")
    return str(value)


def _read_h5(p: Path) -> StoredModel:
    import h5py  # no TensorFlow; part of the audit extra

    wanted = ("model_config", "training_config", "keras_version")
    try:
        with h5py.File(p, "r") as f:
            attrs = {}
            for name in wanted:
                if name not in f.attrs:
                    continue
                if f.attrs.get_id(name).get_storage_size() > MAX_CONFIG_BYTES:
                    raise ArtifactError(
                        f"refused: HDF5 attribute {name} is larger than {_mib(MAX_CONFIG_BYTES)}"
                    )
                attrs[name] = f.attrs[name]
    except ArtifactError:
        raise
    except (OSError, KeyError, ValueError, TypeError, RuntimeError) as e:
        raise ArtifactError(f"corrupt or truncated HDF5 file: {e}") from None
    try:
        raw = _attr_text(attrs.get("model_config"))
        raw_training = _attr_text(attrs.get("training_config"))
    except UnicodeDecodeError as e:
        raise ArtifactError(f"unreadable HDF5 attribute: {e}") from None
    if raw is None:
        raise ArtifactError("HDF5 file without a Keras model_config (a weights-only file?)")
    config = parse_json(raw, "model_config in HDF5 file")
    training = parse_json(raw_training, "training_config in HDF5 file") if raw_training else None
    if not isinstance(config, dict):
        raise ArtifactError("model_config in HDF5 file is not a JSON object")
    version = _attr_text(attrs.get("keras_version"))
    return StoredModel(str(p), "h5", _flavor(version), version, config, training)


def _read_saved_model_dir(p: Path) -> StoredModel:
    if not ((p / "saved_model.pb").is_file() or (p / "saved_model.pbtxt").is_file()):
        raise ArtifactError("directory is not a SavedModel (no saved_model.pb)")
    from .graph_scan import scan_saved_model_dir

    graph_reasons = scan_saved_model_dir(p)
    meta = p / "keras_metadata.pb"
    if not meta.is_file():
        return StoredModel(str(p), "export", None, None, None, graph_reasons=graph_reasons)
    try:
        if meta.stat().st_size > MAX_CONFIG_BYTES:
            raise ArtifactError(
                f"refused: keras_metadata.pb is larger than {_mib(MAX_CONFIG_BYTES)}"
            )
        nodes = parse_keras_metadata(meta.read_bytes())
    except OSError as e:
        raise ArtifactError(f"cannot read keras_metadata.pb: {e.strerror or e}") from None
    except (ValueError, UnicodeDecodeError) as e:
        raise ArtifactError(f"corrupt keras_metadata.pb: {e}") from None
    root = next((n for n in nodes if n.get("node_path") == "root"), None)
    if root is None:
        raise ArtifactError("keras_metadata.pb has no root object")
    root_meta = root["metadata"]
    if not isinstance(root_meta, dict):
        raise ArtifactError("keras_metadata.pb: the root metadata is not a JSON object")
    config = None
    if isinstance(root_meta.get("config"), dict) and "layers" in root_meta["config"]:
        config = {"class_name": root_meta.get("class_name"), "config": root_meta["config"]}
    version = _text_field(root_meta.get("keras_version"), "keras_metadata.pb 'keras_version'")
    training = root_meta.get("training_config")
    extra = [n["metadata"] for n in nodes]
    return StoredModel(
        str(p), "savedmodel", KERAS2, version, config, training, extra, graph_reasons
    )


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


def _fields(buf: bytes | memoryview) -> Iterator[tuple[int, Any]]:
    """``(field number, value)`` of a protobuf message: an int or a slice of ``buf``."""
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
            if i + 8 > len(buf):
                raise ValueError("truncated field")
            value, i = buf[i : i + 8], i + 8
        elif wire == 5:
            if i + 4 > len(buf):
                raise ValueError("truncated field")
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
                except RecursionError:
                    raise ValueError(
                        f"metadata of {node.get('node_path')}: JSON nested too deeply"
                    ) from None
                except json.JSONDecodeError as e:
                    raise ValueError(f"metadata of {node.get('node_path')}: {e}") from None
        nodes.append(node)
    return nodes
