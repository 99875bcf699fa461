"""Code actions and hovers of ``reglint server``, over stdio with a real LSP client."""

from __future__ import annotations

import pytest
from lsp_testing import (
    ALTERED_SERVER,
    apply,
    capabilities,
    initialize,
    open_doc,
    published,
    replace_doc,
    start,
)
from lsprotocol import types

from reglint import ruledocs

pytestmark = pytest.mark.asyncio

SOURCE = """import keras
from keras import regularizers

# 😀 a non-BMP character before the findings shifts UTF-16 columns
dense = keras.layers.Dense(2, name="😀", kernel_regularizer=regularizers.l2(l=0.01))
model = keras.Sequential()
for layer in model.layers:
    layer.add_loss(lambda: 0.01 * keras.ops.sum(layer.kernel))
"""


def _range_of(source: str, needle: str) -> types.Range:
    """The UTF-16 range of ``needle``'s first line in ``source``."""
    for row, line in enumerate(source.splitlines()):
        if needle in line:
            col = len(line[: line.index(needle)].encode("utf-16-le")) // 2
            return types.Range(types.Position(row, col), types.Position(row, col))
    raise AssertionError(needle)


async def _actions(client, uri, where, only=None):
    return await client.text_document_code_action_async(
        types.CodeActionParams(
            text_document=types.TextDocumentIdentifier(uri=uri),
            range=where,
            context=types.CodeActionContext(diagnostics=[], only=only),
        )
    )


async def test_safe_quick_fix_applies_exactly_its_edit(lsp, tmp_path):
    client, recorder = lsp
    await initialize(client, [tmp_path])
    uri = (tmp_path / "m.py").as_uri()
    open_doc(client, uri, SOURCE)
    codes = [d.code for d in await published(recorder, uri, 1)]
    assert codes == ["RL004", "RL008"]

    actions = await _actions(client, uri, _range_of(SOURCE, "l=0.01"))
    fix = next(a for a in actions if a.title.startswith("RL004:"))
    assert fix.kind == types.CodeActionKind.QuickFix
    assert fix.is_preferred is True
    assert fix.diagnostics[0].code == "RL004"
    fixed = apply(SOURCE, fix.edit.changes[uri])
    assert fixed == SOURCE.replace("l2(l=0.01)", "l2(l2=0.01)")

    replace_doc(client, uri, fixed, 2)
    assert [d.code for d in await published(recorder, uri, 2)] == ["RL008"]


async def test_noqa_action_writes_or_extends_one_comment(lsp, tmp_path):
    client, recorder = lsp
    await initialize(client, [tmp_path])
    uri = (tmp_path / "n.py").as_uri()
    source = SOURCE.replace("l2(l=0.01))\n", "l2(l=0.01))  # noqa: RL002\n")
    open_doc(client, uri, source)
    await published(recorder, uri, 1)

    actions = await _actions(client, uri, _range_of(source, "l=0.01"))
    noqa = next(a for a in actions if "noqa" in a.title and a.title.startswith("RL004"))
    fixed = apply(source, noqa.edit.changes[uri])
    assert fixed == source.replace("# noqa: RL002", "# noqa: RL002, RL004")

    actions = await _actions(client, uri, _range_of(source, "lambda"))
    noqa = next(a for a in actions if "noqa" in a.title and a.title.startswith("RL008"))
    fixed = apply(fixed, noqa.edit.changes[uri])
    replace_doc(client, uri, fixed, 2)
    assert await published(recorder, uri, 2) == []  # both now suppressed


