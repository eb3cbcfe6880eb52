"""MCP test helpers: real `moltnet start` servers and the SDK's own clients (streamable HTTP, stdio)."""

from __future__ import annotations

import pytest

from tests.support.mcpserver import (
    BEARER,
    OPEN,
    _server,
)


@pytest.fixture(scope="module")
def bearer_server(tmp_path_factory):
    server = _server(tmp_path_factory, "mcp-bearer", BEARER)
    yield server
    server.stop()


@pytest.fixture(scope="module")
def open_server(tmp_path_factory):
    server = _server(tmp_path_factory, "mcp-open", OPEN)
    yield server
    server.stop()
