"""The credential audit trail (extension): registrations, rebinds, rotations, removals, failure bursts."""

from __future__ import annotations

from agents.audit import AUTH_FAILURE_BURST
from agents.models import CredentialEvent
from tests.support.agents import SECRET, auth


def trail(client, **query) -> list[dict]:
    qs = "&".join(f"{k}={v}" for k, v in query.items())
    response = client.get("/v1/audit/credentials" + (f"?{qs}" if qs else ""))
    assert response.status_code == 200, response.content
    return response.json()["events"]


def test_credential_changes_are_recorded_without_secrets(configure, as_token, room_with):
    configure(auth("open"))
    token = as_token(None).post("/v1/agents/register", {"requested_agent_id": "luna"}).json()["agent_token"]
    as_token("admin").post("/v1/apply", {"agents": [{"id": "luna", "credential_key": "token:attach"}]})
    rotated = as_token("admin").post("/v1/agents/luna/token").json()["agent_token"]
    as_token("admin").delete("/v1/agents/luna")
    events = trail(as_token("admin"))
    assert [e["kind"] for e in events] == ["agent.removed", "agent.token_rotated", "agent.rebound",
                                           "agent.registered"]
    assert events[-1]["credential"] == "anonymous" and events[-1]["detail"] == "agent token issued"
    assert events[-2]["credential"] == "token:attach" and events[-2]["detail"] == "previous owner: agent-token"
    assert all(e["agent_id"] == "luna" for e in events)
    text = as_token("admin").get("/v1/audit/credentials").content.decode()
    for secret in (token, rotated, *SECRET.values()):
        assert secret not in text
    stored = " ".join(f"{e.credential} {e.detail}" for e in CredentialEvent.objects.all())
    assert "agent-token:" not in stored  # not even the token digest


def test_failed_authentication_bursts_are_recorded_once_per_minute(configure, as_token):
    configure(auth("bearer"))
    for _ in range(AUTH_FAILURE_BURST * 2):
        assert as_token("guess-me").get("/v1/rooms").status_code == 401
    bursts = trail(as_token("admin"), kind="auth.failures")
    assert len(bursts) == 1
    assert bursts[0]["remote_addr"] == "127.0.0.1"
    assert bursts[0]["detail"] == f"{AUTH_FAILURE_BURST} failed authentications within one minute (last: invalid token)"
    assert "guess-me" not in str(bursts)


def test_trail_is_admin_only_and_paginated(configure, as_token, registered):
    configure(auth("bearer"))
    for name in ("a", "b", "c"):
        as_token("admin").post("/v1/agents/register", {"requested_agent_id": name})
    assert as_token("observe").get("/v1/audit/credentials").status_code == 403
    first = as_token("admin").get("/v1/audit/credentials?limit=2").json()
    assert [e["agent_id"] for e in first["events"]] == ["c", "b"] and first["page"]["has_more"] is True
    rest = trail(as_token("admin"), before=first["page"]["next_before"])
    assert [e["agent_id"] for e in rest] == ["a"]
    assert [e["agent_id"] for e in trail(as_token("admin"), agent_id="b")] == ["b"]
