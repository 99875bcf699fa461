"""Scan a SavedModel's graphs for ops that touch files, the network or Python.

Loading a SavedModel runs its resource initializers, and calling a revived
tf_keras layer runs its traced graph: neither needs any Python from the file,
so the Lambda check cannot see them. TensorFlow's ``saved_model_cli scan``
looks for denylisted ops in the MetaGraph; this does the same for every node
of the graph and of every library function, without TensorFlow, before
anything is loaded.

Every SavedModel has a saver: one function that writes a checkpoint (SaveV2,
MergeV2Checkpoints) and one that reads it (RestoreV2). Those ops are allowed
only in functions that nothing but the saver's own graph nodes call.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from .stored_config import ArtifactError, _fields

#: ``saved_model_cli scan``'s default denylist (``_OP_DENYLIST`` in
#: tensorflow/python/tools/saved_model_cli.py, TensorFlow 2.21).
TF_SCAN_DENYLIST = frozenset({"WriteFile", "ReadFile", "PrintV2"})

_PYTHON = "runs Python"
_FILES = "file I/O"
_NETWORK = "network I/O"

#: Checkpoint ops: allowed only inside the saver's own save/restore functions.
SAVE_OPS = frozenset({"Save", "SaveV2", "SaveSlices", "MergeV2Checkpoints"})
RESTORE_OPS = frozenset({"Restore", "RestoreV2", "RestoreSlice"})

#: Op type -> what it can do. TensorFlow's list plus the other ops whose kernels
#: open files (readers, datasets, summaries, checkpoints, debug dumps,
#: vocabulary and memory-mapped files), talk to other hosts, or call Python.
DENYLISTED_OPS: dict[str, str] = {
    **dict.fromkeys(("PyFunc", "PyFuncStateless", "EagerPyFunc"), _PYTHON),
    **dict.fromkeys(
        (
            *sorted(TF_SCAN_DENYLIST),
            *sorted(SAVE_OPS | RESTORE_OPS),
            "MatchingFiles",
            "ImmutableConst",
            "FileSystemSetConfiguration",
            "WholeFileReader",
            "WholeFileReaderV2",
            "TextLineReader",
            "TextLineReaderV2",
            "FixedLengthRecordReader",
            "FixedLengthRecordReaderV2",
            "TFRecordReader",
            "TFRecordReaderV2",
            "LMDBReader",
            "InitializeTableFromTextFile",
            "InitializeTableFromTextFileV2",
            "LoadAndRemapMatrix",
            "GenerateVocabRemapping",
            "DecodeProtoV2",
            "EncodeProto",
            "CreateSummaryFileWriter",
            "CreateSummaryDbWriter",
            "WriteSummary",
            "WriteScalarSummary",
            "WriteHistogramSummary",
            "WriteImageSummary",
            "WriteAudioSummary",
            "WriteGraphSummary",
            "WriteRawProtoSummary",
            "ImportEvent",
            "FlushSummaryWriter",
            "CloseSummaryWriter",
            "TextLineDataset",
            "TFRecordDataset",
            "TFRecordDatasetV2",
            "FixedLengthRecordDataset",
            "FixedLengthRecordDatasetV2",
            "CSVDataset",
            "CSVDatasetV2",
            "ExperimentalCSVDataset",
            "SqlDataset",
            "ExperimentalSqlDataset",
            "LMDBDataset",
            "ExperimentalLMDBDataset",
            "CacheDataset",
            "CacheDatasetV2",
            "SnapshotDataset",
            "SnapshotDatasetV2",
            "SnapshotDatasetReader",
            "SnapshotNestedDatasetReader",
            "SnapshotChunkDataset",
            "ListSnapshotChunksDataset",
            "SaveDataset",
            "SaveDatasetV2",
            "LoadDataset",
            "DatasetToTFRecord",
            "ExperimentalDatasetToTFRecord",
            "DistributedSave",
            "DebugIdentity",
            "DebugIdentityV2",
            "DebugIdentityV3",
            "DebugNanCount",
            "DebugNumericSummary",
        ),
        _FILES,
    ),
    **dict.fromkeys(
        (
            "DataServiceDataset",
            "DataServiceDatasetV2",
            "DataServiceDatasetV3",
            "DataServiceDatasetV4",
            "RegisterDataset",
            "RegisterDatasetV2",
            "RpcServer",
            "RpcServerStart",
            "RpcServerRegister",
            "RpcClient",
            "RpcCall",
        ),
        _NETWORK,
    ),
}

#: How many offending (op, function) pairs a refusal names before "and N more".
MAX_REPORTED_OPS = 3


@dataclass(frozen=True)
class OpHit:
    """A denylisted op: its type, the node, and the function holding it (None: the graph)."""

    op: str
    node: str
    function: str | None

    def describe(self) -> str:
        where = f"function '{self.function}'" if self.function else "the top-level graph"
        return f"graph op {self.op} ({DENYLISTED_OPS.get(self.op, 'denylisted')}) in {where}"


@dataclass
class _Node:
    name: str
    op: str = ""
    inputs: list[str] = field(default_factory=list)
    calls: set[str] = field(default_factory=set)


@dataclass
class _MetaGraph:
    nodes: list[_Node] = field(default_factory=list)
    functions: dict[str, list[_Node]] = field(default_factory=dict)
    save_node: str | None = None
    restore_node: str | None = None
    #: Graph nodes named by signatures and collections (run on their own by TF1 loaders).
    entry_nodes: set[str] = field(default_factory=set)
    #: Functions named elsewhere: object graph, gradient definitions.
    referenced: set[str] = field(default_factory=set)


def _text(v: bytes | memoryview) -> str:
    return bytes(v).decode("utf-8", "replace")


def _node_name(ref: str) -> str:
    return ref.lstrip("^").split(":", 1)[0]


def _attr_funcs(attr_value: memoryview, depth: int = 0) -> Iterator[str]:
    """Function names in an AttrValue: ``func`` (10) and ``list.func`` (1 -> 9)."""
    if depth > 8:
        raise ValueError("attribute nested too deeply")
    for n, v in _fields(attr_value):
        if n == 10 and not isinstance(v, int):
            yield from _name_attr_list_funcs(v, depth)
        elif n == 1 and not isinstance(v, int):
            for ln, lv in _fields(v):
                if ln == 9 and not isinstance(lv, int):
                    yield from _name_attr_list_funcs(lv, depth)


def _name_attr_list_funcs(msg: memoryview, depth: int) -> Iterator[str]:
    for n, v in _fields(msg):
        if n == 1 and not isinstance(v, int):
            yield _text(v)
        elif n == 2 and not isinstance(v, int):  # map<string, AttrValue>
            for en, ev in _fields(v):
                if en == 2 and not isinstance(ev, int):
                    yield from _attr_funcs(ev, depth + 1)


def _parse_node(msg: memoryview) -> _Node:
    node = _Node(name="")
    for n, v in _fields(msg):
        if isinstance(v, int):
            continue
        if n == 1:
            node.name = _text(v)
        elif n == 2:
            node.op = _text(v)
        elif n == 3:
            node.inputs.append(_text(v))
        elif n == 5:
            for en, ev in _fields(v):
                if en == 2 and not isinstance(ev, int):
                    node.calls.update(_attr_funcs(ev))
    return node


def _parse_library(msg: memoryview, mg: _MetaGraph) -> None:
    for n, v in _fields(msg):
        if isinstance(v, int):
            continue
        if n == 1:  # FunctionDef
            name, nodes = "", []
            for fn, fv in _fields(v):
                if fn == 1 and not isinstance(fv, int):  # OpDef signature
                    name = next((_text(sv) for sn, sv in _fields(fv) if sn == 1), "")
                elif fn == 3 and not isinstance(fv, int):
                    nodes.append(_parse_node(fv))
            mg.functions.setdefault(name, []).extend(nodes)
        elif n == 2:  # GradientDef: both names count as referenced
            mg.referenced.update(_text(gv) for _, gv in _fields(v) if not isinstance(gv, int))


def _tensor_names(tensor_info: memoryview) -> Iterator[str]:
    for n, v in _fields(tensor_info):
        if isinstance(v, int):
            continue
        if n == 1:
            yield _text(v)
        elif n == 4:  # CooSparse
            yield from (_text(sv) for _, sv in _fields(v) if not isinstance(sv, int))
        elif n == 5:  # CompositeTensor.components
            for cn, cv in _fields(v):
                if cn == 2 and not isinstance(cv, int):
                    yield from _tensor_names(cv)


def _parse_meta_graph(msg: memoryview) -> _MetaGraph:
    mg = _MetaGraph()
    for n, v in _fields(msg):
        if isinstance(v, int):
            continue
        if n == 2:  # GraphDef
            for gn, gv in _fields(v):
                if gn == 1 and not isinstance(gv, int):
                    mg.nodes.append(_parse_node(gv))
                elif gn == 2 and not isinstance(gv, int):
                    _parse_library(gv, mg)
        elif n == 3:  # SaverDef
            for sn, sv in _fields(v):
                if sn == 2 and not isinstance(sv, int):
                    mg.save_node = _node_name(_text(sv))
                elif sn == 3 and not isinstance(sv, int):
                    mg.restore_node = _node_name(_text(sv))
        elif n == 4:  # map<string, CollectionDef>: node_list (1) values (1)
            for en, ev in _fields(v):
                if en != 2 or isinstance(ev, int):
                    continue
                for cn, cv in _fields(ev):
                    if cn == 1 and not isinstance(cv, int):
                        mg.entry_nodes.update(
                            _node_name(_text(x)) for xn, x in _fields(cv) if xn == 1
                        )
        elif n == 5:  # map<string, SignatureDef>: inputs (1), outputs (2)
            for en, ev in _fields(v):
                if en != 2 or isinstance(ev, int):
                    continue
                for sn, sv in _fields(ev):
                    if sn in (1, 2) and not isinstance(sv, int):
                        for mn, mv in _fields(sv):
                            if mn == 2 and not isinstance(mv, int):
                                mg.entry_nodes.update(map(_node_name, _tensor_names(mv)))
        elif n == 7:  # SavedObjectGraph.concrete_functions: map keys are function names
            for on, ov in _fields(v):
                if on == 2 and not isinstance(ov, int):
                    mg.referenced.update(
                        _text(kv) for kn, kv in _fields(ov) if kn == 1 and not isinstance(kv, int)
                    )
    return mg


def _closure(roots: Iterable[str], inputs: dict[str, list[str]]) -> set[str]:
    seen: set[str] = set()
    stack = [r for r in roots if r in inputs]
    while stack:
        name = stack.pop()
        if name in seen:
            continue
        seen.add(name)
        stack.extend(i for i in inputs.get(name, ()) if i in inputs and i not in seen)
    return seen


def _hits(mg: _MetaGraph) -> list[OpHit]:
    inputs = {n.name: [_node_name(i) for i in n.inputs] for n in mg.nodes}
    save_side = _closure([mg.save_node] if mg.save_node else [], inputs)
    restore_side = _closure([mg.restore_node] if mg.restore_node else [], inputs)
    saver = save_side | restore_side
    # Everything any other node or any signature/collection entry needs.
    other = _closure([n for n in inputs if n not in saver] + list(mg.entry_nodes & saver), inputs)
    save_only, restore_only = save_side - other, restore_side - other

    function_names = set(mg.functions)
    callers: dict[str, set[str]] = {}

    def calls(node: _Node) -> set[str]:
        return node.calls | ({node.op} & function_names)

    for node in mg.nodes:
        for f in calls(node):
            callers.setdefault(f, set()).add(node.name)
    for fname, body in mg.functions.items():
        for node in body:
            for f in calls(node):
                callers.setdefault(f, set()).add(f"function:{fname}")

    def allowed(op: str, graph_nodes: set[str]) -> bool:
        """Checkpoint ops are allowed where only the saver's own nodes lead."""
        if not graph_nodes:
            return False
        if op in SAVE_OPS:
            return graph_nodes <= save_only
        if op in RESTORE_OPS:
            return graph_nodes <= restore_only
        return False

    hits: list[OpHit] = []
    for node in mg.nodes:
        if node.op in DENYLISTED_OPS and not allowed(node.op, {node.name}):
            hits.append(OpHit(node.op, node.name, None))
    for fname, body in mg.functions.items():
        by = callers.get(fname, set())
        exclusive = set() if fname in mg.referenced else by
        for node in body:
            if node.op in DENYLISTED_OPS and not allowed(node.op, exclusive):
                hits.append(OpHit(node.op, node.name, fname))
    return hits


