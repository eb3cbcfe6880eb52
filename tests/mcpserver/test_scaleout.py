"""/mcp on two server processes sharing Postgres and Redis: no session affinity needed, and a wait on
one process hears a send made through the other."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import textwrap
import uuid

import httpx
import pytest
from mcp import ClientSession
from mcp.client.streamable_http import streamable_http_client

from tests.support.live import REPO, LiveServer
from tests.support.mcpserver import call, texts

pytestmark = [pytest.mark.live, pytest.mark.postgres]

CONFIG = """
version: moltnet.v1
network: {id: team, name: Team}
auth:
  mode: bearer
  tokens:
    - {id: scout, value: scout-token, scopes: [observe, write, attach], agents: [scout]}
    - {id: ada, value: ada-token, scopes: [observe, write, attach], agents: [ada]}
storage: {kind: postgres, postgres: {dsn: "%(dsn)s"}}
rooms:
  - {id: lab, members: [scout, ada]}
"""


@pytest.fixture(scope="module")
def pair(pg_cluster, redis_server, tmp_path_factory):
    dsn = pg_cluster.create_database("mcp_scaleout_" + uuid.uuid4().hex[:8])
    env = {"PYTHONPATH": str(REPO), "MOLTNET_REDIS_URL": redis_server.url}
    servers = []
    for name in ("a", "b"):  # one after the other: the first one migrates the shared database
        servers.append(LiveServer(tmp_path_factory.mktemp(name), textwrap.dedent(CONFIG) % {"dsn": dsn}, env).start())
    yield servers
    for server in servers:
        server.stop()


class RoundRobin(httpx.AsyncBaseTransport):
    """Each request to the next process, as a proxy without affinity would send them."""

    def __init__(self, ports: list[int]) -> None:
        self.ports = itertools.cycle(ports)
        self.inner = httpx.AsyncHTTPTransport()
        self.seen: list[int] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        port = next(self.ports)
        self.seen.append(port)
        request.url = request.url.copy_with(port=port)
        return await self.inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self.inner.aclose()


@contextlib.asynccontextmanager
async def spread_session(servers: list[LiveServer], token: str):
    transport = RoundRobin([s.port for s in servers])
    async with (
        httpx.AsyncClient(transport=transport, headers={"Authorization": f"Bearer {token}"},
                          timeout=httpx.Timeout(30, read=120)) as http,
        streamable_http_client(servers[0].base_url + "/mcp", http_client=http) as (read, write, _),
        ClientSession(read, write) as session,
    ):
        await session.initialize()
        yield session, transport


async def test_a_session_spread_over_two_processes_and_a_wait_woken_across_them(pair):
    a, b = pair
    async with spread_session(pair, "scout-token") as (scout, transport), \
            spread_session(pair, "ada-token") as (ada, _):
        cursor = (await call(scout, "wait_for_messages", {"timeout_seconds": 1}))["cursor"]
        waiting = asyncio.create_task(call(scout, "wait_for_messages", {"cursor": cursor, "timeout_seconds": 60}))
        await asyncio.sleep(0.3)
        sent = await call(ada, "send_message", {"target": "room:lab", "text": "from the other process"})
        woke = await asyncio.wait_for(waiting, 30)
        assert [m["id"] for m in woke["messages"]] == [sent["message_id"]]
        history = await call(scout, "read_messages", {"target": "room:lab"})
        assert texts(history["messages"]) == ["from the other process"]
        assert {a.port, b.port} <= set(transport.seen)  # both processes served this one session
