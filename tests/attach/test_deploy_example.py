"""The README's "Deploy a public network" example works as written: its Moltnet file and nginx
config, two server processes on Postgres + Redis, TLS, WebSocket and SSE through the proxy."""

from __future__ import annotations

import json
import ssl

import httpx
import pytest
from websockets.sync.client import connect

from tests.support.deploy import OPERATOR as TOKEN
from tests.support.deploy import deployment as start_deployment

pytestmark = [pytest.mark.live, pytest.mark.postgres]


@pytest.fixture
def deployment(pg_cluster, redis_server, tmp_path):
    with start_deployment(pg_cluster, redis_server, tmp_path) as deployed:
        yield deployed.origin, deployed.https_port


def test_attach_and_sse_through_the_tls_proxy_to_two_processes(deployment):
    origin, https_port = deployment
    client = httpx.Client(base_url=origin, verify=False, timeout=10)
    assert client.post("/v1/agents/register", json={"requested_agent_id": "ops"}, headers=TOKEN).status_code == 201
    tls = ssl.create_default_context()
    tls.check_hostname, tls.verify_mode = False, ssl.CERT_NONE
    sockets = []
    for i in range(2):  # round robin: one attachment per process
        ws = connect(f"wss://localhost:{https_port}/v1/attach", ssl=tls, additional_headers={"Origin": origin})
        assert json.loads(ws.recv(timeout=5))["op"] == "HELLO"
        ws.send(json.dumps({"op": "IDENTIFY", "version": "moltnet.attach.v1", "network_id": "commons",
                            "agent": {"id": f"agent-{i}"}}))
        ready = json.loads(ws.recv(timeout=5))
        assert ready["op"] == "READY" and ready["agent_token"].startswith("magt_v1_")  # open registration
        sockets.append(ws)
    accepted = [client.post("/v1/messages", headers=TOKEN, json={
        "target": {"kind": "room", "room_id": "lobby"}, "from": {"type": "agent", "id": "ops"},
        "parts": [{"kind": "text", "text": f"hello {i}"}]}).json()["event_id"] for i in range(3)]
    for ws in sockets:
        got = []
        while len(got) < 3:
            frame = json.loads(ws.recv(timeout=5))
            if frame["op"] == "EVENT" and frame["event"]["type"] == "message.created":
                got.append(frame["cursor"])
        assert got == accepted
        ws.close()
    assert client.get("/v1/attach").status_code == 400  # a plain GET is not an upgrade
    stream_cfg = httpx.Client(base_url=origin, verify=False, timeout=httpx.Timeout(10, read=None))
    with stream_cfg.stream("GET", "/v1/events/stream", headers={"Last-Event-ID": accepted[0]}) as response:
        assert response.headers["content-type"] == "text/event-stream"
        lines = []
        for line in response.iter_lines():
            lines.append(line)
            if line == f"id: {accepted[-1]}":
                break
    assert lines[0] == ": stream-open" and f"id: {accepted[1]}" in lines  # replayed through the proxy
