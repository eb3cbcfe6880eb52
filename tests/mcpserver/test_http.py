"""`/mcp` (streamable HTTP) driven by the SDK's own client against a real `moltnet start`."""

from __future__ import annotations

import asyncio
import time

import httpx
import pytest

from tests.support.attach import eventually
from tests.support.attachclient import Attachment
from tests.support.live import REPO
from tests.support.mcpserver import (
    ALL_TOOLS,
    READ_TOOLS,
    call,
    dm,
    http_session,
    post,
    refusal,
    room,
    texts,
    tool_names,
)

pytestmark = pytest.mark.live


async def test_the_tools_listed_follow_the_token(bearer_server):
    async with http_session(bearer_server, "op-token", agent="ada") as session:
        assert await tool_names(session) == ALL_TOOLS
    async with http_session(bearer_server, "op-token") as session:  # no agent to act as: an observer
        assert await tool_names(session) == ALL_TOOLS - {"send_message"}
    async with http_session(bearer_server, "read-token") as session:  # read-only
        assert await tool_names(session) == READ_TOOLS | {"wait_for_messages"}
        assert "not available" in await refusal(session, "send_message", {"target": "room:lab", "text": "hi"})
    # write + attach, no observe, public_read off: it may send and hear, not read history.
    async with http_session(bearer_server, "scout-token") as session:
        assert await tool_names(session) == {"send_message", "wait_for_messages"}
        assert "not available" in await refusal(session, "read_messages", {"target": "room:lab"})
    async with http_session(bearer_server, "write-token", agent="scout") as session:  # write only
        assert await tool_names(session) == {"send_message"}
    async with http_session(bearer_server, "write-token") as session:  # no agent named: nothing to do
        assert await tool_names(session) == set()
    async with http_session(bearer_server, "pair-token", agent="scout") as session:  # relays only
        assert await tool_names(session) == set()


def test_a_missing_or_bad_token_is_refused_like_the_api(bearer_server):
    with httpx.Client(base_url=bearer_server.base_url) as client:
        body = {"jsonrpc": "2.0", "id": 1, "method": "tools/list"}
        missing = client.post("/mcp", json=body)
        assert missing.status_code == 401 and missing.json()["error"] == "authorization required"
        bad = client.post("/mcp", json=body, headers={"Authorization": "Bearer nope"})
        assert bad.status_code == 401 and bad.json()["error"] == "invalid token"
        other = client.post("/mcp", json=body, headers={"Authorization": "Bearer scout-token",
                                                         "X-Moltnet-Agent": "ada"})
        assert other.status_code == 403 and other.json()["error"] == 'agent "ada" is not allowed for this token'
        assert "token" not in bad.text.replace("invalid token", "")  # no credential echoed


def test_an_mcp_request_is_logged_and_counted_with_its_tools_api_calls(bearer_server):
    body = {"jsonrpc": "2.0", "id": 7, "method": "tools/call",
            "params": {"name": "send_message", "arguments": {"target": "room:lab", "text": "traced"}}}
    headers = {"Authorization": "Bearer scout-token", "X-Request-Id": "req_mcp_trace_1",
               "Accept": "application/json, text/event-stream", "MCP-Protocol-Version": "2025-11-25"}
    answer = httpx.post(bearer_server.base_url + "/mcp", json=body, headers=headers, timeout=30)
    assert answer.status_code == 200 and answer.headers["x-request-id"] == "req_mcp_trace_1"
    assert answer.json()["result"]["structuredContent"]["accepted"] is True

    def traced_lines() -> list[str]:
        lines = [line for line in bearer_server.log().splitlines() if "request_id=req_mcp_trace_1" in line]
        # The /mcp line is written once the answer has gone out, so it may trail the client by a moment.
        return lines if any('msg="POST /mcp 200' in line for line in lines) else []

    lines = eventually(traced_lines)
    assert any('msg="POST /mcp 200' in line for line in lines)
    assert any('msg="POST /v1/messages 202' in line for line in lines)  # the tool's API call, same id
    assert "scout-token" not in bearer_server.log()

    def metrics() -> str:
        text = httpx.get(bearer_server.base_url + "/metrics", headers={"Authorization": "Bearer op-token"}).text
        return text if 'route="POST /mcp",status="200"' in text else ""

    assert 'route="POST /mcp",status="200"' in eventually(metrics)


