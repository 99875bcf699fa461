"""The project index: which file an import names, and that module's analysis.

Modules are found from the package layout, never by importing: a relative
import from the importer's package directory; an absolute one (``from
pkg.mod import f``) under the importer's own directory (scripts and
notebooks), the directory above its outermost package (``__init__.py``
chain), the project root (``Settings.root``) and ``<root>/src``. Only files
under those directories are read, never under ``site-packages``: code outside
the linted tree stays unknown. A module is read and analyzed at most once per
process, only when a call or a constant names it, and at most
:data:`MAX_INDEX_MODULES` of them; each one read is recorded with its content
digest in :attr:`ProjectIndex.consulted` (the result cache re-lints a file
when one of those changed). Within one run (:func:`one_run`: a ``lint_files``
batch, one language-server lint) a module is stat-ed once and then trusted;
outside one, each read stats it again.
"""

from __future__ import annotations

import functools
import inspect
import itertools
import os
import re
from collections import Counter
from contextlib import contextmanager
from functools import lru_cache
from typing import TYPE_CHECKING, TypeVar

from .catalog import KERNEL_LAYERS

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
    from typing import Any

    from .summaries import FunctionSummary, ModuleAnalysis, Value

#: The most modules one process reads to follow calls and constants.
MAX_INDEX_MODULES = 2000
#: How many re-exports (``from .blocks import conv_block`` in ``__init__.py``) are followed.
MAX_REEXPORTS = 8
#: How many calls deep the text test follows a function before assuming it may build a layer.
_MAX_TEXT_CALLS = 16
#: A call's dotted name. The look-behind only skips the retries from inside a
#: name, which match where the name's start does: the same matches, faster.
_CALLED = re.compile(r"(?<![A-Za-z_])([A-Za-z_][\w.]*)[ \t]*\(")
#: The newline before the next top-level line.
_TOP_LEVEL = re.compile(r"\n[^\s#)\]}]")
_OUTSIDE = ("site-packages", "dist-packages")
_HINTS = ("Conv", "Dense", "Embedding", "GRU", "LSTM", "RNN", "Attention", "LocallyConnected")
#: Each kernel layer name contains one of these: a text with none of them names none.
_LAYER_HINTS = _HINTS + tuple(n for n in KERNEL_LAYERS if not any(h in n for h in _HINTS))
_COMMENT = re.compile(r"#[^\n]*")
_NAMED_REGULARIZER = re.compile(r"regularizer[ \t]*=[ \t]*(?!None\b)[A-Za-z_]")
_CONTINUED_IMPORT = re.compile(r"^[ \t]*(?:from|import)\b[^\n]*\\\r?\n", re.MULTILINE)
_ANNOTATED_VALUE = re.compile(r":[^=\n]*=(?!=)")
#: The start of a value that is data, never a function: a display, a literal, a lambda.
_DATA = re.compile(r"""[{\['"\d]|-[ \t]*\d|lambda\b|[rRbBfFuU]{1,2}['"]""")
_CALL_VALUE = re.compile(r"[A-Za-z_][\w.]*[ \t]*\(")


class _AtLines:
    """A pattern matched at each line start, as ``^pattern`` with ``re.MULTILINE``,
    found by searching for the newlines instead (several times faster than
    trying ``^`` at every position). No match of ``pattern`` may end with a newline."""

    __slots__ = ("_first", "_rest")

    def __init__(self, pattern: str) -> None:
        self._first = re.compile(pattern)
        self._rest = re.compile(r"\n(?:" + pattern + ")")

    def finditer(self, text: str) -> Iterator[tuple[int, re.Match[str]]]:
        """Each match, with the start of its line."""
        first = self._first.match(text)
        if first is not None:
            yield 0, first
        for found in self._rest.finditer(text, first.end() if first is not None else 0):
            yield found.start() + 1, found

    def findall(self, text: str) -> list[Any]:
        """As :meth:`re.Pattern.findall`."""
        first = self._first.match(text)
        found = self._rest.findall(text, first.end() if first is not None else 0)
        if first is not None:
            groups = first.groups("")
            found.insert(0, groups if len(groups) > 1 else groups[0] if groups else first[0])
        return found


