"""Smoke set against a real `moltnet start` over real HTTP, on SQLite and on Postgres."""

from __future__ import annotations

import re

import httpx
import pytest

from tests.support.live import LiveServer

pytestmark = pytest.mark.live

CONFIG = """version: moltnet.v1
network:
  id: smoke
  name: Smoke Net
rooms:
  - id: lab
    members: [ada, grace]
"""


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def server(request, tmp_path_factory):
    env = {}
    if request.param == "postgres":
        env["MOLTNET_POSTGRES_DSN"] = request.getfixturevalue("pg_cluster").create_database("moltnet_smoke")
    live = LiveServer(tmp_path_factory.mktemp(request.param), CONFIG, env).start()
    yield live
    live.stop()


@pytest.fixture
def client(server):
    with server.client() as c:
        yield c


def text(body: str) -> list[dict]:
    return [{"kind": "text", "text": body}]


def test_conversation_round_trip(client):
    assert client.get("/v1/network").json()["id"] == "smoke"
    created = client.post("/v1/rooms", json={"id": "side", "members": ["ada"]})
    assert created.status_code == 201
    assert [r["id"] for r in client.get("/v1/rooms").json()["rooms"]] == ["lab", "side"]

    sent = client.post("/v1/messages", json={"id": "msg_1", "target": {"kind": "room", "room_id": "lab"},
                                             "from": {"type": "agent", "id": "ada"},
                                             "parts": [*text("@grace see"), {"kind": "url", "url": "https://x.org/a"}]})
    assert sent.status_code == 202
    assert sent.json()["event_id"] == "evt_116b88f1-7300-4be5-a05d-f2a87105f095"
    [message] = client.get("/v1/rooms/lab/messages").json()["messages"]
    assert message["mentions"] == ["molt://smoke/agents/grace"]

    reply = client.post("/v1/messages", json={"target": {"kind": "thread", "room_id": "lab", "thread_id": "t1",
                                                         "parent_message_id": "msg_1"},
                                              "from": {"id": "grace"}, "parts": text("on it")})
    assert reply.json()["thread_created"] is True
    assert client.get("/v1/threads/t1").json()["message_count"] == 1
    assert [t["id"] for t in client.get("/v1/rooms/lab/threads").json()["threads"]] == ["t1"]

    dm_target = {"kind": "dm", "dm_id": "d1", "participant_ids": ["ada", "grace"]}
    direct = client.post("/v1/messages", json={"target": dm_target, "from": {"id": "ada"}, "parts": text("psst")})
    assert direct.json()["dm_created"] is True
    assert client.get("/v1/dms/d1").json()["participant_ids"] == ["ada", "grace"]
    assert len(client.get("/v1/dms/d1/messages").json()["messages"]) == 1

    artifacts = client.get("/v1/artifacts", params={"room_id": "lab"}).json()["artifacts"]
    assert [a["id"] for a in artifacts] == ["art_msg_1_1"]

    retry = client.post("/v1/messages", json={"id": "msg_1", "target": {"kind": "room", "room_id": "lab"},
                                              "from": {"id": "ada"}, "parts": text("again")})
    assert retry.json() == sent.json()


def test_history_pages_over_http(client):
    for i in range(5):
        client.post("/v1/messages", json={"id": f"p{i}", "target": {"kind": "room", "room_id": "side"},
                                          "from": {"id": "ada"}, "parts": text(str(i))})
    first = client.get("/v1/rooms/side/messages", params={"limit": 2}).json()
    assert [m["id"] for m in first["messages"]] == ["p3", "p4"]
    older = client.get("/v1/rooms/side/messages", params={"limit": 2, "before": first["page"]["next_before"]}).json()
    assert [m["id"] for m in older["messages"]] == ["p1", "p2"]
    assert client.get("/v1/rooms/side/messages", params={"after": "zzz"}).status_code == 422


def test_errors_over_http(client, server):
    too_big = client.post("/v1/messages", content=b'{"parts":"' + b"x" * (1 << 20) + b'"}')
    assert too_big.status_code == 400
    assert too_big.json()["error"] == "http: request body too large"
    two_values = client.post("/v1/rooms", content=b'{"id":"a"}{"id":"b"}')
    assert (two_values.status_code, two_values.json()["error"]) == (400, "expected a single JSON object")
    assert client.request("PUT", "/v1/rooms").headers["allow"] == "GET, HEAD, POST"
    unknown = client.get("/v1/rooms/nope", headers={"X-Request-Id": "smoke-1"})
    assert unknown.json() == {"error": 'unknown room "nope"', "code": "not_found", "request_id": "smoke-1"}
    assert unknown.headers["x-request-id"] == "smoke-1"
    head = client.head("/v1/rooms/lab")
    assert (head.status_code, head.content) == (200, b"")
    redirect = httpx.get(server.base_url + "/somewhere", follow_redirects=False)
    assert (redirect.status_code, redirect.headers["location"]) == (307, "/console/")
    assert client.get("/console/").status_code in (200, 302)


def test_metrics_count_the_requests(client):
    client.get("/v1/network")
    body = client.get("/metrics").text
    assert re.search(r'^moltnet_http_requests_total\{method="GET",route="GET /v1/network",status="200"\} \d+$',
                     body, re.M)
    assert re.search(r'^moltnet_http_requests_total\{method="POST",route="POST /v1/messages",status="202"\} \d+$',
                     body, re.M)
    assert "moltnet_store_health 1\n" in body
