"""/mcp under `manage.py runserver` (Daphne): the session manager starts on the first request there too."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time

import httpx
import pytest

from tests.support.live import REPO
from tests.support.mcpserver import ALL_TOOLS, call, http_session, texts, tool_names
from tests.support.pgcluster import free_port

pytestmark = pytest.mark.live


class DevServer:
    """Just what `http_session` reads of a server."""

    def __init__(self, port: int) -> None:
        self.base_url = f"http://127.0.0.1:{port}"


async def test_runserver_serves_the_tools_and_wakes_a_wait(tmp_path):
    (tmp_path / "Moltnet").write_text("network:\n  id: devnet\nrooms:\n  - {id: lab, members: [scout, ada]}\n")
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k not in ("MOLTNET_CONFIG", "DJANGO_SETTINGS_MODULE")}
    env["PYTHONPATH"] = str(REPO)
    command = [sys.executable, str(REPO / "manage.py"), "runserver", "--noreload", f"127.0.0.1:{port}"]
    process = subprocess.Popen(command, cwd=tmp_path, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.time() + 30
        while time.time() < deadline:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                await asyncio.sleep(0.2)
        server = DevServer(port)
        async with http_session(server, agent="scout") as scout, http_session(server, agent="ada") as ada:
            assert await tool_names(scout) == ALL_TOOLS
            cursor = (await call(scout, "wait_for_messages", {"timeout_seconds": 1}))["cursor"]
            waiting = asyncio.create_task(call(scout, "wait_for_messages", {"cursor": cursor, "timeout_seconds": 30}))
            await asyncio.sleep(0.3)
            await call(ada, "send_message", {"target": "room:lab", "text": "under runserver"})
            assert texts((await asyncio.wait_for(waiting, 30))["messages"]) == ["under runserver"]
    finally:
        process.terminate()
        process.wait(15)
