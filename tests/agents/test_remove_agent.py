"""DELETE /v1/agents/{agentID} (docs/protocol/http-api.md §4.11): soft removal, token revoked, history kept."""

from __future__ import annotations

import json

from agents.models import AgentRegistration, CredentialEvent
from events.models import Event
from rooms.models import RoomMember
from tests.support.agents import auth, message


def events(kind: str) -> list[dict]:
    return [json.loads(e.body) for e in Event.objects.filter(type=kind).order_by("seq")]


def test_removal_drops_memberships_registration_and_token(configure, as_token, room_with):
    configure(auth("open"))
    room_with("lab", ["luna", "sol"], visibility="public")
    room_with("den", ["luna", "local:luna"])
    registered = as_token(None).post("/v1/agents/register", {"requested_agent_id": "luna", "name": "Luna"}).json()
    token = registered["agent_token"]
    assert as_token(token).post("/v1/messages", message("luna")).status_code == 202
    before_updates = len(events("room.members.updated"))

    response = as_token("admin").delete("/v1/agents/%20luna%20")
    assert response.status_code == 200
    assert response.json() == {"removed": True, "kind": "agent", "id": "luna", "mode": "soft"}

    # The exact member string only: "local:luna" stays; no membership events.
    assert sorted(RoomMember.objects.values_list("room_id", "member_id")) == [("den", "local:luna"), ("lab", "sol")]
    assert len(events("room.members.updated")) == before_updates
    assert not AgentRegistration.objects.filter(agent_id="luna").exists()
    removed = events("agent.removed")
    assert removed[-1]["agent"] == {"agent_id": "luna", "network_id": "local", "fqid": "molt://local/agents/luna",
                                    "name": "Luna", "reason": "removed"}
    # The token stops working at once; history stays.
    refused = as_token(token).post("/v1/messages", message("luna"))
    assert refused.status_code == 401 and refused.json()["error"] == "invalid token"
    assert as_token("observe").get("/v1/rooms/lab/messages").json()["messages"][0]["from"]["id"] == "luna"
    audit = CredentialEvent.objects.get(kind=CredentialEvent.REMOVED)
    assert audit.agent_id == "luna" and audit.credential == "token:admin"


def test_member_only_agents_can_be_removed(configure, as_token, room_with):
    configure(auth("bearer"))
    room_with("lab", ["ghost"])
    assert as_token("admin").delete("/v1/agents/ghost").status_code == 200
    assert events("agent.removed")[-1]["agent"] == {"agent_id": "ghost", "network_id": "local",
                                                    "fqid": "molt://local/agents/ghost", "reason": "removed"}


def test_unknown_or_invalid_ids_are_404(configure, as_token):
    configure(auth("bearer"))
    for raw, shown in (("nobody", "nobody"), ("bad%20id!", "bad id!")):
        response = as_token("admin").delete(f"/v1/agents/{raw}")
        assert response.status_code == 404
        assert response.json()["error"] == f'unknown agent "{shown}"'
    assert not Event.objects.filter(type="agent.removed").exists()


def test_removal_requires_admin(configure, as_token, room_with):
    configure(auth("bearer"))
    room_with("lab", ["ghost"])
    assert as_token("operator").delete("/v1/agents/ghost").status_code == 200
    room_with("den", ["ghost"])
    assert as_token("observe").delete("/v1/agents/ghost").status_code == 403
    assert as_token(None).delete("/v1/agents/ghost").status_code == 401
    assert RoomMember.objects.filter(member_id="ghost").exists()


def test_removal_clears_presence(configure, as_token, room_with, registered):
    from attach.models import AttachmentSession
    from moltnet.ids import now

    configure(auth("bearer"))
    room_with("lab", ["luna"])
    registered("luna", key="token:attach")
    AttachmentSession.objects.create(session_id="s1", agent_id="luna", credential_key="token:attach",
                                     authenticated=True, process_id="p", ready=True, created_at=now(),
                                     heartbeat_at=now())
    assert as_token("observe").get("/v1/agents/luna").json()["connected"] is True
    assert as_token("admin").delete("/v1/agents/luna").status_code == 200
    assert not AttachmentSession.objects.filter(agent_id="luna").exists()


def test_unknown_agent_text_quotes_the_id_like_go(configure, as_token):
    configure(auth("bearer"))
    response = as_token("admin").delete("/v1/agents/a%22b")
    assert response.status_code == 404 and response.json()["error"] == 'unknown agent "a\\"b"'
    assert as_token("admin").delete("/v1/agents/ghost").json()["error"] == 'unknown agent "ghost"'
