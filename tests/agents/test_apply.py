"""POST /v1/apply (docs/protocol/http-api.md §4.12): validate everything first, rebind agents, create or reconcile
rooms."""

from __future__ import annotations

import pytest

from agents.models import AgentRegistration
from events.models import Event
from rooms.models import Room
from tests.support.agents import auth, message


@pytest.fixture
def admin(configure, as_token):
    configure(auth("bearer"))
    return as_token("admin")


def error(response) -> tuple[int, str]:
    return response.status_code, response.json().get("error", "")


@pytest.mark.parametrize("body,text", [
    ({"network_id": "other"}, 'network_id "other" does not match server network "local"'),
    ({"network_id": 'o"ther'}, 'network_id "o\\"ther" does not match server network "local"'),
    ({"agents": [{"id": "bad id!", "credential_key": "token:x"}]},
     "agents[0].id id must match [A-Za-z0-9][A-Za-z0-9._:-]{0,127}"),
    ({"agents": [{"id": "luna", "credential_key": " "}]}, "agents[0].credential_key is required"),
    ({"agents": [{"id": "luna", "credential_key": "token:a"}, {"id": "luna", "credential_key": "token:b"}]},
     'agent "luna" has multiple credential keys'),
    ({"rooms": [{"id": "ok"}, {"id": "bad room!"}]},
     "rooms[1]: room id id must match [A-Za-z0-9][A-Za-z0-9._:-]{0,127}"),
    ({"rooms": [{"id": "ok", "visibility": "secret"}]}, 'rooms[0]: unsupported room visibility "secret"'),
])
def test_validation_happens_before_any_change(admin, body, text):
    full = {"agents": [{"id": "first", "credential_key": "token:x"}], "rooms": [{"id": "first-room"}], **body}
    assert error(admin.post("/v1/apply", full)) == (422, text)
    assert not AgentRegistration.objects.exists() and not Room.objects.exists()


def test_apply_creates_then_reconciles(admin, room_with):
    body = {"network_id": "local",
            "agents": [{"id": "scout", "name": "Scout", "credential_key": "token:attach"},
                       {"id": "scout", "credential_key": "token:attach"}],
            "rooms": [{"id": "stage", "name": "Stage", "members": ["scout"], "visibility": "public",
                       "write_policy": "members"}]}
    response = admin.post("/v1/apply", body)
    assert response.status_code == 200
    result = response.json()
    assert result["applied"] is True
    assert [a["agent_id"] for a in result["agents"]] == ["scout"]
    assert "agent_token" not in result["agents"][0] and "credential_key" not in result["agents"][0]
    assert result["rooms"][0]["members"] == ["scout"] and "access" not in result["rooms"][0]
    assert AgentRegistration.objects.get(agent_id="scout").credential_key == "token:attach"
    assert Event.objects.filter(type="room.created").count() == 1
    # Second apply: members and policies replaced, blank policies back to defaults, no new event.
    again = admin.post("/v1/apply", {"rooms": [{"id": "stage", "members": ["other"]}]}).json()
    assert again["rooms"][0] == {**again["rooms"][0], "name": "stage", "members": ["other"], "visibility": "private",
                                 "write_policy": "members"}
    assert "agents" not in again
    assert Event.objects.filter(type="room.created").count() == 1


def test_apply_keeps_history_and_undeclared_rooms(admin, as_token, room_with):
    room_with("stage", ["scout"])
    room_with("elsewhere", ["x"])
    assert as_token("operator").post("/v1/messages", message("scout", "stage")).status_code == 202
    assert admin.post("/v1/apply", {"rooms": [{"id": "stage", "members": ["scout", "new"]}]}).status_code == 200
    assert len(as_token("observe").get("/v1/rooms/stage/messages").json()["messages"]) == 1
    assert Room.objects.filter(id="elsewhere", deleted_at__isnull=True).exists()


def test_rebinding_revokes_an_issued_agent_token(configure, as_token):
    configure(auth("open"))
    token = as_token(None).post("/v1/agents/register", {"requested_agent_id": "scout"}).json()["agent_token"]
    assert as_token(token).post("/v1/agents/register", {"requested_agent_id": "scout"}).status_code == 200
    applied = as_token("admin").post("/v1/apply", {"agents": [{"id": "scout", "credential_key": "token:attach"}]})
    assert applied.status_code == 200
    assert as_token(token).post("/v1/agents/register", {"requested_agent_id": "scout"}).json()["error"] == (
        "invalid token")


def test_removed_room_stops_the_apply_with_404(admin, room_with):
    room_with("gone", [])
    assert admin.delete("/v1/rooms/gone").status_code == 200
    body = {"agents": [{"id": "scout", "credential_key": "token:x"}], "rooms": [{"id": "gone"}]}
    assert error(admin.post("/v1/apply", body)) == (404, 'unknown room "gone"')
    assert AgentRegistration.objects.filter(agent_id="scout").exists()  # partial effects stay


def test_apply_requires_admin(configure, as_token):
    configure(auth("bearer"))
    assert error(as_token("write").post("/v1/apply", {})) == (403, "forbidden")
    assert error(as_token(None).post("/v1/apply", {})) == (401, "authorization required")


def test_long_credential_keys_are_stored(admin):
    key = "token:" + "k" * 200  # a configured token id may be any length
    response = admin.post("/v1/apply", {"agents": [{"id": "scout", "credential_key": key}]})
    assert response.status_code == 200
    assert AgentRegistration.objects.get(agent_id="scout").credential_key == key
