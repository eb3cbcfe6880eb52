"""Issue 13 behind the README's real nginx: every per-address decision counts the client nginx names
(server.trusted_proxies), spoofed headers change nothing, and send limits hold across two processes."""

from __future__ import annotations

import contextlib
import json
import socket
import ssl
import uuid

import httpx
import pytest
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect

from tests.support.attach import eventually
from tests.support.deploy import OPERATOR, deployment

pytestmark = [pytest.mark.live, pytest.mark.postgres]


def lowered(text: str) -> str:
    """The README's file with small limits, so a test reaches them in a few requests."""
    return (text.replace("register_per_minute: 10 ", "register_per_minute: 3  ")
            .replace("attach_per_minute: 30 ", "attach_per_minute: 2  ")
            .replace("send_burst: 20 ", "send_burst: 3  "))


@pytest.fixture
def deployed(pg_cluster, redis_server, tmp_path):
    with deployment(pg_cluster, redis_server, tmp_path, lowered) as running:
        yield running


def register(client: httpx.Client, **headers: str) -> int:
    return client.post("/v1/agents/register", json={"requested_agent_id": f"a{uuid.uuid4().hex[:10]}"},
                       headers=headers).status_code


def test_registration_limits_count_each_client_behind_nginx_and_ignore_spoofing(deployed):
    with deployed.client("127.0.0.2") as noisy, deployed.client("127.0.0.3") as quiet:
        # The client writes its own X-Forwarded-For; nginx appends the real address, which is what counts.
        spoof = {"X-Forwarded-For": "198.51.100.1", "Forwarded": "for=198.51.100.2"}
        assert [register(noisy, **spoof) for _ in range(4)] == [201, 201, 201, 429]
        assert register(noisy, **{"X-Forwarded-For": "198.51.100.3"}) == 429
        assert [register(quiet) for _ in range(3)] == [201, 201, 201]  # not nginx's one shared address
    # Straight to a process from an address that is not a trusted proxy: the headers are ignored.
    direct = deployed.servers[0].base_url
    with httpx.Client(base_url=direct, timeout=10, transport=httpx.HTTPTransport(local_address="127.0.0.4")) as c:
        assert [register(c, **{"X-Forwarded-For": f"198.51.100.{i}"}) for i in range(4)] == [201, 201, 201, 429]

    def logs() -> str:  # an access line is written once its answer has gone out, so the last may trail
        text = "".join(server.log() for server in deployed.servers)
        return text if "client=127.0.0.4" in text else ""

    logs = eventually(logs)
    assert "client=127.0.0.2" in logs and "client=127.0.0.3" in logs and "client=127.0.0.4" in logs
    assert "client=198.51.100" not in logs


def attach_from(deployed, source: str, spoof: str = "198.51.100.9") -> str:
    """Open /v1/attach anonymously through nginx from `source`; the first frame's op, or the refusal."""
    tls = ssl.create_default_context()
    tls.check_hostname, tls.verify_mode = False, ssl.CERT_NONE
    raw = socket.create_connection(("127.0.0.1", deployed.https_port), timeout=10, source_address=(source, 0))
    try:
        with connect(f"wss://localhost:{deployed.https_port}/v1/attach", sock=raw, ssl=tls,
                     server_hostname="localhost",
                     additional_headers={"Origin": deployed.origin, "X-Forwarded-For": spoof}) as ws:
            return json.loads(ws.recv(timeout=5))["op"]
    except InvalidStatus as refused:
        return str(refused.response.status_code)


def test_anonymous_attach_limits_count_each_client_behind_nginx(deployed):
    assert [attach_from(deployed, "127.0.0.9", f"198.51.100.{i}") for i in range(3)] == ["HELLO", "HELLO", "429"]
    assert attach_from(deployed, "127.0.0.10") == "HELLO"


def test_failed_authentications_are_audited_with_the_client_address(deployed):
    with deployed.client("127.0.0.5") as client:
        for _ in range(5):
            assert client.get("/v1/rooms", headers={"Authorization": "Bearer wrong"}).status_code == 401
        events = client.get("/v1/audit/credentials", headers=OPERATOR).json()
    rows = [e for e in events["events"] if e["kind"] == "auth.failures"]
    assert [row["remote_addr"] for row in rows] == ["127.0.0.5"]


def test_the_sse_cap_per_address_counts_clients_not_the_proxy(deployed):
    """16 streams per address on each process (the cap is per process): 32 through nginx's round robin."""
    streams = contextlib.ExitStack()
    with streams, deployed.client("127.0.0.6", timeout=httpx.Timeout(10, read=None)) as crowd, \
            deployed.client("127.0.0.7", timeout=httpx.Timeout(10, read=None)) as other:
        statuses = [streams.enter_context(crowd.stream("GET", "/v1/events/stream")).status_code for _ in range(36)]
        assert sorted(statuses) == [200] * 32 + [503] * 4
        with other.stream("GET", "/v1/events/stream") as accepted:
            assert accepted.status_code == 200  # another client is not nginx's one shared address


def test_send_limits_hold_across_both_processes_and_spare_operators(deployed):
    with deployed.client("127.0.0.8") as client:
        token = client.post("/v1/agents/register", json={"requested_agent_id": "chatty"}).json()["agent_token"]
        agent = {"Authorization": f"Bearer {token}"}
        body = {"target": {"kind": "room", "room_id": "lobby"}, "from": {"type": "agent", "id": "chatty"},
                "parts": [{"kind": "text", "text": "hi"}]}
        # nginx round-robins: the six sends reach both processes, which share one bucket in Postgres.
        answers = [client.post("/v1/messages", json=body, headers=agent) for _ in range(6)]
        assert [a.status_code for a in answers] == [202, 202, 202, 429, 429, 429]
        refused = answers[3]
        assert refused.json()["code"] == "too_many_requests" and refused.headers["Retry-After"] == "1"
        history = client.get("/v1/rooms/lobby/messages", headers=OPERATOR).json()["messages"]
        assert len([m for m in history if m["from"]["id"] == "chatty"]) == 3
        ops = {"target": {"kind": "room", "room_id": "lobby"}, "from": {"type": "human", "id": "ops"},
               "parts": [{"kind": "text", "text": "hello"}]}
        assert {client.post("/v1/messages", json=ops, headers=OPERATOR).status_code for _ in range(6)} == {202}