async def test_unsafe_fix_is_offered_but_marked(tmp_path):
    client, recorder = await start([*ALTERED_SERVER, "unsafe"])
    try:
        await initialize(client, [tmp_path])
        uri = (tmp_path / "u.py").as_uri()
        open_doc(client, uri, SOURCE)
        await published(recorder, uri, 1)
        actions = await _actions(client, uri, _range_of(SOURCE, "lambda"))
        unsafe = [a for a in actions if a.title.startswith("RL008:") and "noqa" not in a.title]
        assert len(unsafe) == 1
        assert "(unsafe)" in unsafe[0].title
        assert unsafe[0].kind == "quickfix.unsafe"
        assert not unsafe[0].is_preferred
        expected = SOURCE.replace("lambda: 0.01", "lambda layer=layer: 0.01")
        assert apply(SOURCE, unsafe[0].edit.changes[uri]) == expected
    finally:
        await client.shutdown_session()
        await client.stop()


@pytest.mark.parametrize("resolve", [False, True])
async def test_fix_all_source_action(lsp, tmp_path, resolve):
    from reglint.config import load_settings
    from reglint.fixes import fix_source

    client, recorder = lsp
    await initialize(client, [tmp_path], capabilities(resolve=resolve))
    path = tmp_path / "all.py"
    uri = path.as_uri()
    source = SOURCE + "extra = keras.layers.Dense(3)\n"
    open_doc(client, uri, source)
    assert [d.code for d in await published(recorder, uri, 1)] == ["RL004", "RL008", "RL001"]

    actions = await _actions(client, uri, _range_of(source, "import"), ["source.fixAll"])
    assert [a.kind for a in actions] == ["source.fixAll.reglint"]
    action = actions[0]
    if resolve:
        assert action.edit is None
        action = await client.code_action_resolve_async(action)
    fixed = apply(source, action.edit.changes[uri])
    assert fixed == fix_source(source, str(path), load_settings(tmp_path))[0]
    # fix-all applies the safe fixes: RL008's binding and RL001's penalty are unsafe
    assert "l2(l2=0.01)" in fixed and "lambda layer=layer:" not in fixed
    replace_doc(client, uri, fixed, 2)
    assert [d.code for d in await published(recorder, uri, 2)] == ["RL008", "RL001"]


async def test_only_filters_kinds(lsp, tmp_path):
    client, recorder = lsp
    await initialize(client, [tmp_path])
    uri = (tmp_path / "k.py").as_uri()
    open_doc(client, uri, SOURCE)
    await published(recorder, uri, 1)
    everything = await _actions(client, uri, _range_of(SOURCE, "l=0.01"))
    assert {a.kind for a in everything} == {"quickfix", "source.fixAll.reglint"}
    quick = await _actions(client, uri, _range_of(SOURCE, "l=0.01"), ["quickfix"])
    assert {a.kind for a in quick} == {"quickfix"}


async def test_hover_shows_the_rule_document(lsp, tmp_path):
    client, recorder = lsp
    await initialize(client, [tmp_path])
    uri = (tmp_path / "h.py").as_uri()
    open_doc(client, uri, SOURCE)
    await published(recorder, uri, 1)
    where = _range_of(SOURCE, "l=0.01").start
    result = await client.text_document_hover_async(
        types.HoverParams(types.TextDocumentIdentifier(uri=uri), where)
    )
    doc = ruledocs.load("RL004")
    assert result.contents.kind == types.MarkupKind.Markdown
    assert doc.what_it_does in result.contents.value
    assert "`l2(l=...)`" in result.contents.value  # the finding's own message
    nothing = await client.text_document_hover_async(
        types.HoverParams(types.TextDocumentIdentifier(uri=uri), types.Position(0, 0))
    )
    assert nothing is None


async def test_no_noqa_action_where_the_comment_would_be_inside_a_string(lsp, tmp_path):
    client, recorder = lsp
    await initialize(client, [tmp_path])
    uri = (tmp_path / "s.py").as_uri()
    source = 'import keras\n\nlayer = keras.layers.Dense(2, name="""a\nb""")\n'
    open_doc(client, uri, source)
    assert [d.code for d in await published(recorder, uri, 1)] == ["RL001"]
    actions = await _actions(client, uri, _range_of(source, "keras.layers.Dense"))
    titles = [a.title for a in actions if a.kind.startswith("quickfix")]
    assert titles and not [t for t in titles if "noqa" in t]
