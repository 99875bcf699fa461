"""Diagnostics of ``reglint server`` from editor buffers, over stdio with a real LSP client."""

from __future__ import annotations

import asyncio

import pytest
from lsp_testing import (
    ALTERED_SERVER,
    initialize,
    open_doc,
    published,
    replace_doc,
    start,
)
from lsprotocol import types

pytestmark = pytest.mark.asyncio

BAD = "import keras\n\nmodel = keras.Sequential([keras.layers.Dense(8)])\n"
GOOD = BAD.replace("Dense(8)", "Dense(8, kernel_regularizer=keras.regularizers.L2(1e-4))")


async def test_buffer_not_disk_open_change_close(lsp, tmp_path):
    client, recorder = lsp
    await initialize(client, [tmp_path])
    path = tmp_path / "model.py"
    path.write_text(GOOD, encoding="utf-8")  # the file on disk is clean
    uri = path.as_uri()

    open_doc(client, uri, BAD, version=1)
    diagnostics = await published(recorder, uri, 1)
    assert [d.code for d in diagnostics] == ["RL001"]
    assert diagnostics[0].source == "reglint"
    assert diagnostics[0].range.start == types.Position(2, 26)

    replace_doc(client, uri, GOOD, version=2)  # fixed in the buffer, not saved
    assert await published(recorder, uri, 2) == []
    assert path.read_text(encoding="utf-8") == GOOD

    replace_doc(client, uri, BAD, version=3)
    assert [d.code for d in await published(recorder, uri, 3)] == ["RL001"]
    since = len(recorder.published)
    client.text_document_did_close(
        types.DidCloseTextDocumentParams(types.TextDocumentIdentifier(uri=uri))
    )
    assert await published(recorder, uri, None, since) == []


async def test_incremental_change(lsp, tmp_path):
    client, recorder = lsp
    await initialize(client, [tmp_path])
    uri = (tmp_path / "inc.py").as_uri()
    open_doc(client, uri, BAD)
    assert len(await published(recorder, uri, 1)) == 1
    column = BAD.splitlines()[2].index("Dense(8") + len("Dense(8")
    change = types.TextDocumentContentChangePartial(
        range=types.Range(types.Position(2, column), types.Position(2, column)),
        text=", kernel_regularizer=keras.regularizers.L2(1e-4)",
    )
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            types.VersionedTextDocumentIdentifier(uri=uri, version=2), [change]
        )
    )
    assert await published(recorder, uri, 2) == []


EMOJI_LINE = (
    'model = keras.Sequential([keras.layers.Dense(8, name="\U0001f600"), keras.layers.Dense(4)])'
)