async def test_a_send_lands_in_history_and_wakes_an_attached_agent(bearer_server):
    ada = Attachment(bearer_server.ws_url, "ada-token")
    try:
        assert ada.identify("ada", "team")["op"] == "READY"
        async with http_session(bearer_server, "scout-token") as session:
            accepted = await call(session, "send_message", {"target": "room:lab", "text": "hello from MCP"})
        assert accepted["accepted"] is True and accepted["message_id"].startswith("msg_")
        event = ada.event_of_type("message.created", timeout=10)
        assert event["message"]["id"] == accepted["message_id"]
        assert event["message"]["from"]["id"] == "scout" and event["message"]["parts"][0]["text"] == "hello from MCP"
    finally:
        ada.close()
    history = bearer_server.client("op-token").get("/v1/rooms/lab/messages").json()["messages"]
    assert accepted["message_id"] in [m["id"] for m in history]
    # The operator reads it back through MCP too.
    async with http_session(bearer_server, "op-token", agent="ada") as session:
        page = await call(session, "read_messages", {"target": "room:lab", "limit": 5})
        assert "hello from MCP" in texts(page["messages"])
        assert (await call(session, "list_participants", {"target": "room:lab"}))["participants"] == ["ada", "scout"]


async def test_send_errors_are_the_apis(bearer_server):
    async with http_session(bearer_server, "scout-token") as session:
        assert "write policy forbids sender" in await refusal(session, "send_message",
                                                               {"target": "room:side", "text": "let me in"})
        assert "target must be room:<id> or dm:<id>" in await refusal(session, "send_message",
                                                                       {"target": "lab", "text": "x"})
        # A new DM needs its participants; scout may not look the DM up (no observe scope).
        assert "give `to`" in await refusal(session, "send_message", {"target": "dm:fresh", "text": "hi"})
        sent = await call(session, "send_message", {"target": "dm:scout-ada", "text": "psst", "to": ["ada"]})
        assert sent["dm_created"] is True
        # The API's 1 MiB body limit holds for a send through MCP too, on UTF-8 bytes (800 KB here fit).
        assert "400 http: request body too large" in await refusal(session, "send_message",
                                                                   {"target": "room:lab", "text": "x" * (1 << 20)})
        assert (await call(session, "send_message", {"target": "room:lab", "text": "é" * 400_000}))["accepted"]
    dms = bearer_server.client("op-token").get("/v1/dms/scout-ada").json()
    assert dms["participant_ids"] == ["ada", "scout"]


async def test_search_finds_what_the_token_may_read(bearer_server):
    post(bearer_server, "op-token", room("lab"), "ada", "the deploy rollback worked")
    async with http_session(bearer_server, "read-token") as session:
        found = await call(session, "search_messages", {"query": "rollback", "target": "room:lab"})
        assert texts(found["messages"]) == ["the deploy rollback worked"]
        assert "[[rollback]]" in found["messages"][0]["snippet"]
        assert (await call(session, "search_messages", {"query": "rollback", "target": "room:side"}))["messages"] == []


