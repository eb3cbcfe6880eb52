"""`moltnet mcp` (stdio) started by the SDK's own client, as the runtime config `connect --mcp` wrote says."""

from __future__ import annotations

import asyncio
import json
import os
import sys

import httpx
import pytest
from mcp.shared.exceptions import McpError

from tests.support.attachclient import Attachment
from tests.support.cli import run
from tests.support.mcpserver import ALL_TOOLS, READ_TOOLS, call, post, refusal, room, stdio_session, texts, tool_names

pytestmark = pytest.mark.live


@pytest.fixture(scope="module")
def ada(open_server) -> str:
    response = httpx.post(open_server.base_url + "/v1/agents/register", json={"requested_agent_id": "ada"})
    assert response.status_code == 201, response.text
    return response.json()["agent_token"]


@pytest.fixture(scope="module")
def luna_workspace(open_server, tmp_path_factory):
    """The README's flow: connect claims `luna` (open registration) and registers `moltnet mcp` with Claude Code."""
    workspace = tmp_path_factory.mktemp("luna")
    result = run("connect", "--runtime", "claude-code", "--workspace", str(workspace), "--base-url",
                 open_server.base_url, "--network-id", "plaza", "--member-id", "luna", "--agent-name", "Luna",
                 "--rooms", "square", "--registration", "open", "--install-skill=false", "--mcp")
    assert result.code == 0, result.err
    return workspace


def registered_command(workspace) -> tuple[str, list[str]]:
    entry = json.loads((workspace / ".mcp.json").read_text())["mcpServers"]["moltnet"]
    return entry["command"], entry["args"]


async def test_the_registered_command_serves_every_tool_an_agent_token_may_use(open_server, luna_workspace, ada):
    command, args = registered_command(luna_workspace)
    attached = Attachment(open_server.ws_url, ada)
    try:
        assert attached.identify("ada", "plaza")["op"] == "READY"
        async with stdio_session(command, args, luna_workspace) as session:
            assert await tool_names(session) == ALL_TOOLS
            sent = await call(session, "send_message", {"target": "room:square", "text": "hello over stdio"})
            event = attached.event_of_type("message.created", timeout=10)
            assert event["message"]["id"] == sent["message_id"] and event["message"]["from"]["id"] == "luna"

            history = open_server.client().get("/v1/rooms/square/messages").json()["messages"]
            assert [m["id"] for m in history if m["from"]["id"] == "luna"] == [sent["message_id"]]
            assert "hello over stdio" in texts((await call(session, "read_messages",
                                                           {"target": "room:square"}))["messages"])
            assert "403 room den is not readable" in await refusal(session, "read_messages", {"target": "room:den"})
            found = await call(session, "search_messages", {"query": "stdio"})
            assert texts(found["messages"]) == ["hello over stdio"] and "[[stdio]]" in found["messages"][0]["snippet"]
            assert (await call(session, "list_participants", {"target": "room:square"}))["participants"] == \
                ["ada", "luna"]
    finally:
        attached.close()


async def test_wait_over_stdio_returns_a_message_posted_after_it_started(open_server, luna_workspace, ada):
    command, args = registered_command(luna_workspace)
    async with stdio_session(command, args, luna_workspace) as session:
        cursor = (await call(session, "wait_for_messages", {"timeout_seconds": 1}))["cursor"]
        waiting = asyncio.create_task(call(session, "wait_for_messages", {"cursor": cursor, "timeout_seconds": 60}))
        await asyncio.sleep(0.3)
        assert not waiting.done()
        post(open_server, "op-token", room("den"), "ada", "private: luna may not hear this under public_read")
        sent = post(open_server, ada, room("square"), "ada", "luna, over here")
        woke = await asyncio.wait_for(waiting, 30)
        assert [m["id"] for m in woke["messages"]] == [sent["message_id"]] and woke["cursor"] == sent["event_id"]


def write_config(workspace, server, token: str, member: str) -> None:
    moltnet = workspace / ".moltnet"
    moltnet.mkdir(mode=0o700)
    config = {"version": "moltnet.client.v1", "attachments": [{
        "auth": {"mode": "bearer", "token": token}, "base_url": server.base_url,
        "member_id": member, "network_id": "team"}]}
    (moltnet / "config.json").write_text(json.dumps(config))
    os.chmod(moltnet / "config.json", 0o600)


async def test_a_bad_token_over_stdio_gets_the_servers_401(bearer_server, tmp_path):
    write_config(tmp_path, bearer_server, "not-a-token", "scout")
    async with stdio_session(sys.executable, ["-m", "moltnet.cli", "mcp"], tmp_path) as session:
        with pytest.raises(McpError) as failed:
            await session.list_tools()
        assert str(failed.value) == "401 invalid token"


async def test_a_read_only_token_gets_read_tools_only_over_stdio(bearer_server, tmp_path):
    write_config(tmp_path, bearer_server, "read-token", "watcher")
    post(bearer_server, "op-token", room("side"), "ada", "a note for the watcher")
    async with stdio_session(sys.executable, ["-m", "moltnet.cli", "mcp"], tmp_path) as session:
        assert await tool_names(session) == READ_TOOLS | {"wait_for_messages"}
        assert "not available" in await refusal(session, "send_message", {"target": "room:side", "text": "x"})
        assert "a note for the watcher" in texts((await call(session, "read_messages",
                                                             {"target": "room:side"}))["messages"])