#: A top-level ``def`` or ``class`` (a class is called as its constructor).
_DEF = _AtLines(r"(?:(?:async[ \t]+)?def|class)[ \t]+(\w+)")
_NESTED_DEF = _AtLines(r"[ \t]+(?:async[ \t]+)?def[ \t]+(\w+)")
_ASSIGNED = _AtLines(r"(\w+)[ \t]*([:=].*)")
_IMPORTS = _AtLines(
    r"[ \t]*(?:from[ \t]+(\.*)([\w.]*)[ \t]+import[ \t]+(\([^)]*\)|[^\n#;]*)"
    r"|import[ \t]+([^\n#;]+))"
)
_F = TypeVar("_F", bound="Callable[..., Any]")


class _Text:
    """What the text tests ask of one module's text, each answer computed once
    (per ``(path, digest)``) instead of one regex scan of the text per question."""

    __slots__ = ("_assigned", "_defs", "_imports", "_nested", "text")

    def __init__(self, text: str) -> None:
        self.text = text
        self._defs: dict[str, list[int]] | None = None
        self._nested: frozenset[str] | None = None
        self._assigned: dict[str, list[str]] | None = None
        self._imports: dict[str, set[str]] | None = None

    def called(self, start: int, end: int) -> Iterable[str]:
        """The names a segment calls, each once (a second call of one adds
        nothing to the verdict), found in place: a match never spans a newline."""
        return dict.fromkeys(_CALLED.findall(self.text, start, end))

    def defs(self) -> dict[str, list[int]]:
        """Top-level ``def`` name -> where each such ``def`` starts."""
        if self._defs is None:
            self._defs = {}
            for start, m in _DEF.finditer(self.text):
                self._defs.setdefault(m.group(1), []).append(start)
        return self._defs

    def has_nested_def(self, name: str) -> bool:
        if self._nested is None:
            self._nested = frozenset(_NESTED_DEF.findall(self.text))
        return name in self._nested

    def may_alias(self, name: str, attribute: bool) -> bool:
        """May a top-level ``name = ...`` line make ``name(...)`` (``attribute``:
        ``name.attr(...)``) a call of a function of the project? Not when each
        such line assigns data (a display, a literal, a lambda) or the result of
        a call (which ``functools.partial`` makes callable, never an attribute)."""
        if self._assigned is None:
            self._assigned = {}
            for found, tail in _ASSIGNED.findall(self.text):
                self._assigned.setdefault(found, []).append(tail)
        tails = self._assigned.get(name)
        return tails is not None and not all(self._data(tail, attribute) for tail in tails)

    def _data(self, tail: str, attribute: bool) -> bool:
        if tail.startswith(":"):
            annotated = _ANNOTATED_VALUE.match(tail)
            if annotated is None:
                return True  # ``name: T``, no value
            value = tail[annotated.end() :].lstrip()
        elif tail.startswith("=="):
            return True  # a comparison, not an assignment
        else:
            value = tail[1:].lstrip()
        if _DATA.match(value):
            return True
        return _CALL_VALUE.match(value) is not None and (attribute or "partial" not in self.text)

    def imports(self) -> dict[str, set[str]]:
        if self._imports is None:
            self._imports = _import_map(self.text)
        return self._imports