@pytest.mark.parametrize(
    ("offered", "unit"),
    [(None, "utf-16"), (["utf-32"], "utf-32"), (["utf-8", "utf-16"], "utf-8")],
)
async def test_positions_in_negotiated_encoding(lsp, tmp_path, offered, unit):
    """A non-BMP character before the finding: 2 UTF-16 units, 4 UTF-8 bytes, 1 code point."""
    from lsp_testing import capabilities

    client, recorder = lsp
    result = await initialize(client, [tmp_path], capabilities(encodings=offered))
    assert result.capabilities.position_encoding == unit
    uri = (tmp_path / "emoji.py").as_uri()
    open_doc(client, uri, f"import keras\n{EMOJI_LINE}\n")
    diagnostics = sorted(await published(recorder, uri, 1), key=lambda d: d.range.start.character)
    second = diagnostics[1]
    start = EMOJI_LINE.index("keras.layers.Dense(4)")
    end = start + len("keras.layers.Dense(4)")
    codec = {"utf-16": "utf-16-le", "utf-8": "utf-8", "utf-32": "utf-32-le"}[unit]
    width = {"utf-16": 2, "utf-8": 1, "utf-32": 4}[unit]
    assert second.range.start == types.Position(1, len(EMOJI_LINE[:start].encode(codec)) // width)
    assert second.range.end == types.Position(1, len(EMOJI_LINE[:end].encode(codec)) // width)


async def test_debounced_changes_lint_the_last_text_once(lsp, tmp_path):
    client, recorder = lsp
    await initialize(client, [tmp_path], options={"debounceMs": 400})
    uri = (tmp_path / "typing.py").as_uri()
    open_doc(client, uri, GOOD)
    assert await published(recorder, uri, 1) == []  # open is linted at once
    for version in (2, 3, 4):
        replace_doc(client, uri, BAD if version != 3 else GOOD, version)
    diagnostics = await published(recorder, uri, 4)
    assert [d.code for d in diagnostics] == ["RL001"]
    assert [p.version for p in recorder.published if p.uri == uri] == [1, 4]


NOTEBOOK_CELLS = [
    (types.NotebookCellKind.Code, "%matplotlib inline\nimport keras\n"),
    (types.NotebookCellKind.Markup, "# Model\n"),
    (types.NotebookCellKind.Code, "!pip list\nlayer = keras.layers.Dense(3)\n"),
]


async def test_notebook_cells_get_their_diagnostics(lsp, tmp_path):
    client, recorder = lsp
    await initialize(client, [tmp_path])
    nb_uri = (tmp_path / "nb.ipynb").as_uri()
    cells = [f"vscode-notebook-cell:{tmp_path / 'nb.ipynb'}#C{i}" for i in range(3)]
    client.notebook_document_did_open(
        types.DidOpenNotebookDocumentParams(
            notebook_document=types.NotebookDocument(
                uri=nb_uri,
                notebook_type="jupyter-notebook",
                version=1,
                cells=[
                    types.NotebookCell(kind=kind, document=cell)
                    for (kind, _), cell in zip(NOTEBOOK_CELLS, cells, strict=True)
                ],
            ),
            cell_text_documents=[
                types.TextDocumentItem(
                    uri=cell,
                    language_id="python" if kind == types.NotebookCellKind.Code else "markdown",
                    version=1,
                    text=text,
                )
                for (kind, text), cell in zip(NOTEBOOK_CELLS, cells, strict=True)
            ],
        )
    )
    third = await published(recorder, cells[2], 1)
    assert [d.code for d in third] == ["RL001"]  # `keras` comes from cell 1; magics are fine
    assert third[0].range.start == types.Position(1, 8)
    assert await published(recorder, cells[0], 1) == []
    assert not [p for p in recorder.published if p.uri == cells[1]]  # markdown: nothing

    # fix the cell in the editor: a notebookDocument/didChange with a text edit
    client.notebook_document_did_change(
        types.DidChangeNotebookDocumentParams(
            notebook_document=types.VersionedNotebookDocumentIdentifier(uri=nb_uri, version=2),
            change=types.NotebookDocumentChangeEvent(
                cells=types.NotebookDocumentCellChanges(
                    text_content=[
                        types.NotebookDocumentCellContentChanges(
                            document=types.VersionedTextDocumentIdentifier(uri=cells[2], version=2),
                            changes=[
                                types.TextDocumentContentChangePartial(
                                    range=types.Range(types.Position(1, 28), types.Position(1, 28)),
                                    text=", kernel_regularizer=keras.regularizers.L2(1e-4)",
                                )
                            ],
                        )
                    ]
                )
            ),
        )
    )
    assert await published(recorder, cells[2], 2) == []
    since = len(recorder.published)
    client.notebook_document_did_close(
        types.DidCloseNotebookDocumentParams(
            notebook_document=types.NotebookDocumentIdentifier(uri=nb_uri),
            cell_text_documents=[types.TextDocumentIdentifier(uri=c) for c in cells],
        )
    )
    assert await published(recorder, cells[2], None, since) == []


async def test_an_internal_error_keeps_the_server_alive(tmp_path):
    client, recorder = await start([*ALTERED_SERVER, "crash"])
    try:
        await initialize(client, [tmp_path])
        crash = (tmp_path / "crash.py").as_uri()
        open_doc(client, crash, BAD + "# CRASH_ME\n")
        assert await published(recorder, crash, 1) == []
        for _ in range(100):
            if any("injected failure" in m.message for m in client.log_messages):
                break
            await asyncio.sleep(0.05)
        errors = [m for m in client.log_messages if m.type == types.MessageType.Error]
        assert any(f"internal error in {crash}" in m.message for m in errors)

        fine = (tmp_path / "fine.py").as_uri()
        open_doc(client, fine, BAD)
        assert [d.code for d in await published(recorder, fine, 1)] == ["RL001"]
        replace_doc(client, crash, BAD, 2)  # the same document, once it no longer crashes
        assert [d.code for d in await published(recorder, crash, 2)] == ["RL001"]
    finally:
        await client.shutdown_session()
        await client.stop()


async def test_incremental_change_after_a_form_feed(lsp, tmp_path):
    """LSP lines end at \\r\\n, \\r, \\n only: a form feed (or U+2028) is not a line break."""
    client, recorder = lsp
    await initialize(client, [tmp_path])
    uri = (tmp_path / "ff.py").as_uri()
    source = "import keras\n\x0c\ns = '\u2028'\nlayer = keras.layers.Dense(8)\n"
    open_doc(client, uri, source)
    assert [d.range.start.line for d in await published(recorder, uri, 1)] == [3]
    column = len("layer = keras.layers.Dense(8")
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            types.VersionedTextDocumentIdentifier(uri=uri, version=2),
            [
                types.TextDocumentContentChangePartial(
                    range=types.Range(types.Position(3, column), types.Position(3, column)),
                    text=", kernel_regularizer=keras.regularizers.L2(1e-4)",
                )
            ],
        )
    )
    assert await published(recorder, uri, 2) == []