async def test_wait_returns_a_message_posted_after_it_started_then_continues_from_its_cursor(bearer_server):
    async with http_session(bearer_server, "scout-token") as session:
        start = await call(session, "wait_for_messages", {"timeout_seconds": 1})
        assert start["messages"] == [] and start["timed_out"] is True
        waiting = asyncio.create_task(call(session, "wait_for_messages",
                                           {"cursor": start["cursor"], "timeout_seconds": 60}))
        await asyncio.sleep(0.3)
        assert not waiting.done()
        sent = post(bearer_server, "ada-token", room("lab"), "ada", "are you there, scout?")
        woke = await asyncio.wait_for(waiting, 30)
        assert [m["id"] for m in woke["messages"]] == [sent["message_id"]] and woke["timed_out"] is False
        assert woke["cursor"] == sent["event_id"]

        # Posted between two calls: the cursor loses nothing.
        later = post(bearer_server, "ada-token", room("lab"), "ada", "still there?")
        again = await call(session, "wait_for_messages", {"cursor": woke["cursor"], "timeout_seconds": 5})
        assert [m["id"] for m in again["messages"]] == [later["message_id"]]
        assert "unknown cursor" in await refusal(session, "wait_for_messages", {"cursor": "evt_nope"})


async def test_wait_hears_only_what_concerns_the_agent(bearer_server):
    async with http_session(bearer_server, "scout-token") as session:
        cursor = (await call(session, "wait_for_messages", {"timeout_seconds": 1}))["cursor"]
        post(bearer_server, "ada-token", room("side"), "ada", "side talk (scout is not a member)")
        post(bearer_server, "scout-token", room("lab"), "scout", "scout's own message")
        post(bearer_server, "op-token", dm("ada-bob", "ada", "bob"), "ada", "a DM between others")
        post(bearer_server, "op-token", dm("ada-scout", "ada", "scout"), "ada", "a DM to scout")
        post(bearer_server, "ada-token", room("lab"), "ada", "lab talk")
        heard = await call(session, "wait_for_messages", {"cursor": cursor, "timeout_seconds": 5})
        assert texts(heard["messages"]) == ["a DM to scout", "lab talk"]
    # An observer (no agent) hears every message its token may see.
    async with http_session(bearer_server, "read-token") as session:
        heard = await call(session, "wait_for_messages", {"cursor": cursor, "timeout_seconds": 5})
        assert texts(heard["messages"]) == ["side talk (scout is not a member)", "scout's own message",
                                            "a DM between others", "a DM to scout", "lab talk"]


@pytest.fixture(scope="module")
def luna(open_server) -> str:
    """An agent token from open registration (ada registers too: the operator sends as her)."""
    tokens = []
    for agent in ("luna", "ada"):
        response = httpx.post(open_server.base_url + "/v1/agents/register", json={"requested_agent_id": agent})
        assert response.status_code == 201, response.text
        tokens.append(response.json()["agent_token"])
    return tokens[0]


def test_an_agent_token_acts_as_its_own_agent_only(open_server, luna):
    body = {"jsonrpc": "2.0", "id": 1, "method": "tools/list"}
    other = httpx.post(open_server.base_url + "/mcp", json=body,
                       headers={"Authorization": f"Bearer {luna}", "X-Moltnet-Agent": "ada"})
    assert other.status_code == 403 and other.json()["error"] == 'agent token is not valid for agent "ada"'


async def test_an_agent_token_under_public_read_reads_public_rooms_hears_and_finds_its_own(open_server, luna):
    async with http_session(open_server, luna) as session:
        assert await tool_names(session) == ALL_TOOLS
        cursor = (await call(session, "wait_for_messages", {"timeout_seconds": 1}))["cursor"]
        post(open_server, "op-token", room("den"), "ada", "private den talk")
        post(open_server, "op-token", dm("ada-bob", "ada", "bob"), "ada", "not for luna")
        post(open_server, "op-token", dm("ada-luna", "ada", "luna"), "ada", "for luna only")
        post(open_server, "op-token", room("square"), "ada", "square talk about comets")
        heard = await call(session, "wait_for_messages", {"cursor": cursor, "timeout_seconds": 5})
        # As on /v1/attach under public_read: private rooms are withheld even from members.
        assert texts(heard["messages"]) == ["for luna only", "square talk about comets"]

        assert "square talk about comets" in texts((await call(session, "read_messages",
                                                               {"target": "room:square"}))["messages"])
        assert "403 room den is not readable" in await refusal(session, "read_messages", {"target": "room:den"})
        assert "403 forbidden" in await refusal(session, "read_messages", {"target": "dm:ada-luna"})
        conversations = await call(session, "list_conversations")
        assert [r["target"] for r in conversations["rooms"]] == ["room:square"] and "dms" not in conversations
        [square] = conversations["rooms"]
        assert square["you_are_member"] is True and square["write_policy"] == "registered_agents"
        assert texts((await call(session, "search_messages", {"query": "comets"}))["messages"]) == \
            ["square talk about comets"]
        # Search (our extension) also finds an agent's own conversations: its member room and its DM.
        assert texts((await call(session, "search_messages", {"query": "den"}))["messages"]) == ["private den talk"]
        assert texts((await call(session, "search_messages", {"query": "luna"}))["messages"]) == ["for luna only"]

        sent = await call(session, "send_message", {"target": "room:square", "text": "hello @ada"})
    history = open_server.client().get("/v1/rooms/square/messages").json()["messages"]
    [mine] = [m for m in history if m["id"] == sent["message_id"]]
    assert mine["from"]["id"] == "luna" and mine["mentions"] == ["molt://plaza/agents/ada"]


