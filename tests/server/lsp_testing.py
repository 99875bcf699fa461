"""A real LSP client (pytest-lsp) driving ``reglint server`` over stdio."""

from __future__ import annotations

import asyncio
import os
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lsprotocol import types
from pygls.protocol import default_converter
from pytest_lsp import ClientServerConfig, LanguageClient
from pytest_lsp.client import DEFAULT_CLIENT_FEATURES, register_lsp_features

HERE = Path(__file__).resolve().parent
SERVER = [sys.executable, "-m", "reglint", "server"]
#: A server whose engine call is altered (``crash`` / ``unsafe``): see lsp_test_server.py.
ALTERED_SERVER = [sys.executable, str(HERE / "lsp_test_server.py")]
TIMEOUT = 30.0


@dataclass
class Published:
    uri: str
    version: int | None
    diagnostics: list[types.Diagnostic]


@dataclass
class Recorder:
    published: list[Published] = field(default_factory=list)
    registrations: list[types.RegistrationParams] = field(default_factory=list)
    shown: list[types.ShowMessageParams] = field(default_factory=list)


async def start(command: list[str] = SERVER) -> tuple[LanguageClient, Recorder]:
    recorder = Recorder()

    def factory() -> LanguageClient:
        client = LanguageClient(converter_factory=default_converter)
        mine = {
            types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS,
            types.CLIENT_REGISTER_CAPABILITY,
            types.WINDOW_SHOW_MESSAGE,
        }
        register_lsp_features(
            client, {k: v for k, v in DEFAULT_CLIENT_FEATURES.items() if k not in mine}
        )

        @client.feature(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
        def publish(params: types.PublishDiagnosticsParams) -> None:
            recorder.published.append(
                Published(params.uri, params.version, list(params.diagnostics))
            )

        @client.feature(types.CLIENT_REGISTER_CAPABILITY)
        def register(params: types.RegistrationParams) -> None:
            recorder.registrations.append(params)

        @client.feature(types.WINDOW_SHOW_MESSAGE)
        def show(params: types.ShowMessageParams) -> None:
            recorder.shown.append(params)

        return client

    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    config = ClientServerConfig(server_command=command, client_factory=factory, server_env=env)
    client = await config.start()
    return client, recorder  # type: ignore[return-value]


def capabilities(
    *, encodings: list[str] | None = None, resolve: bool = False, watch: bool = True
) -> types.ClientCapabilities:
    return types.ClientCapabilities(
        general=types.GeneralClientCapabilities(position_encodings=encodings),
        workspace=types.WorkspaceClientCapabilities(
            did_change_watched_files=types.DidChangeWatchedFilesClientCapabilities(
                dynamic_registration=watch
            ),
            workspace_folders=True,
        ),
        text_document=types.TextDocumentClientCapabilities(
            code_action=types.CodeActionClientCapabilities(
                resolve_support=types.ClientCodeActionResolveOptions(properties=["edit"])
                if resolve
                else None,
            ),
        ),
        notebook_document=types.NotebookDocumentClientCapabilities(
            synchronization=types.NotebookDocumentSyncClientCapabilities()
        ),
    )


async def initialize(
    client: LanguageClient,
    folders: list[Path],
    caps: types.ClientCapabilities | None = None,
    options: dict[str, Any] | None = None,
) -> types.InitializeResult:
    return await client.initialize_session(
        types.InitializeParams(
            capabilities=caps or capabilities(),
            workspace_folders=[types.WorkspaceFolder(uri=f.as_uri(), name=f.name) for f in folders],
            root_uri=folders[0].as_uri() if folders else None,
            initialization_options={"debounceMs": 0} if options is None else options,
        )
    )


async def published(
    recorder: Recorder, uri: str, version: int | None, since: int = 0
) -> list[types.Diagnostic]:
    """The diagnostics first published for ``uri`` at ``version`` (index >= ``since``)."""
    deadline = asyncio.get_running_loop().time() + TIMEOUT
    while True:
        for item in recorder.published[since:]:
            if item.uri == uri and item.version == version:
                return item.diagnostics
        if asyncio.get_running_loop().time() > deadline:
            seen = [(p.uri, p.version) for p in recorder.published]
            raise AssertionError(f"no diagnostics for {uri} v{version}; got {seen}")
        await asyncio.sleep(0.01)


def open_doc(client: LanguageClient, uri: str, text: str, version: int = 1) -> None:
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(
            types.TextDocumentItem(uri=uri, language_id="python", version=version, text=text)
        )
    )


def replace_doc(client: LanguageClient, uri: str, text: str, version: int) -> None:
    """A didChange replacing the whole buffer (nothing is written to disk)."""
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=version),
            content_changes=[types.TextDocumentContentChangeWholeDocument(text=text)],
        )
    )


def apply(text: str, edits: list[types.TextEdit], encoding: str = "utf-16") -> str:
    """Apply LSP text edits (columns in ``encoding`` units), last first, as an editor does."""
    lines = re.split(r"(?<=\r\n)|(?<=\r)(?!\n)|(?<=\n)", text)
    starts = [0]
    for line in lines:
        starts.append(starts[-1] + len(line))

    def units(char: str) -> int:
        if encoding == "utf-16":
            return len(char.encode("utf-16-le")) // 2
        if encoding == "utf-8":
            return len(char.encode("utf-8"))
        return 1

    def to_offset(position: types.Position) -> int:
        if position.line >= len(lines):
            return len(text)
        line = lines[position.line].rstrip("\r\n")
        count = 0
        for index, char in enumerate(line):
            if count >= position.character:
                return starts[position.line] + index
            count += units(char)
        return starts[position.line] + len(line)

    spans = sorted(
        ((to_offset(e.range.start), to_offset(e.range.end), e.new_text) for e in edits),
        reverse=True,
    )
    for start, end, new in spans:
        text = text[:start] + new + text[end:]
    return text
