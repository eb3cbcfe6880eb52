"""Operator recovery of a lost agent token (extension): POST /v1/agents/{agentID}/token, admin only."""

from __future__ import annotations

import hashlib

from agents.models import AgentRegistration, CredentialEvent
from tests.support.agents import auth, message


def test_rotation_revokes_the_old_token_and_shows_the_new_one_once(configure, as_token, room_with):
    configure(auth("open"))
    room_with("lab", ["luna"], visibility="public")
    original = as_token(None).post("/v1/agents/register", {"requested_agent_id": "luna", "name": "Luna"}).json()
    old = original["agent_token"]

    response = as_token("admin").post("/v1/agents/luna/token")
    assert response.status_code == 200
    body = response.json()
    new = body["agent_token"]
    assert new.startswith("magt_v1_") and new != old
    assert body["actor_uid"] == original["actor_uid"] and body["created_at"] == original["created_at"]

    assert as_token(old).post("/v1/messages", message("luna")).json()["error"] == "invalid token"
    assert as_token(new).post("/v1/messages", message("luna")).status_code == 202
    stored = AgentRegistration.objects.get(agent_id="luna").credential_key
    assert stored == "agent-token:" + hashlib.sha256(new.encode()).hexdigest()
    # Shown once: nothing else returns it.
    assert new not in as_token("admin").get("/v1/agents/luna").content.decode()
    assert new not in as_token("admin").get("/v1/audit/credentials").content.decode()
    rotated = CredentialEvent.objects.get(kind=CredentialEvent.TOKEN_ROTATED)
    assert rotated.credential == "token:admin" and rotated.detail == "previous owner: agent-token"


def test_rotation_takes_over_a_static_binding(configure, as_token, registered):
    configure(auth("bearer", agent_registration="token"))
    registered("scout", key="token:attach")
    token = as_token("admin").post("/v1/agents/scout/token").json()["agent_token"]
    assert as_token(token).post("/v1/agents/register", {"requested_agent_id": "scout"}).status_code == 200


def test_rotation_errors(configure, as_token, registered):
    configure(auth("bearer"))
    registered("scout")
    assert as_token("write").post("/v1/agents/scout/token").status_code == 403
    assert as_token(None).post("/v1/agents/scout/token").status_code == 401
    missing = as_token("admin").post("/v1/agents/ghost/token")
    assert missing.status_code == 404 and missing.json()["error"] == 'unknown agent "ghost"'
    configure({"auth": {"mode": "none"}})
    refused = as_token(None).post("/v1/agents/scout/token")
    assert refused.status_code == 409 and refused.json()["error"] == "agent tokens are not used when auth mode is none"
    assert AgentRegistration.objects.get(agent_id="scout").credential_key == "anonymous"