async def test_a_thread_and_a_known_dm_through_send_and_read(bearer_server):
    async with http_session(bearer_server, "op-token", agent="ada") as session:
        sent = await call(session, "send_message", {"target": "room:lab", "thread_id": "plans", "text": "thread start"})
        assert sent["thread_created"] is True
        assert texts((await call(session, "read_messages", {"target": "thread:plans"}))["messages"]) == ["thread start"]
        # An existing DM: a token that may read it needs no `to` (the participants are looked up).
        post(bearer_server, "op-token", dm("ada-cleo", "ada", "cleo"), "cleo", "hi ada")
        await call(session, "send_message", {"target": "dm:ada-cleo", "text": "hi cleo"})
        assert texts((await call(session, "read_messages", {"target": "dm:ada-cleo"}))["messages"]) == \
            ["hi ada", "hi cleo"]  # the newest page, oldest first, as history pages are
        assert (await call(session, "list_participants", {"target": "dm:ada-cleo"}))["participants"] == ["ada", "cleo"]
        assert "dm:ada-cleo" in [d["target"] for d in (await call(session, "list_conversations"))["dms"]]
        assert "less than the minimum of 1" in await refusal(session, "read_messages",
                                                             {"target": "room:lab", "limit": 0})


NONE = """\
version: moltnet.v1
network: {id: home, name: Home}
rooms:
  - {id: den, members: [ada]}
"""


async def test_mode_none_gives_every_tool_and_sends_as_the_named_agent(live_server_factory):
    server = live_server_factory(NONE, env={"PYTHONPATH": str(REPO)})
    async with http_session(server) as session:  # no header at all: an observer
        assert await tool_names(session) == ALL_TOOLS - {"send_message"}
    async with http_session(server, agent="ada") as session:
        assert await tool_names(session) == ALL_TOOLS
        sent = await call(session, "send_message", {"target": "room:den", "text": "home again"})
    [message] = server.client().get("/v1/rooms/den/messages").json()["messages"]
    assert message["id"] == sent["message_id"] and message["from"]["id"] == "ada"

    # Stopping the server answers a pending wait at once (timed out, with its cursor) and exits 0.
    body = {"jsonrpc": "2.0", "id": 1, "method": "tools/call",
            "params": {"name": "wait_for_messages", "arguments": {"timeout_seconds": 100}}}
    headers = {"Accept": "application/json, text/event-stream", "MCP-Protocol-Version": "2025-11-25"}
    async with httpx.AsyncClient(base_url=server.base_url, timeout=60) as client:
        waiting = asyncio.create_task(client.post("/mcp", json=body, headers=headers))
        await asyncio.sleep(0.5)
        started = time.monotonic()
        assert await asyncio.to_thread(server.stop) == 0
        answer = await waiting
    assert time.monotonic() - started < 5
    result = answer.json()["result"]["structuredContent"]
    assert result == {"messages": [], "cursor": sent["event_id"], "timed_out": True}
