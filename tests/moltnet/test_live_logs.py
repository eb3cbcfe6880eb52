"""`moltnet start` says where it listens and that it stopped, in the one log format (text or JSON)."""

from __future__ import annotations

import json

import pytest

pytestmark = pytest.mark.live

BEARER = """version: moltnet.v1
auth:
  mode: bearer
  tokens:
    - {id: ops, value: ops-secret, scopes: [observe, admin]}
"""


def test_start_up_and_shutdown_lines_in_text(live_server_factory):
    server = live_server_factory(BEARER)
    server.client("ops-secret").get("/v1/rooms", headers={"X-Request-Id": "req-live-1"})
    assert server.stop() == 0
    lines = server.log().splitlines()
    listening = next(line for line in lines if 'msg="moltnet listening"' in line)
    url = server.base_url
    assert f"url={url} " in listening and f"console={url}/console/" in listening
    assert "storage=sqlite:.moltnet/moltnet.db" in listening
    assert 'auth="bearer (every call needs a token, 1 token)"' in listening
    access = next(line for line in lines if "GET /v1/rooms 200" in line)
    assert access.endswith("component=http request_id=req-live-1 client=127.0.0.1")
    assert 'msg="moltnet stopped"' in lines[-1]
    assert "ops-secret" not in server.log()


def test_json_lines_with_moltnet_log_format(live_server_factory):
    server = live_server_factory(env={"MOLTNET_LOG_FORMAT": "json", "MOLTNET_STORAGE_KIND": "memory"})
    server.client().get("/v1/network", headers={"X-Request-Id": "req-live-2"})
    assert server.stop() == 0
    records = [json.loads(line) for line in server.log().splitlines()]  # every line is one JSON object
    assert records[0]["msg"] == "moltnet listening" and records[0]["storage"] == "memory"
    assert records[0]["auth"] == "none (no token needed for anything)"
    access = next(r for r in records if r.get("path") == "/v1/network")
    assert (access["status"], access["request_id"], access["route"]) == (200, "req-live-2", "GET /v1/network")
    assert records[-1]["msg"] == "moltnet stopped"
