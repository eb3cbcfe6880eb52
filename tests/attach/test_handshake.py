"""The HTTP side of /v1/attach (docs/protocol/attach.md §3): auth before the upgrade, origins, plain GETs, HELLO."""

from __future__ import annotations

import json
from dataclasses import dataclass

import httpx
import pytest
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect

from tests.support.attachclient import Attachment

pytestmark = pytest.mark.live


@dataclass
class Refusal:
    status_code: int
    headers: dict[str, str]
    content: bytes


def refused(server, headers: dict[str, str]) -> Refusal:
    with pytest.raises(InvalidStatus) as info:
        connect(server.ws_url + "/v1/attach", additional_headers=headers, open_timeout=5)
    response = info.value.response
    return Refusal(response.status_code, {k.lower(): v for k, v in response.headers.raw_items()},
                   response.body or b"")


def test_hello_is_the_exact_first_frame(none_server):
    att = Attachment(none_server.ws_url)
    assert att.hello == {"op": "HELLO", "version": "moltnet.attach.v1", "heartbeat_interval_ms": 5000,
                         "capabilities": {}}
    att.close()


def test_bearer_mode_requires_a_token_with_attach_scope(bearer_server):
    missing = refused(bearer_server, {})
    assert missing.status_code == 401
    assert missing.headers["content-type"] == "application/json"
    body = json.loads(missing.content)
    assert body["error"] == "authorization required" and body["code"] == "unauthorized"
    assert body["request_id"].startswith("req_")

    unknown = refused(bearer_server, {"Authorization": "Bearer nope"})
    assert (unknown.status_code, json.loads(unknown.content)["error"]) == (401, "invalid token")

    malformed = refused(bearer_server, {"Authorization": "Token abc"})
    assert json.loads(malformed.content)["error"] == "invalid authorization header"

    observer = refused(bearer_server, {"Authorization": "Bearer watch-secret"})
    assert observer.status_code == 403
    assert json.loads(observer.content) | {"request_id": ""} == {"error": "forbidden", "code": "forbidden",
                                                                  "request_id": ""}

    att = Attachment(bearer_server.ws_url, "attach-secret")
    assert att.identify("luna")["op"] == "READY"
    att.close()


def test_a_foreign_origin_is_refused_with_plain_text(bearer_server):
    response = refused(bearer_server, {"Authorization": "Bearer attach-secret", "Origin": "https://evil.example"})
    assert response.status_code == 403
    assert response.content == b"Forbidden\n"
    assert response.headers["content-type"] == "text/plain; charset=utf-8"
    assert response.headers["sec-websocket-version"] == "13"
    assert refused(bearer_server, {"Authorization": "Bearer attach-secret", "Origin": "null"}).status_code == 403


def test_the_derived_origin_of_the_listen_address_is_allowed(none_server):
    att = Attachment(none_server.ws_url, headers={"Origin": f"http://127.0.0.1:{none_server.port}"})
    assert att.hello["op"] == "HELLO"
    att.close()


def test_plain_get_is_a_bad_request_after_auth(none_server, bearer_server):
    plain = httpx.get(none_server.base_url + "/v1/attach", headers={"Origin": "https://evil.example"})
    assert plain.status_code == 400
    assert plain.text == "Bad Request\n"
    unauthenticated = httpx.get(bearer_server.base_url + "/v1/attach")
    assert unauthenticated.status_code == 401
    assert unauthenticated.json()["error"] == "authorization required"
    assert httpx.post(none_server.base_url + "/v1/attach").status_code == 405


def test_refused_upgrades_are_counted_in_the_request_metrics(bearer_server):
    def count(status: int) -> float:
        text = httpx.get(bearer_server.base_url + "/metrics", headers={"Authorization": "Bearer ops-secret"}).text
        prefix = f'moltnet_http_requests_total{{method="GET",route="GET /v1/attach",status="{status}"}} '
        return next((float(line[len(prefix):]) for line in text.splitlines() if line.startswith(prefix)), 0.0)

    before = count(401), count(403)
    assert refused(bearer_server, {}).status_code == 401
    assert refused(bearer_server, {"Authorization": "Bearer watch-secret"}).status_code == 403
    assert refused(bearer_server, {"Authorization": "Bearer attach-secret",
                                   "Origin": "https://evil.example"}).status_code == 403
    assert (count(401), count(403)) == (before[0] + 1, before[1] + 2)
