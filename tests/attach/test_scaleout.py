"""Two real server processes on one Postgres database and one Redis: one network (issue 4 item 6)."""

from __future__ import annotations

import textwrap
import time
import uuid

import httpx
import pytest

from tests.support.attach import LIVE_ENV, eventually, room, send
from tests.support.attachclient import Attachment
from tests.support.live import LiveServer
from tests.support.sse import Stream

pytestmark = [pytest.mark.live, pytest.mark.postgres]

CONFIG = """
version: moltnet.v1
network: {id: lab, name: Lab}
server: {debug_events: true}
auth: {mode: none}
storage: {kind: postgres, postgres: {dsn: "%(dsn)s"}}
rooms:
  - {id: atrium, name: Atrium, visibility: public, members: [luna, orion]}
"""


@pytest.fixture(scope="module")
def pair(pg_cluster, redis_server, tmp_path_factory):
    dsn = pg_cluster.create_database("scaleout_" + uuid.uuid4().hex[:8])
    env = {**LIVE_ENV, "MOLTNET_REDIS_URL": redis_server.url}
    servers = []
    for name in ("a", "b"):  # one after the other: the first one migrates the shared database
        servers.append(LiveServer(tmp_path_factory.mktemp(name), textwrap.dedent(CONFIG) % {"dsn": dsn}, env).start())
    yield servers
    for server in servers:
        server.stop()


def test_an_agent_attached_to_a_receives_a_message_posted_to_b(pair):
    a, b = pair
    att = Attachment(a.ws_url)
    att.identify("luna")
    accepted = send(b, room(), "across processes", mentions=["luna"])
    event = att.event_of_type("message.created")
    assert event["id"] == accepted["event_id"] and event["message"]["mentions"] == ["molt://lab/agents/luna"]
    # Redis wakes the other process at once; the hub's 1 s poll is only the safety net.
    delays = []
    for _ in range(5):
        started = time.monotonic()
        accepted = send(b, room(), "timed")
        while att.event_of_type("message.created")["id"] != accepted["event_id"]:
            pass
        delays.append(time.monotonic() - started)
    print("cross-process delays", delays)
    assert sorted(delays)[2] < 0.5
    att.close()


def test_an_observer_on_b_sees_events_caused_on_a(pair):
    a, b = pair
    stream = Stream(b.base_url)
    stream.block()
    att = Attachment(a.ws_url)
    att.identify("orion")
    accepted = send(a, room(), "seen from b")
    seen = stream.events_until(accepted["event_id"])
    assert ("agent.connected", "orion") in [(t, d.get("agent", {}).get("agent_id")) for _, t, d in seen]
    att.close()
    stream.close()


def test_a_cursor_from_a_resumes_on_b(pair):
    a, b = pair
    att = Attachment(a.ws_url)
    att.identify("mira")
    first = send(a, room(), "first")
    cursor = att.event_of_type("message.created")["id"]
    assert cursor == first["event_id"]
    att.close()
    missed = [send(a, room(), f"missed {i}")["event_id"] for i in range(3)]
    resumed = Attachment(b.ws_url)
    resumed.identify("mira", cursor=cursor)
    got = []
    while len(got) < 3:
        event = resumed.next_event()["event"]
        if event["type"] == "message.created":
            got.append(event["id"])
    assert got == missed
    resumed.close()


def test_presence_and_claims_are_shared(pair):
    a, b = pair
    att = Attachment(a.ws_url)
    att.identify("solo")
    assert eventually(lambda: httpx.get(b.base_url + "/v1/agents/solo").json().get("connected"))
    other = Attachment(b.ws_url)
    assert other.identify("solo")["error"].endswith("attach with an actor credential to reconnect")
    att.close()
    assert eventually(lambda: not httpx.get(b.base_url + "/v1/agents/solo").json().get("connected"))
