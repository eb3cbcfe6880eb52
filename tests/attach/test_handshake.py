"""The HTTP side of /v1/attach (docs/protocol/attach.md §3): auth before the upgrade, origins, plain GETs,
HELLO — in-process: the consumer and the plain-HTTP handler under Channels' ApplicationCommunicator,
the server's `websocket.http.response` extension offered as uvicorn offers it."""

from __future__ import annotations

import json
from dataclasses import dataclass

import pytest
from channels.testing import ApplicationCommunicator

from attach.consumers import AttachConsumer
from attach.handshake import attach_http
from tests.support import inprocess
from tests.support.attach import BEARER_CONFIG, NONE_CONFIG
from tests.support.inprocess import Session

pytestmark = pytest.mark.django_db(transaction=True)


@dataclass
class Refusal:
    status_code: int
    headers: dict[str, str]
    content: bytes


def scope_of(kind: str, headers: dict[str, str], method: str = "GET") -> dict:
    scope = {"type": kind, "path": "/v1/attach", "raw_path": b"/v1/attach", "query_string": b"",
             "headers": [(k.lower().encode(), v.encode()) for k, v in headers.items()],
             "client": ("127.0.0.1", 50000), "server": ("127.0.0.1", 8787)}
    if kind == "websocket":
        scope.update(scheme="ws", subprotocols=[], extensions={"websocket.http.response": {}})
    else:
        scope.update(method=method, scheme="http", http_version="1.1", root_path="")
    return scope


async def response_of(communicator: ApplicationCommunicator, start_type: str) -> Refusal:
    start = await communicator.receive_output(10)
    assert start["type"] == start_type, start
    body = await communicator.receive_output(10)
    headers = {k.decode().lower(): v.decode() for k, v in start["headers"]}
    return Refusal(start["status"], headers, body.get("body", b""))


async def refused(headers: dict[str, str]) -> Refusal:
    """The HTTP answer to an upgrade the server refuses."""
    communicator = ApplicationCommunicator(AttachConsumer.as_asgi(), scope_of("websocket", headers))
    await communicator.send_input({"type": "websocket.connect"})
    refusal = await response_of(communicator, "websocket.http.response.start")
    await communicator.send_input({"type": "websocket.disconnect", "code": 1006})
    await communicator.wait(5)
    return refusal


async def plain(method: str = "GET", headers: dict[str, str] | None = None) -> Refusal:
    """/v1/attach as a plain HTTP request (no Upgrade)."""
    communicator = ApplicationCommunicator(attach_http, scope_of("http", headers or {}, method))
    await communicator.send_input({"type": "http.request", "body": b"", "more_body": False})
    answer = await response_of(communicator, "http.response.start")
    await communicator.wait(5)
    return answer


async def test_hello_is_the_exact_first_frame(none_network):
    att = await Session.open()
    assert att.hello == {"op": "HELLO", "version": "moltnet.attach.v1", "heartbeat_interval_ms": 5000,
                         "capabilities": {}}
    await att.close()


async def test_bearer_mode_requires_a_token_with_attach_scope(bearer_network):
    missing = await refused({})
    assert missing.status_code == 401
    assert missing.headers["content-type"] == "application/json"
    body = json.loads(missing.content)
    assert body["error"] == "authorization required" and body["code"] == "unauthorized"
    assert body["request_id"].startswith("req_")

    unknown = await refused({"Authorization": "Bearer nope"})
    assert (unknown.status_code, json.loads(unknown.content)["error"]) == (401, "invalid token")

    malformed = await refused({"Authorization": "Token abc"})
    assert json.loads(malformed.content)["error"] == "invalid authorization header"

    observer = await refused({"Authorization": "Bearer watch-secret"})
    assert observer.status_code == 403
    assert json.loads(observer.content) | {"request_id": ""} == {"error": "forbidden", "code": "forbidden",
                                                                  "request_id": ""}

    att = await Session.open("attach-secret")
    assert (await att.identify("luna"))["op"] == "READY"
    await att.close()


async def test_a_foreign_origin_is_refused_with_plain_text(bearer_network):
    response = await refused({"Authorization": "Bearer attach-secret", "Origin": "https://evil.example"})
    assert response.status_code == 403
    assert response.content == b"Forbidden\n"
    assert response.headers["content-type"] == "text/plain; charset=utf-8"
    assert response.headers["sec-websocket-version"] == "13"
    assert (await refused({"Authorization": "Bearer attach-secret", "Origin": "null"})).status_code == 403


async def test_the_derived_origin_of_the_listen_address_is_allowed(none_network):
    # The network's listen address is the default `:8787`.
    att = await Session.open(headers={"Origin": "http://127.0.0.1:8787"})
    assert att.hello["op"] == "HELLO"
    await att.close()
    assert (await refused({"Origin": "http://127.0.0.1:8788"})).status_code == 403


async def test_plain_get_is_a_bad_request_after_auth(configure, own_hub):
    configure(inprocess.network(NONE_CONFIG))
    bad = await plain(headers={"Origin": "https://evil.example"})
    assert bad.status_code == 400
    assert bad.content == b"Bad Request\n"
    assert (await plain("POST")).status_code == 405
    configure(inprocess.network(BEARER_CONFIG))
    unauthenticated = await plain()
    assert unauthenticated.status_code == 401
    assert json.loads(unauthenticated.content)["error"] == "authorization required"


async def test_refused_upgrades_are_counted_in_the_request_metrics(bearer_network):
    async def count(status: int) -> float:
        text = (await inprocess.call("GET", "/metrics", token="ops-secret")).content.decode()
        prefix = f'moltnet_http_requests_total{{method="GET",route="GET /v1/attach",status="{status}"}} '
        return next((float(line[len(prefix):]) for line in text.splitlines() if line.startswith(prefix)), 0.0)

    before = await count(401), await count(403)
    assert (await refused({})).status_code == 401
    assert (await refused({"Authorization": "Bearer watch-secret"})).status_code == 403
    assert (await refused({"Authorization": "Bearer attach-secret",
                           "Origin": "https://evil.example"})).status_code == 403
    assert (await count(401), await count(403)) == (before[0] + 1, before[1] + 2)