class ProjectIndex:
    def __init__(self, root: str, options: Mapping[str, Any] | None = None) -> None:
        self.root = os.path.abspath(root)
        self.options = options or {}
        #: (path, content digest) -> the module's analysis (None: not Python).
        self._analyses: dict[tuple[str, str], ModuleAnalysis | None] = {}
        #: path -> (stat signature, text, digest) of each module read.
        self._texts: dict[str, tuple[tuple[int, int], str, str] | None] = {}
        #: path as asked -> (the run it was stat-ed in, its absolute path, :meth:`_read`).
        self._fresh: dict[str, tuple[int, str, tuple[tuple[int, int], str, str] | None]] = {}
        #: importer -> its directory.
        self._directories: dict[str, str] = {}
        #: (importing directory, dotted name) -> :meth:`_locate`.
        self._located: dict[tuple[str, str], tuple[str, str] | None] = {}
        #: (import bases, dotted name) -> :meth:`_locate`, for absolute names.
        self._shared: dict[tuple[tuple[str, ...], str], tuple[str, str] | None] = {}
        #: (path, digest) -> the module's text tables.
        self._tables: dict[tuple[str, str], _Text] = {}
        #: (path, digest) -> may a function of it build a kernel layer (text
        #: closure), and the modules that verdict read.
        self._reaches: dict[tuple[str, str], tuple[bool, dict[str, str]]] = {}
        #: (path, digest) -> (its text names a kernel layer, the project modules it imports).
        self._facts: dict[tuple[str, str], tuple[bool, tuple[str, ...]]] = {}
        #: (path, digest, function) -> :meth:`_function_may_build`, modules read.
        self._functions: dict[tuple[str, str, str], tuple[bool, dict[str, str]]] = {}
        #: (path, digest, name) -> :meth:`builds_layers` of the function it denotes.
        self._built: dict[tuple[str, str, str], tuple[bool, dict[str, str]]] = {}
        #: How often each costly step ran (for the tests and the benchmark).
        self.counters: Counter[str] = Counter()
        #: path -> content digest of every module read for the file being linted.
        self.consulted: dict[str, str] = {}

    # --- the gate -------------------------------------------------------------

    def is_project_name(self, importer: str, qualified: str) -> bool:
        """Does the import binding ``qualified`` name something in a module of the project?"""
        return self._locate(importer, qualified) is not None

    def imports_from_project(self, importer: str, source: str) -> bool:
        """May a module with this text import a name of the project that is not
        Keras's (what :meth:`builds_layers` could be asked about)? Read off the
        text's imports (an import continued by a backslash: yes)."""
        from .keras_names import keras_symbol

        if _CONTINUED_IMPORT.search(source):
            return True
        return any(
            keras_symbol(qualified) is None and self.is_project_name(importer, qualified)
            for names in _import_map(source).values()
            for qualified in names
        )

    def builds_layers(self, importer: str, qualified: str) -> bool:
        """Does the project function the import binding ``qualified`` names build a
        kernel layer whose regularizer a call can leave empty (its summary has open
        needs)? Modules are read only along the way: one whose text and imports
        (transitively) name no kernel layer is not parsed. Memoized per function
        (its module's path, digest and the name in it: the many importers of one
        utility share one verdict), with the modules the verdict read (replayed
        as consulted)."""
        located = self._locate(importer, qualified)
        if located is None:
            return False
        path, name = located
        read = self._read(path)
        if read is None:
            return False
        key = (path, read[2], name)
        known = self._built.get(key)
        if known is not None:
            self._replay(known[1])
            return known[0]
        self.counters["builds_layers"] += 1
        with recording() as consulted:
            verdict = self._function_builds(importer, qualified, path, name, read)
        self._built[key] = (verdict, consulted)
        return verdict

    def _function_builds(
        self,
        importer: str,
        qualified: str,
        path: str,
        name: str,
        read: tuple[tuple[int, int], str, str],
    ) -> bool:
        self._read(path)
        if name not in self._table(path, read).defs() and name not in read[1]:
            return False  # cheaper than, and implied by, the text test below
        if not self._function_may_build(path, name, 0):
            return False
        summary = self.function(importer, qualified)
        return summary is not None and bool(summary.needs)

    def _table(self, path: str, read: tuple[tuple[int, int], str, str]) -> _Text:
        key = (path, read[2])
        found = self._tables.get(key)
        if found is None:
            found = self._tables[key] = _Text(read[1])
        return found

    def _function_may_build(self, path: str, name: str, depth: int) -> bool:
        """Text test: may function ``name`` of module ``path`` reach a kernel layer?
        Its text (a top-level ``def`` to the next top-level line) names one, or
        calls a function of the module or a project import that may; a
        re-exported name is followed to its module; anything less plain (a
        nested ``def``, a call of a module-level alias) falls back on
        :meth:`_may_build`."""
        read = self._read(path)
        if read is None:
            return False
        key = (path, read[2], name)
        known = self._functions.get(key)
        if known is not None:
            self._replay(known[1])
            return known[0]
        if depth > MAX_REEXPORTS + _MAX_TEXT_CALLS:
            return True
        self._functions[key] = (False, {})  # a cycle adds nothing
        with recording() as consulted:
            self._read(path)
            verdict = self._text_verdict(path, self._table(path, read), name, depth)
        self._functions[key] = (verdict, consulted)
        return verdict

    def _text_verdict(self, path: str, table: _Text, name: str, depth: int) -> bool:
        self.counters["text_verdicts"] += 1
        defs = table.defs()
        segments = [(start, _segment_end(table.text, start)) for start in defs.get(name, ())]
        if not segments:
            if table.has_nested_def(name):
                return self._may_build(path)
            imports = table.imports()
            return any(
                self._function_may_build(*located, depth + 1)
                for qualified in imports.get(name, ())
                if (located := self._locate(path, qualified)) is not None
            )
        imports = None
        for start, end in segments:
            segment = table.text[start:end]
            if table.text.startswith("class", start):
                # A class is followed only when its own text names a layer and
                # passes a regularizer argument a name (``=self.reg``, ``=reg``).
                if _names_layer(segment) and _NAMED_REGULARIZER.search(segment):
                    return True
                continue
            if _names_layer(segment):
                return True
            for called in table.called(start, end):
                root, _, rest = called.partition(".")
                if root == name and not rest:
                    continue
                if root in defs:
                    if not rest and self._function_may_build(path, root, depth + 1):
                        return True
                    continue
                imports = imports if imports is not None else table.imports()
                for qualified in imports.get(root, ()):
                    dotted = f"{qualified}.{rest}" if rest else qualified
                    located = self._locate(path, dotted)
                    if located is not None and self._function_may_build(*located, depth + 1):
                        return True
                if table.may_alias(root, bool(rest)) and self._may_build(path):
                    return True
        return False

    def _replay(self, read: Mapping[str, str]) -> None:
        self.consulted.update(read)
        for found in _RECORDING:
            found.update(read)

    def _may_build(self, start: str) -> bool:
        """Does ``start`` or a project module it imports (transitively) name a
        kernel layer? False means no function of it has a layer to summarize."""
        todo, seen = [start], {start}
        with recording() as read:
            while todo:
                path = todo.pop()
                found = self._read(path)
                if found is None:
                    continue
                key = (path, found[2])
                known = self._reaches.get(key)
                if known is not None:
                    self._replay(known[1])
                    if known[0]:
                        break
                    continue
                names_layer, deps = self._module_facts(path, found)
                if names_layer:
                    self._reaches[key] = (True, {path: found[2]})
                    break
                if len(seen) > MAX_INDEX_MODULES:
                    break
                for dep in deps:
                    if dep not in seen:
                        seen.add(dep)
                        todo.append(dep)
            else:
                # the closure was complete: no module of it reaches a layer
                for path in seen:
                    found = self._texts.get(path)
                    if found is not None:
                        self._reaches[(path, found[2])] = (False, read)
                return False
        return True

    def _module_facts(
        self, path: str, found: tuple[tuple[int, int], str, str]
    ) -> tuple[bool, tuple[str, ...]]:
        """Does the module's text name a kernel layer, and which project modules it imports."""
        key = (path, found[2])
        facts = self._facts.get(key)
        if facts is None:
            named = _names_layer(found[1])
            facts = self._facts[key] = (named, tuple(self._imported(path, found[1])))
        return facts

    def _imported(self, path: str, text: str) -> list[str]:
        """The project modules ``text`` imports (a text over-approximation)."""
        found = []
        for dots, module, names, plain in _IMPORTS.findall(text):
            heads = []
            if plain:
                for item in plain.split(","):
                    head = item.split()[0] if item.split() else ""
                    heads.append(head)
            else:
                base = "." * len(dots) + module
                heads.append(base)
                sep = "" if base.endswith(".") else "."
                for item in names.strip("()").replace("\\", " ").split(","):
                    words = item.split()
                    if words and words[0] != "*":
                        heads.append(f"{base}{sep}{words[0]}")
            for head in heads:
                located = self._module_of(path, head) if head.strip(".") else None
                if located is not None:
                    found.append(located)
        return found

    def _module_of(self, importer: str, dotted: str) -> str | None:
        """The project file of module ``dotted`` as imported from ``importer``."""
        level = len(dotted) - len(dotted.lstrip("."))
        parts = tuple(p for p in dotted[level:].split(".") if p)
        for base in self._bases_for(importer, level):
            found = _module_file(base, parts)
            if found is not None:
                return found if self._inside(found) else None
        return None

    def _read(self, path: str) -> tuple[tuple[int, int], str, str] | None:
        """``(stat signature, text, digest)`` of a project module, recorded as
        consulted; stat-ed once per :func:`one_run`, at each read outside one,
        and read again when its stat changed (a long-lived server)."""
        fresh = self._fresh.get(path)
        if fresh is not None and fresh[0] == _run and _run:
            _, key, found = fresh
        else:
            key = os.path.abspath(path)
            found = self._stat_read(key)
            if _run:
                self._fresh[path] = (_run, key, found)
        if found is not None:
            self.consulted[key] = found[2]
            for recorded in _RECORDING:
                recorded[key] = found[2]
        return found

    def _stat_read(self, key: str) -> tuple[tuple[int, int], str, str] | None:
        from .cache import content_digest
        from .source import SourceError, decode_source, read_bytes

        self.counters["stats"] += 1
        try:
            st = os.stat(key)
        except OSError:
            return None
        signature = (st.st_mtime_ns, st.st_size)
        found = self._texts.get(key)
        if found is None or found[0] != signature:
            if found is None and len(self._texts) >= MAX_INDEX_MODULES:
                return None
            try:
                data, _ = read_bytes(key)
                found = (signature, decode_source(data), content_digest(data))
            except (SourceError, OSError):
                found = None
            self._texts[key] = found
        return found

    # --- analyses -------------------------------------------------------------

    def analysis(self, path: str, source: str, tree: Any) -> ModuleAnalysis:
        """The analysis of the file being linted (its text as linted)."""
        from .summaries import ModuleAnalysis

        return ModuleAnalysis(path, source, tree, self, self.options)

    def _load(self, path: str) -> ModuleAnalysis | None:
        key = os.path.abspath(path)
        read = self._read(key)
        if read is None:
            return None
        _, source, digest = read
        if (key, digest) in self._analyses:
            return self._analyses[(key, digest)]
        self._analyses[(key, digest)] = None
        from .engine import python_tree
        from .summaries import ModuleAnalysis

        tree = python_tree(source, key)
        if not hasattr(tree, "body"):
            return None
        found = self._analyses[(key, digest)] = ModuleAnalysis(
            key, source, tree, self, self.options
        )
        return found

    def function(self, importer: str, qualified: str, depth: int = 0) -> FunctionSummary | None:
        """The summary of the project function an import binding names."""
        target = self._target(importer, qualified)
        if target is None:
            return None
        analysis, name = target
        binding = analysis.model.binding(name, analysis.model.module)
        if binding is None:
            return None
        if binding.kind == "def":
            return analysis.summary(binding.node)  # type: ignore[arg-type]
        if binding.kind == "class":
            return analysis.class_summary(binding.node)  # type: ignore[arg-type]
        if binding.kind == "import" and binding.qualified and depth < MAX_REEXPORTS:
            return self.function(analysis.path, binding.qualified, depth + 1)
        return None

    def constant(self, importer: str, qualified: str, depth: int = 0) -> Value:
        """The value of a module-level constant of the project an import names."""
        from .summaries import MAX_ALIAS_DEPTH, UNKNOWN

        target = self._target(importer, qualified) if depth < MAX_ALIAS_DEPTH else None
        if target is None:
            return UNKNOWN
        analysis, name = target
        model = analysis.model
        binding = model.binding(name, model.module)
        if binding is None:
            return UNKNOWN
        if binding.kind == "assign":
            return analysis.value_of(binding.value, model.module, None, depth + 1)
        if binding.kind == "import" and binding.qualified:
            return self.constant(analysis.path, binding.qualified, depth + 1)
        return UNKNOWN

    def _target(self, importer: str, qualified: str) -> tuple[ModuleAnalysis, str] | None:
        """The module (analyzed) and the name in it that ``qualified`` denotes."""
        located = self._locate(importer, qualified)
        if located is None:
            return None
        analysis = self._load(located[0])
        return (analysis, located[1]) if analysis is not None else None

    def _locate(self, importer: str, qualified: str) -> tuple[str, str] | None:
        """The project file and the name in it that ``qualified`` denotes (not read);
        it depends only on the importer's directory."""
        directory = self._directories.get(importer)
        if directory is None:
            directory = self._directories[importer] = os.path.dirname(importer)
        key = (directory, qualified)
        found = self._located.get(key, _UNKNOWN)
        if found is _UNKNOWN:
            found = self._located[key] = self._find(importer, directory, qualified)
        return found  # type: ignore[return-value]

    def _find(self, importer: str, directory: str, qualified: str) -> tuple[str, str] | None:
        level = len(qualified) - len(qualified.lstrip("."))
        parts = [p for p in qualified[level:].split(".") if p]
        if len(parts) < 1:
            return None
        bases = self._bases_for(importer, level) if level else _bases(directory, self.root)
        if level or _has_entry(bases[0], parts[0]):
            return self._search(bases, parts, level)
        # the importer's own directory holds nothing of the name: the answer is
        # the same for every directory of the package (shared)
        key = (tuple(bases[1:]), qualified)
        if key not in self._shared:
            self._shared[key] = self._search(bases[1:], parts, level)
        return self._shared[key]

    def _search(self, bases: Sequence[str], parts: list[str], level: int) -> tuple[str, str] | None:
        for base in bases:
            for cut in range(len(parts) - 1, 0, -1):
                found = _module_file(base, tuple(parts[:cut]))
                if found is not None and cut == len(parts) - 1:
                    return (found, parts[-1]) if self._inside(found) else None
                if found is not None:
                    break  # ``pkg.mod.sub.f``: a submodule not found
            if level and len(parts) == 1:
                init = os.path.join(base, "__init__.py")
                if os.path.isfile(init) and self._inside(init):
                    return init, parts[0]  # ``from . import f`` in a package
        return None

    def _bases_for(self, importer: str, level: int) -> Sequence[str]:
        if not level:
            return self._bases(importer)
        base = os.path.dirname(os.path.abspath(importer))
        for _ in range(level - 1):
            base = os.path.dirname(base)
        return [base]

    def _inside(self, path: str) -> bool:
        parts = path.split(os.sep)
        return not any(p in _OUTSIDE for p in parts)

    def _bases(self, importer: str) -> tuple[str, ...]:
        return _bases(os.path.dirname(importer), self.root)


