"""Helpers for auth tests: one static token per scope, clients per credential, rooms and sends."""

from __future__ import annotations

import pytest

from agents.auth import agent_token_key
from agents.models import AgentRegistration
from moltnet.ids import agent_fqid, now
from rooms.schemas import CreateRoomRequest
from rooms.services import do_create_room
from tests.conftest import ApiClient

# Static tokens: `<scope>` holds only that scope; `operator` is admin+write; `ops` observe+write.
TOKENS = [
    {"id": "observe", "value": "observe-secret", "scopes": ["observe"]},
    {"id": "write", "value": "write-secret", "scopes": ["write"]},
    {"id": "admin", "value": "admin-secret", "scopes": ["admin"]},
    {"id": "attach", "value": "attach-secret", "scopes": ["attach"]},
    {"id": "pair", "value": "pair-secret", "scopes": ["pair"]},
    {"id": "operator", "value": "operator-secret", "scopes": ["admin", "write"]},
    {"id": "ops", "value": "ops-secret", "scopes": ["observe", "write"]},
    {"id": "attach-b", "value": "attach-b-secret", "scopes": ["attach"]},
    {"id": "luna-only", "value": "luna-only-secret", "scopes": ["write", "attach"], "agents": ["luna"]},
]
SECRET = {t["id"]: t["value"] for t in TOKENS}


def auth(mode: str, **extra) -> dict:
    return {"auth": {"mode": mode, "tokens": TOKENS, **extra}}


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


def message(sender: str, room: str = "lab", *, sender_type: str = "agent", **extra) -> dict:
    body = {"target": {"kind": "room", "room_id": room}, "from": {"type": sender_type, "id": sender},
            "parts": [{"kind": "text", "text": "hello"}]}
    for key, value in extra.items():
        if key == "from_fields":
            body["from"].update(value)
        else:
            body[key] = value
    return body
