"""MCP fixtures: real `moltnet start` servers per module; the SDK clients are in tests/support/mcpserver.py."""

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
