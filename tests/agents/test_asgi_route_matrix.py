"""The same spec oracle for the two routes served outside the Django route table, on live servers:
GET /v1/events/stream (STREAM) and GET /v1/attach (ATTACH, here as a plain GET: auth answers
first, and a request that passes auth gets the handshake's 400 for the missing Upgrade)."""

from __future__ import annotations

import httpx
import pytest
import yaml

from tests.agents.route_classes import SPEC_ROUTE_CLASSES
from tests.agents.test_route_matrix import AGENT_TOKEN, CREDENTIALS, MODES, OK, expected

pytestmark = pytest.mark.live

LIVE_MODES = ["bearer", "bearer+public_read", "bearer+open_registration", "open"]


def config_text(mode: dict) -> str:
    auth = {**mode["auth"], "rate_limits": {"enabled": False}}
    return yaml.safe_dump({"version": "moltnet.v1", "auth": auth, "rooms": [{"id": "lab", "visibility": "public"}]})


def observe(client: httpx.Client, path: str, header: str | None) -> tuple[int, str]:
    headers = {"Authorization": header} if header is not None else {}
    with client.stream("GET", path, headers=headers) as response:
        if response.status_code == 200:
            return 200, ""  # a live stream: proof enough, close it
        body = response.read().decode()
    try:
        return response.status_code, httpx.Response(200, content=body).json().get("error", "")
    except ValueError:
        return response.status_code, body.strip()


@pytest.mark.parametrize("mode_name", LIVE_MODES)
def test_stream_and_attach_follow_the_spec_table(live_server_factory, mode_name):
    mode = MODES[mode_name]
    server = live_server_factory(config_text(mode), name=mode_name)
    if mode["auth"]["mode"] == "open" or mode["auth"].get("agent_registration") == "open":
        # A real agent token for the "agent" credential: first anonymous claim of an id.
        minted = httpx.post(server.base_url + "/v1/agents/register", json={"requested_agent_id": "matrix"})
        agent_token = minted.json()["agent_token"]
    else:
        # No anonymous minting here: bind the id, then have the operator issue a token by rotation.
        with httpx.Client(base_url=server.base_url, headers={"Authorization": "Bearer secret-admin"}) as admin:
            admin.post("/v1/apply", json={"agents": [{"id": "matrix", "credential_key": "token:tok-attach"}]})
            agent_token = admin.post("/v1/agents/matrix/token").json()["agent_token"]
    failures = []
    with httpx.Client(base_url=server.base_url, timeout=10) as client:
        for path, kind_pass_status in (("/v1/events/stream", 200), ("/v1/attach", 400)):
            spec = SPEC_ROUTE_CLASSES[("GET", path)]
            for credential, (header, _, _) in CREDENTIALS.items():
                if header and AGENT_TOKEN in header:
                    header = f"Bearer {agent_token}"
                want = expected(spec, mode, credential)
                got = observe(client, path, header)
                if want == OK:
                    if got[0] != kind_pass_status:
                        failures.append(f"{mode_name} {path} as {credential}: expected to pass auth, got {got}")
                elif got != want:
                    failures.append(f"{mode_name} {path} as {credential}: expected {want}, got {got}")
    assert not failures, "\n".join(failures)