def _segment_end(text: str, start: int) -> int:
    """The segment of a top-level ``def`` at ``start`` runs to the next top-level
    line (it ends after a newline) or to the end of the text."""
    line_end = text.find("\n", start)
    if line_end < 0:
        return len(text)
    found = _TOP_LEVEL.search(text, line_end)
    return found.start() + 1 if found else len(text)


def _names_layer(text: str) -> bool:
    """Does ``text`` name a kernel layer (a whole word)?"""
    if not any(hint in text for hint in _LAYER_HINTS):
        return False
    names = [n for n in KERNEL_LAYERS if n in text]
    return bool(names) and bool(re.search(r"\b(?:" + "|".join(names) + r")\b", text))


def _import_map(text: str) -> dict[str, set[str]]:
    """Local name -> the dotted names the module's imports (any level) bind it to
    (a text over-approximation; a backslash-continued import is cut at its line end)."""
    found: dict[str, set[str]] = {}
    for dots, module, names, plain in _IMPORTS.findall(text):
        names = _COMMENT.sub("", names)
        if plain:
            for item in plain.split(","):
                words = item.split()
                if words:
                    local = words[2] if len(words) == 3 and words[1] == "as" else None
                    dotted = words[0]
                    found.setdefault(local or dotted.partition(".")[0], set()).add(
                        dotted if local else dotted.partition(".")[0]
                    )
            continue
        base = dots + module
        sep = "" if base.endswith(".") else "."
        for item in names.strip("()").replace("\\", " ").split(","):
            words = item.split()
            if words and words[0] != "*":
                local = words[2] if len(words) == 3 and words[1] == "as" else words[0]
                found.setdefault(local, set()).add(f"{base}{sep}{words[0]}")
    return found


