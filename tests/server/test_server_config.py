"""Per-folder configuration of ``reglint server``, re-read when a config file changes."""

from __future__ import annotations

import asyncio

import pytest
from lsp_testing import capabilities, initialize, open_doc, published
from lsprotocol import types

pytestmark = pytest.mark.asyncio

# RL001 (Dense without a regularizer) and RL004 (`l=`) in one text
SOURCE = (
    "import keras\nfrom keras import regularizers\n\n"
    "a = keras.layers.Dense(2)\n"
    "b = keras.layers.Dense(2, kernel_regularizer=regularizers.l2(l=0.01))\n"
)


def _project(root, table: str):
    root.mkdir()
    (root / "pyproject.toml").write_text(f"[tool.reglint]\n{table}\n", encoding="utf-8")
    return root


async def test_each_workspace_folder_has_its_settings(lsp, tmp_path):
    client, recorder = lsp
    only_rl001 = _project(tmp_path / "one", 'select = ["RL001"]')
    no_rl001 = _project(tmp_path / "two", 'ignore = ["RL001"]')
    await initialize(client, [only_rl001, no_rl001])
    uris = [(d / "model.py").as_uri() for d in (only_rl001, no_rl001)]
    for uri in uris:
        open_doc(client, uri, SOURCE)
    assert [d.code for d in await published(recorder, uris[0], 1)] == ["RL001"]
    assert [d.code for d in await published(recorder, uris[1], 1)] == ["RL004"]


async def test_excludes_and_per_file_ignores_apply_to_buffers(lsp, tmp_path):
    client, recorder = lsp
    root = _project(
        tmp_path / "p",
        'extend-exclude = ["generated"]\n'
        '[tool.reglint.per-file-ignores]\n"legacy_*.py" = ["RL004"]',
    )
    await initialize(client, [root])
    (root / "generated").mkdir()
    excluded = (root / "generated" / "m.py").as_uri()
    legacy = (root / "legacy_model.py").as_uri()
    plain = (root / "model.py").as_uri()
    for uri in (excluded, legacy, plain):
        open_doc(client, uri, SOURCE)
    assert await published(recorder, excluded, 1) == []
    assert [d.code for d in await published(recorder, legacy, 1)] == ["RL001"]
    assert [d.code for d in await published(recorder, plain, 1)] == ["RL001", "RL004"]


async def test_config_change_is_picked_up(lsp, tmp_path):
    client, recorder = lsp
    root = _project(tmp_path / "p", 'select = ["RL001"]')
    await initialize(client, [root], capabilities(watch=True))
    for _ in range(200):
        if recorder.registrations:
            break
        await asyncio.sleep(0.02)
    watchers = [
        w["globPattern"]
        for params in recorder.registrations
        for r in params.registrations
        if r.method == types.WORKSPACE_DID_CHANGE_WATCHED_FILES
        for w in r.register_options["watchers"]
    ]
    assert sorted(watchers) == ["**/.reglint.toml", "**/pyproject.toml", "**/reglint.toml"]
    uri = (root / "model.py").as_uri()
    open_doc(client, uri, SOURCE)
    assert [d.code for d in await published(recorder, uri, 1)] == ["RL001"]

    (root / "pyproject.toml").write_text('[tool.reglint]\nselect = ["RL004"]\n', encoding="utf-8")
    since = len(recorder.published)
    client.workspace_did_change_watched_files(
        types.DidChangeWatchedFilesParams(
            [types.FileEvent((root / "pyproject.toml").as_uri(), types.FileChangeType.Changed)]
        )
    )
    assert [d.code for d in await published(recorder, uri, 1, since)] == ["RL004"]


async def test_no_dynamic_registration_without_the_capability(lsp, tmp_path):
    client, recorder = lsp
    await initialize(client, [tmp_path], capabilities(watch=False))
    uri = (tmp_path / "m.py").as_uri()
    open_doc(client, uri, SOURCE)
    await published(recorder, uri, 1)
    await asyncio.sleep(0.2)
    assert recorder.registrations == []


async def test_broken_config_is_shown_once_and_the_server_goes_on(lsp, tmp_path):
    client, recorder = lsp
    root = _project(tmp_path / "p", "select = 3")
    await initialize(client, [root])
    first, second = (root / "a.py").as_uri(), (root / "b.py").as_uri()
    open_doc(client, first, SOURCE)
    open_doc(client, second, SOURCE)
    assert await published(recorder, first, 1) == []
    assert await published(recorder, second, 1) == []
    errors = [m.message for m in recorder.shown if m.type == types.MessageType.Error]
    assert len(errors) == 1
    assert "pyproject.toml" in errors[0] and "select" in errors[0]

    (root / "pyproject.toml").write_text('[tool.reglint]\nselect = ["RL001"]\n', encoding="utf-8")
    since = len(recorder.published)
    client.workspace_did_change_watched_files(
        types.DidChangeWatchedFilesParams(
            [types.FileEvent((root / "pyproject.toml").as_uri(), types.FileChangeType.Changed)]
        )
    )
    assert [d.code for d in await published(recorder, first, 1, since)] == ["RL001"]
