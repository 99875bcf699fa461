"""The language server: editor buffers in; diagnostics, code actions and hovers out.

Linting runs on one worker thread, so the event loop keeps answering while a
large file is linted and the engine never runs twice at once. A result is
published only if the document did not change meanwhile (the newer text has
its own lint coming). Imports (libcst, the rules, nbformat) are warmed once
after ``initialized``, so the first edit does not pay them.
"""

from __future__ import annotations

import asyncio
import inspect
import traceback
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from lsprotocol import types
from pygls.lsp.server import LanguageServer
from pygls.uris import to_fs_path

from .. import __version__
from ..config import ConfigError, Settings
from ..findings import Finding
from ..project_index import in_one_run
from ..reparse import ParseMemo
from . import actions
from .convert import Text, diagnostic
from .documents import use_lsp_lines
from .hover import hover
from .notebook import Cell, lint_cells
from .settings import CONFIG_NAMES, SettingsCache, is_config_file
from .state import DocumentState

_T = TypeVar("_T")

#: Wait this long after the last ``didChange`` before linting (open and save lint
#: at once); ``initializationOptions: {"debounceMs": N}`` overrides it.
DEFAULT_DEBOUNCE_MS = 150
#: The largest ``debounceMs`` accepted; a larger or invalid value keeps the default.
MAX_DEBOUNCE_MS = 10_000

PYTHON_SUFFIXES = (".py", ".pyi")
NOTEBOOK_SYNC = types.NotebookDocumentSyncOptions(
    notebook_selector=[
        types.NotebookDocumentFilterWithCells(
            notebook="jupyter-notebook", cells=[types.NotebookCellLanguage(language="python")]
        )
    ],
    save=True,
)
_WARM_UP = "import keras\nm = keras.Sequential([keras.layers.Dense(1)])\n"

LintPython = Callable[[str, str, Settings], list[Finding]]


