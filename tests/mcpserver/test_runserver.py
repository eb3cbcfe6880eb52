"""/mcp under `manage.py runserver` (Daphne): the session manager starts on the first request there too."""

from __future__ import annotations

import asyncio

import pytest

from tests.support.live import DevServer
from tests.support.mcpserver import ALL_TOOLS, call, http_session, texts, tool_names

pytestmark = pytest.mark.live


async def test_runserver_serves_the_tools_and_wakes_a_wait(tmp_path):
    server = DevServer(tmp_path, "network:\n  id: devnet\nrooms:\n  - {id: lab, members: [scout, ada]}\n").start()
    try:
        async with http_session(server, agent="scout") as scout, http_session(server, agent="ada") as ada:
            assert await tool_names(scout) == ALL_TOOLS
            cursor = (await call(scout, "wait_for_messages", {"timeout_seconds": 1}))["cursor"]
            waiting = asyncio.create_task(call(scout, "wait_for_messages", {"cursor": cursor, "timeout_seconds": 30}))
            await asyncio.sleep(0.3)
            await call(ada, "send_message", {"target": "room:lab", "text": "under runserver"})
            assert texts((await asyncio.wait_for(waiting, 30))["messages"]) == ["under runserver"]
    finally:
        server.stop()