_RECORDING: list[dict[str, str]] = []
_UNKNOWN = object()
_RUNS = itertools.count(1)
#: The current :func:`one_run` (0: none, every read stats the module).
_run = 0


@contextmanager
def one_run() -> Iterator[None]:
    """A trust window: within it each project module is stat-ed once, then its
    text is trusted (an edit made meanwhile is seen by the next run). A
    ``lint_files`` batch and each language-server lint is one run; a nested
    one joins the outer one. Worker processes forked meanwhile inherit it."""
    global _run
    if _run:
        yield
        return
    _run = next(_RUNS)
    try:
        yield
    finally:
        _run = 0


def in_one_run(func: _F) -> _F:
    """``func`` (for a generator function: its whole iteration) in :func:`one_run`."""
    if inspect.isgeneratorfunction(func):

        @functools.wraps(func)
        def each(*args: Any, **kwargs: Any) -> Any:
            with one_run():
                yield from func(*args, **kwargs)

        return each  # type: ignore[return-value]

    @functools.wraps(func)
    def call(*args: Any, **kwargs: Any) -> Any:
        with one_run():
            return func(*args, **kwargs)

    return call  # type: ignore[return-value]


@contextmanager
def recording() -> Iterator[dict[str, str]]:
    """Collect ``path -> content digest`` of every project module read meanwhile
    (what one file's result depends on, for the result cache)."""
    found: dict[str, str] = {}
    _RECORDING.append(found)
    try:
        yield found
    finally:
        _RECORDING.pop()  # nested: the innermost is last


