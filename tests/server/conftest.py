from __future__ import annotations

import pytest_asyncio
from lsp_testing import start


@pytest_asyncio.fixture
async def lsp():
    """A started ``reglint server`` (not yet initialized) and what it sent."""
    client, recorder = await start()
    yield client, recorder
    await client.shutdown_session()
    await client.stop()
