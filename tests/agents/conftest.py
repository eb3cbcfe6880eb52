"""Fixtures for auth tests: clients per credential, rooms with members, registered agents."""

from __future__ import annotations

import pytest

from agents.auth import agent_token_key
from agents.models import AgentRegistration
from moltnet.ids import agent_fqid, now
from rooms.schemas import CreateRoomRequest
from rooms.services import do_create_room
from tests.support.agents import SECRET
from tests.support.api import ApiClient


@pytest.fixture
def as_token(db):
    """`as_token("admin")` → a JSON client sending that static token; any other string is sent verbatim."""

    def client(name: str | None) -> ApiClient:
        return ApiClient(SECRET.get(name, name) if name else None)

    return client


@pytest.fixture
def room_with(db):
    """Create a room directly (no auth involved) with members and policies."""

    def create(room_id: str, members: list[str], visibility: str = "private", write_policy: str = "members"):
        req = CreateRoomRequest(id=room_id, name=room_id, members=members, visibility=visibility,
                                write_policy=write_policy)
        return do_create_room(req, "local")[0]

    return create


@pytest.fixture
def registered(db):
    """Store a registration bound to a credential key (`token:<id>`, `anonymous`, or an agent token)."""

    def create(agent_id: str, *, key: str = "anonymous", agent_token: str = "") -> AgentRegistration:
        if agent_token:
            key = agent_token_key(agent_token)
        stamp = now()
        return AgentRegistration.objects.create(agent_id=agent_id, network_id="local", actor_uid=f"actor_{agent_id}",
                                                actor_uri=agent_fqid("local", agent_id), credential_key=key,
                                                created_at=stamp, updated_at=stamp)

    return create