class ReglintServer(LanguageServer):
    """``lint_python`` is the engine call (a test may pass a faulty one)."""

    def __init__(self, lint_python: LintPython | None = None) -> None:
        super().__init__(
            "reglint",
            __version__,
            text_document_sync_kind=types.TextDocumentSyncKind.Incremental,
            notebook_document_sync=NOTEBOOK_SYNC,
        )
        self.lint_python = lint_python or self._lint_python
        self._memos: dict[str, ParseMemo] = {}  # path -> the parsed statements of its buffer
        self.settings = SettingsCache()
        self.debounce = DEFAULT_DEBOUNCE_MS / 1000
        self.states: dict[str, DocumentState] = {}
        self._timers: dict[str, asyncio.TimerHandle] = {}
        self._tasks: set[asyncio.Future[Any]] = set()
        self._cells: dict[str, list[str]] = {}  # notebook URI -> cell URIs published
        self._shown_errors: set[str] = set()
        self._worker = ThreadPoolExecutor(1, thread_name_prefix="reglint-lint")
        self._register()

    def _register(self) -> None:
        def on(method: str, options: Any = None) -> Callable[[Callable[..., Any]], None]:
            return lambda handler: self.feature(method, options)(_plain(handler))

        on(types.INITIALIZE)(self._initialize)
        on(types.INITIALIZED)(self._initialized)
        on(types.TEXT_DOCUMENT_DID_OPEN)(self._did_open)
        on(types.TEXT_DOCUMENT_DID_CHANGE)(self._did_change)
        on(types.TEXT_DOCUMENT_DID_SAVE)(self._did_save)
        on(types.TEXT_DOCUMENT_DID_CLOSE)(self._did_close)
        on(types.NOTEBOOK_DOCUMENT_DID_OPEN)(self._notebook_open)
        on(types.NOTEBOOK_DOCUMENT_DID_CHANGE)(self._notebook_change)
        on(types.NOTEBOOK_DOCUMENT_DID_SAVE)(self._notebook_save)
        on(types.NOTEBOOK_DOCUMENT_DID_CLOSE)(self._notebook_close)
        on(types.WORKSPACE_DID_CHANGE_WATCHED_FILES)(self._watched_files)
        on(types.WORKSPACE_DID_CHANGE_WORKSPACE_FOLDERS)(self._folders_changed)
        on(types.TEXT_DOCUMENT_HOVER)(self._hover)
        on(
            types.TEXT_DOCUMENT_CODE_ACTION,
            types.CodeActionOptions(
                code_action_kinds=[
                    types.CodeActionKind.QuickFix,
                    actions.UNSAFE_KIND,
                    actions.FIX_ALL_KIND,
                ],
                resolve_provider=True,
            ),
        )(self._code_action)
        on(types.CODE_ACTION_RESOLVE)(self._resolve)

    # -- lifecycle ------------------------------------------------------------

    def _initialize(self, params: types.InitializeParams) -> None:
        use_lsp_lines(self.workspace)
        options = params.initialization_options
        if isinstance(options, dict) and "debounceMs" in options:
            value = options["debounceMs"]
            number = isinstance(value, (int, float)) and not isinstance(value, bool)
            if number and 0 <= value <= MAX_DEBOUNCE_MS:
                self.debounce = value / 1000
        folders = [to_fs_path(f.uri) for f in params.workspace_folders or []]
        if not folders and params.root_uri:
            folders = [to_fs_path(params.root_uri)]
        self.settings.set_folders(f for f in folders if f)

    def _initialized(self, params: types.InitializedParams) -> None:
        if _capability(
            self.client_capabilities,
            "workspace",
            "did_change_watched_files",
            "dynamic_registration",
        ):
            watchers = [types.FileSystemWatcher(glob_pattern=f"**/{n}") for n in CONFIG_NAMES]
            self.client_register_capability(
                types.RegistrationParams(
                    registrations=[
                        types.Registration(
                            id="reglint-config-watcher",
                            method=types.WORKSPACE_DID_CHANGE_WATCHED_FILES,
                            register_options=types.DidChangeWatchedFilesRegistrationOptions(
                                watchers=watchers
                            ),
                        )
                    ]
                )
            )
        self._spawn(self._warm_up())

    async def _warm_up(self) -> None:
        def warm() -> None:
            from .notebook import notebook_json

            settings = Settings()
            self.lint_python(_WARM_UP, "warm_up.py", settings)
            lint_cells([Cell("code", _WARM_UP)], "warm_up.ipynb", settings)
            notebook_json([])

        await self._run("warming up", warm)

    # -- text documents -------------------------------------------------------

    def _did_open(self, params: types.DidOpenTextDocumentParams) -> None:
        self._spawn(self.lint_text(params.text_document.uri))

    def _did_change(self, params: types.DidChangeTextDocumentParams) -> None:
        self._later(params.text_document.uri, self.lint_text)

    def _did_save(self, params: types.DidSaveTextDocumentParams) -> None:
        if is_config_file(params.text_document.uri):
            self._config_changed()
        else:
            self._spawn(self.lint_text(params.text_document.uri))

    def _did_close(self, params: types.DidCloseTextDocumentParams) -> None:
        self._forget(params.text_document.uri)

    def _text_version(self, uri: str) -> tuple[int | None, str] | None:
        """The open Python document's version and text; None if it is not one."""
        doc = self.workspace.text_documents.get(_unquote(uri))
        if doc is None or self.workspace.get_notebook_document(cell_uri=uri) is not None:
            return None
        path = doc.path or ""
        if doc.language_id != "python" and not path.endswith(PYTHON_SUFFIXES):
            return None
        return doc.version, doc.source

    async def lint_text(self, uri: str) -> None:
        self._cancel(uri)
        current = self._text_version(uri)
        if current is None:
            return
        version, source = current
        path = to_fs_path(uri)
        state = await self._run(uri, self._python_state, uri, version, source, path)
        if self._text_version(uri) != current:
            return  # closed or changed meanwhile: the newer text gets its own lint
        self._publish(uri, version, state)

    def _python_state(
        self, uri: str, version: int | None, source: str, path: str | None
    ) -> DocumentState | None:
        settings = self.settings.for_path(path)
        if path is not None and settings.is_excluded(path):
            return None
        text = Text(source, self._encoding())
        findings = self.lint_python(source, path or uri, settings)
        diagnostics = [diagnostic(f, text) for f in findings]
        return DocumentState(uri, version, text, findings, diagnostics, path or uri, settings, True)

    # -- notebooks ------------------------------------------------------------

    def _notebook_open(self, params: types.DidOpenNotebookDocumentParams) -> None:
        self._spawn(self.lint_notebook(params.notebook_document.uri))

    def _notebook_change(self, params: types.DidChangeNotebookDocumentParams) -> None:
        self._later(params.notebook_document.uri, self.lint_notebook)

    def _notebook_save(self, params: types.DidSaveNotebookDocumentParams) -> None:
        self._spawn(self.lint_notebook(params.notebook_document.uri))

    def _notebook_close(self, params: types.DidCloseNotebookDocumentParams) -> None:
        self._forget(params.notebook_document.uri)

    def _notebook_cells(self, uri: str) -> tuple[int, list[tuple[str, Cell, int | None]]] | None:
        notebook = self.workspace.get_notebook_document(notebook_uri=uri)
        if notebook is None:
            return None
        cells = []
        for cell in notebook.cells:
            doc = self.workspace.text_documents.get(_unquote(cell.document))
            text = doc.source if doc is not None else ""
            if cell.kind == types.NotebookCellKind.Markup:
                kind = "markdown"
            elif doc is None or doc.language_id in (None, "python"):
                kind = "code"
            else:
                kind = "raw"
            cells.append((cell.document, Cell(kind, text), None if doc is None else doc.version))
        return notebook.version, cells

    async def lint_notebook(self, uri: str) -> None:
        self._cancel(uri)
        current = self._notebook_cells(uri)
        if current is None:
            return
        path = to_fs_path(uri)
        states = await self._run(uri, self._notebook_states, uri, current[1], path)
        if self._notebook_cells(uri) != current:
            return
        cell_uris = [cell_uri for cell_uri, cell, _ in current[1] if cell.kind == "code"]
        for gone in set(self._cells.get(uri, ())) - set(cell_uris):
            self._publish(gone, None, None)
        self._cells[uri] = cell_uris
        for cell_uri, _, version in current[1]:
            if cell_uri in cell_uris:
                self._publish(cell_uri, version, (states or {}).get(cell_uri))

    def _notebook_states(
        self, uri: str, cells: list[tuple[str, Cell, int | None]], path: str | None
    ) -> dict[str, DocumentState]:
        settings = self.settings.for_path(path)
        if path is not None and settings.is_excluded(path):
            return {}
        by_cell = lint_cells([cell for _, cell, _ in cells], path or uri, settings)
        states = {}
        for index, (cell_uri, cell, version) in enumerate(cells):
            if cell.kind != "code":
                continue
            text = Text(cell.text, self._encoding())
            findings = by_cell.get(index, [])
            diagnostics = [diagnostic(f, text) for f in findings]
            states[cell_uri] = DocumentState(
                cell_uri, version, text, findings, diagnostics, path or uri, settings, False
            )
        return states

    # -- configuration --------------------------------------------------------

    def _watched_files(self, params: types.DidChangeWatchedFilesParams) -> None:
        if any(is_config_file(change.uri) for change in params.changes):
            self._config_changed()

    def _folders_changed(self, params: types.DidChangeWorkspaceFoldersParams) -> None:
        folders = (to_fs_path(f.uri) for f in self.workspace.folders.values())
        self.settings.set_folders(f for f in folders if f)
        self._config_changed()

    def _config_changed(self) -> None:
        """Re-read every document's settings and lint every open document again."""
        self.settings.clear()
        self._shown_errors.clear()
        for notebook in list(self.workspace.notebook_documents.values()):
            self._spawn(self.lint_notebook(notebook.uri))
        for doc in list(self.workspace.text_documents.values()):
            if self._text_version(doc.uri) is not None:
                self._spawn(self.lint_text(doc.uri))

    # -- requests -------------------------------------------------------------

    async def current(self, uri: str) -> DocumentState | None:
        """The findings of the document's current text (linted now if needed)."""
        notebook = self.workspace.get_notebook_document(cell_uri=uri)
        doc = self.workspace.text_documents.get(_unquote(uri))
        version = None if doc is None else doc.version
        state = self.states.get(uri)
        if state is not None and state.version == version:
            return state
        if notebook is not None:
            await self.lint_notebook(notebook.uri)
        else:
            await self.lint_text(uri)
        state = self.states.get(uri)
        return state if state is not None and state.version == version else None

    async def _hover(self, params: types.HoverParams) -> types.Hover | None:
        state = await self.current(params.text_document.uri)
        if state is None:
            return None
        point = types.Range(params.position, params.position)
        found = state.at(point)
        if not found:
            return None
        return hover([f for f, _ in found], found[0][1].range)

    async def _code_action(self, params: types.CodeActionParams) -> list[types.CodeAction] | None:
        state = await self.current(params.text_document.uri)
        if state is None:
            return None
        only = params.context.only
        found = [
            a for a in actions.quick_fixes(state, params.range) if actions.wanted(a.kind, only)
        ]
        if actions.wanted(actions.FIX_ALL_KIND, only):
            fix_all = actions.fix_all(state, {"uri": state.uri, "version": state.version})
            if fix_all is not None:
                if not self._resolves_edits():
                    fix_all.data = None
                    fix_all.edit = await self._run(state.uri, actions.fix_all_edit, state)
                found.append(fix_all)
        return found

    async def _resolve(self, action: types.CodeAction) -> types.CodeAction:
        data = action.data
        if action.edit is None and isinstance(data, dict):
            state = await self.current(str(data.get("uri")))
            if state is not None and state.version == data.get("version"):
                action.edit = await self._run(state.uri, actions.fix_all_edit, state)
        return action

    # -- plumbing -------------------------------------------------------------

    async def _run(self, uri: str, work: Callable[..., _T], *args: Any) -> _T | None:
        """``work(*args)`` on the lint thread. A configuration error is shown
        once; any other exception is logged; either way the result is None."""
        loop = asyncio.get_running_loop()
        try:
            return await loop.run_in_executor(self._worker, in_one_run(work), *args)
        except ConfigError as exc:
            message = f"reglint: {exc}"
            self.window_log_message(types.LogMessageParams(types.MessageType.Error, message))
            if message not in self._shown_errors:
                self._shown_errors.add(message)
                self.window_show_message(types.ShowMessageParams(types.MessageType.Error, message))
        except Exception as exc:
            detail = "".join(traceback.format_exception(exc)).rstrip()
            message = f"reglint: internal error in {uri}: {type(exc).__name__}: {exc}\n{detail}"
            self.window_log_message(types.LogMessageParams(types.MessageType.Error, message))
        return None

    def _publish(self, uri: str, version: int | None, state: DocumentState | None) -> None:
        if state is None:
            self.states.pop(uri, None)
        else:
            self.states[uri] = state
        diagnostics = [] if state is None else state.diagnostics
        self.text_document_publish_diagnostics(
            types.PublishDiagnosticsParams(uri=uri, diagnostics=diagnostics, version=version)
        )

    def _lint_python(self, source: str, path: str, settings: Settings) -> list[Finding]:
        """The engine, re-parsing only the statements an edit changed (:mod:`reglint.reparse`)."""
        from ..engine import lint_source

        memo = self._memos.get(path)
        if memo is None:
            memo = self._memos[path] = ParseMemo()
        return lint_source(source, path, settings, memo=memo)

    def _forget(self, uri: str) -> None:
        """A closed document or notebook: its diagnostics are cleared."""
        self._cancel(uri)
        self._memos.pop(to_fs_path(uri) or uri, None)
        for target in self._cells.pop(uri, [uri]):
            self._publish(target, None, None)

    def _later(self, uri: str, lint: Callable[[str], Any]) -> None:
        self._cancel(uri)
        if self.debounce <= 0:
            self._spawn(lint(uri))
            return
        loop = asyncio.get_running_loop()
        self._timers[uri] = loop.call_later(self.debounce, lambda: self._spawn(lint(uri)))

    def _cancel(self, uri: str) -> None:
        timer = self._timers.pop(uri, None)
        if timer is not None:
            timer.cancel()

    def _spawn(self, coroutine: Any) -> None:
        task = asyncio.ensure_future(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def _encoding(self) -> str:
        return self.workspace.position_encoding or types.PositionEncodingKind.Utf16

    def _resolves_edits(self) -> bool:
        support = _capability(
            self.client_capabilities, "text_document", "code_action", "resolve_support"
        )
        return support is not None and "edit" in (support.properties or ())


def _plain(method: Callable[..., Any]) -> Callable[..., Any]:
    """A function calling the bound ``method`` (pygls marks its handlers with attributes)."""
    if inspect.iscoroutinefunction(method):

        async def handle_async(params: Any) -> Any:
            return await method(params)

        return handle_async

    def handle(params: Any) -> Any:
        return method(params)

    return handle


def _capability(capabilities: Any, *names: str) -> Any:
    for name in names:
        capabilities = getattr(capabilities, name, None)
        if capabilities is None:
            return None
    return capabilities


def _unquote(uri: str) -> str:
    from urllib.parse import unquote

    return unquote(uri)
