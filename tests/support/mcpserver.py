"""MCP test helpers: network configs, HTTP and stdio MCP sessions, tool calls, posting messages."""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from mcp import ClientSession, StdioServerParameters
from mcp.client.stdio import stdio_client
from mcp.client.streamable_http import streamable_http_client

from tests.support.live import REPO, LiveServer

# public_read off: an attach token receives everything on the wire, reads need observe.
BEARER = """\
version: moltnet.v1
network: {id: team, name: Team}
auth:
  mode: bearer
  tokens:
    - {id: operator, value: op-token, scopes: [observe, write, admin]}
    - {id: reader, value: read-token, scopes: [observe]}
    - {id: scout, value: scout-token, scopes: [write, attach], agents: [scout]}
    - {id: ada, value: ada-token, scopes: [write, attach], agents: [ada]}
    - {id: poster, value: write-token, scopes: [write]}
    - {id: relay, value: pair-token, scopes: [pair]}
rooms:
  - {id: lab, members: [scout, ada]}
  - {id: side, members: [ada]}
"""


# public_read on (open mode): agent tokens read public rooms only and hear their own DMs.
OPEN = """\
version: moltnet.v1
network: {id: plaza, name: Plaza}
auth:
  mode: open
  tokens:
    - {id: operator, value: op-token, scopes: [observe, write, admin]}
rooms:
  - {id: square, visibility: public, write_policy: registered_agents, members: [luna, ada]}
  - {id: den, visibility: private, members: [luna, ada]}
"""


ALL_TOOLS = {"send_message", "read_messages", "search_messages", "list_conversations", "list_participants",
             "wait_for_messages"}


READ_TOOLS = {"read_messages", "search_messages", "list_conversations", "list_participants"}


def _server(tmp_path_factory, name: str, config: str) -> LiveServer:
    # PYTHONPATH: the server runs from a temp dir; keep every project package importable.
    return LiveServer(tmp_path_factory.mktemp(name), config, {"PYTHONPATH": str(REPO)}).start()


@contextlib.asynccontextmanager
async def http_session(server: LiveServer, token: str | None = None, agent: str | None = None
                       ) -> AsyncIterator[ClientSession]:
    """The SDK's streamable HTTP client on the server's /mcp."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    if agent:
        headers["X-Moltnet-Agent"] = agent
    async with (
        httpx.AsyncClient(headers=headers, timeout=httpx.Timeout(30, read=180)) as http,
        streamable_http_client(server.base_url + "/mcp", http_client=http) as (read, write, _),
        ClientSession(read, write) as session,
    ):
        await session.initialize()
        yield session


@contextlib.asynccontextmanager
async def stdio_session(command: str, args: list[str], cwd: Path) -> AsyncIterator[ClientSession]:
    """The SDK's stdio client on a `moltnet mcp` process it starts."""
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    env.pop("MOLTNET_CLIENT_CONFIG", None)
    params = StdioServerParameters(command=command, args=args, cwd=str(cwd), env=env)
    with open(cwd / "mcp-stderr.log", "a") as errlog:
        async with stdio_client(params, errlog=errlog) as (read, write), ClientSession(read, write) as session:
            await session.initialize()
            yield session


async def tool_names(session: ClientSession) -> set[str]:
    return {tool.name for tool in (await session.list_tools()).tools}


async def call(session: ClientSession, name: str, arguments: dict | None = None) -> dict[str, Any]:
    """A tool's structured result; AssertionError with the tool's text when it reports an error."""
    result = await session.call_tool(name, arguments or {})
    text = "".join(getattr(block, "text", "") for block in result.content)
    if result.isError:
        raise ToolFailedError(text)
    return result.structuredContent or json.loads(text)


async def refusal(session: ClientSession, name: str, arguments: dict | None = None) -> str:
    """The error text of a tool call that must fail."""
    with pytest.raises(ToolFailedError) as failed:
        await call(session, name, arguments)
    return str(failed.value)


class ToolFailedError(AssertionError):
    pass


def post(server: LiveServer, token: str, target: dict, sender: str, text: str) -> dict:
    """A message sent over the plain HTTP API (not through MCP)."""
    body = {"target": target, "from": {"type": "agent", "id": sender}, "parts": [{"kind": "text", "text": text}]}
    response = server.client(token).post("/v1/messages", json=body)
    assert response.status_code == 202, response.text
    return response.json()


def room(room_id: str) -> dict:
    return {"kind": "room", "room_id": room_id}


def dm(dm_id: str, *participants: str) -> dict:
    return {"kind": "dm", "dm_id": dm_id, "participant_ids": list(participants)}


def texts(messages: list[dict]) -> list[str]:
    return [m["parts"][0]["text"] for m in messages]