def scan_saved_model_bytes(data: bytes) -> list[OpHit]:
    """Denylisted ops in every meta graph of a serialized ``SavedModel`` protobuf."""
    hits: list[OpHit] = []
    view = memoryview(data)
    for n, v in _fields(view):
        if n == 2 and not isinstance(v, int):
            hits.extend(_hits(_parse_meta_graph(v)))
    return hits


def describe_hits(hits: list[OpHit]) -> list[str]:
    """One reason per distinct (op, function), at most MAX_REPORTED_OPS then a count."""
    distinct = list(dict.fromkeys(h.describe() for h in hits))
    if len(distinct) > MAX_REPORTED_OPS:
        rest = len(distinct) - MAX_REPORTED_OPS
        distinct = [*distinct[:MAX_REPORTED_OPS], f"{rest} more denylisted op(s)"]
    return distinct


def scan_saved_model_dir(directory: str | Path) -> list[str]:
    """Reasons to refuse loading the SavedModel in ``directory``; empty when clean.

    Raises ArtifactError when ``saved_model.pb`` cannot be read or parsed.
    """
    d = Path(directory)
    pb = d / "saved_model.pb"
    if not pb.is_file():
        return ["a text-format saved_model.pbtxt, whose graph reglint does not scan"]
    try:
        data = pb.read_bytes()
    except OSError as e:
        raise ArtifactError(f"cannot read saved_model.pb: {e.strerror or e}") from None
    try:
        hits = scan_saved_model_bytes(data)
    except (ValueError, RecursionError) as e:
        raise ArtifactError(f"corrupt saved_model.pb: {e}") from None
    return describe_hits(hits)