@lru_cache(maxsize=4096)
def _bases(directory: str, root: str) -> tuple[str, ...]:
    """Where an absolute import from a module in ``directory`` may be found."""
    here = os.path.abspath(directory)
    return tuple(dict.fromkeys([here, _package_root(here), root, os.path.join(root, "src")]))


@lru_cache(maxsize=4096)
def _package_root(directory: str) -> str:
    """The directory above the outermost package holding ``directory``."""
    while os.path.isfile(os.path.join(directory, "__init__.py")):
        parent = os.path.dirname(directory)
        if parent == directory:
            break
        directory = parent
    return directory


@lru_cache(maxsize=16384)
def _has_entry(base: str, name: str) -> bool:
    """Is there a module or a package ``name`` in directory ``base``?"""
    path = os.path.join(base, name)
    return os.path.isfile(path + ".py") or os.path.isdir(path)


@lru_cache(maxsize=16384)
def _module_file(base: str, parts: tuple[str, ...]) -> str | None:
    path = os.path.join(base, *parts)
    for candidate in (path + ".py", os.path.join(path, "__init__.py")):
        if os.path.isfile(candidate):
            return candidate
    return None


_INDEXES: dict[str, ProjectIndex] = {}


def index_for(root: str, options: Mapping[str, Any] | None = None) -> ProjectIndex:
    """This process's index of the project at ``root`` (workers inherit or build their own)."""
    key = os.path.abspath(root)
    found = _INDEXES.get(key)
    if found is None:
        found = _INDEXES[key] = ProjectIndex(key, options)
    return found
