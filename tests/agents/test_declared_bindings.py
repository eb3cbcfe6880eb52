"""Declared token bindings at start-up (docs/protocol/auth.md §6, 04): static tokens' `agents` own those ids, revoking
agent tokens."""

from __future__ import annotations

import pytest

from agents.models import AgentRegistration, CredentialEvent
from moltnet.config import ConfigError
from tests.support.agents import TOKENS


def bound(mode: str, agents: dict[str, list[str]]) -> dict:
    tokens = [{**t, "agents": agents.get(t["id"], t.get("agents", []))} for t in TOKENS]
    return {"auth": {"mode": mode, "tokens": tokens}}


def test_startup_binds_declared_agents(configure, db):
    configure(bound("bearer", {"attach": ["scout", "helper"]}), declared=True)
    keys = dict(AgentRegistration.objects.values_list("agent_id", "credential_key"))
    assert keys["scout"] == keys["helper"] == "token:attach"


def test_startup_rebinding_revokes_an_issued_agent_token(configure, as_token):
    configure(bound("open", {}))
    token = as_token(None).post("/v1/agents/register", {"requested_agent_id": "scout"}).json()["agent_token"]
    assert as_token(token).get("/v1/network").status_code == 200
    configure(bound("open", {"attach": ["scout"]}), declared=True)  # the operator restarts with a binding
    assert as_token(token).get("/v1/network").json()["error"] == "invalid token"
    assert AgentRegistration.objects.get(agent_id="scout").credential_key == "token:attach"
    rebound = CredentialEvent.objects.get(kind=CredentialEvent.REBOUND)
    assert rebound.credential == "token:attach" and rebound.detail == "previous owner: agent-token"


def test_one_agent_under_two_tokens_is_refused(configure, db):
    with pytest.raises(ConfigError) as info:
        configure(bound("bearer", {"attach": ["scout"], "write": ["scout"]}), declared=True)
    assert str(info.value) == 'agent "scout" is declared by multiple auth tokens'
