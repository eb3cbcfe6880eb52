"""Management in the console: the same services and events as the API, and only with the admin scope."""

from __future__ import annotations

import json

from django.test import Client

from agents.auth import agent_token_key
from agents.models import AgentRegistration, CredentialEvent
from events.models import Event
from moltnet.ids import agent_fqid, now
from rooms.models import Room
from tests.support.console import make_room, say


def event_types() -> list[str]:
    return list(Event.objects.order_by("seq").values_list("type", flat=True))


def add_room(client: Client, **fields):
    form = {"id": "ops", "name": "Ops", "visibility": "public", "write_policy": "operators",
            "members": "alpha\nbeta", "_save": "Save", **fields}
    return client.post("/console/rooms/room/add/", form)


def test_operator_creates_a_room_like_post_v1_rooms(bearer, browser_as):
    response = add_room(browser_as("operator"))
    assert response.status_code == 302
    room = Room.objects.get(id="ops")
    assert (room.name, room.visibility, room.write_policy) == ("Ops", "public", "operators")
    assert sorted(room.member_rows.values_list("member_id", flat=True)) == ["alpha", "beta"]
    created = json.loads(Event.objects.get(type="room.created").body)
    assert created["room"]["id"] == "ops" and created["room"]["members"] == ["alpha", "beta"]


def test_create_reports_the_api_validation_errors(bearer, browser_as):
    make_room("ops")
    duplicate = add_room(browser_as("operator"))
    assert duplicate.status_code == 200 and 'room &quot;ops&quot; already exists' in duplicate.content.decode()
    bad = add_room(browser_as("operator"), id="no spaces")
    assert bad.status_code == 200 and "id must match" in bad.content.decode()
    assert event_types() == ["room.created"]


def test_observe_and_write_tokens_cannot_manage(bearer, browser_as):
    for who in ("viewer", "writer"):
        assert add_room(browser_as(who)).status_code == 403
    assert not Room.objects.filter(id="ops").exists()
    make_room("research")
    page = browser_as("viewer").get("/console/rooms/room/")
    assert page.status_code == 200 and "research" in page.content.decode()
    assert "Remove selected rooms" not in page.content.decode()
    browser_as("viewer").post("/console/rooms/room/", {"action": "soft_remove", "_selected_action": ["research"]})
    assert Room.objects.get(id="research").deleted_at is None
    assert browser_as("viewer").post("/console/rooms/room/research/delete/", {"post": "yes"}).status_code == 403
    assert Room.objects.get(id="research").deleted_at is None


def test_editing_members_publishes_room_members_updated(bearer, browser_as):
    make_room("research", members=("alpha", "beta"))
    response = browser_as("operator").post("/console/rooms/room/research/change/", {
        "name": "Research Lab", "visibility": "private", "write_policy": "registered_agents",
        "members": "alpha\ngamma", "_save": "Save"})
    assert response.status_code == 302
    room = Room.objects.get(id="research")
    assert (room.name, room.write_policy) == ("Research Lab", "registered_agents")
    assert sorted(room.member_rows.values_list("member_id", flat=True)) == ["alpha", "gamma"]
    updated = json.loads(Event.objects.get(type="room.members.updated").body)
    assert updated["room"]["members"] == ["alpha", "gamma"]


def test_soft_remove_keeps_history_and_publishes_room_removed(bearer, browser_as):
    make_room("research")
    say("research", "keep me")
    response = browser_as("operator").post("/console/rooms/room/", {
        "action": "soft_remove", "_selected_action": ["research"], "index": "0"})
    assert response.status_code == 302
    assert Room.objects.get(id="research").deleted_at is not None
    assert event_types()[-1] == "room.removed"
    page = browser_as("viewer").get("/console/rooms/message/?q=keep")
    assert "keep me" in page.content.decode()


def test_messages_and_events_are_read_only_and_searchable(bearer, browser_as):
    make_room("research")
    make_room("lounge")
    say("research", "quarterly numbers")
    say("lounge", "coffee?")
    client = browser_as("operator")
    found = client.get("/console/rooms/message/?q=quarterly").content.decode()
    assert "quarterly numbers" in found and "coffee?" not in found
    filtered = client.get("/console/rooms/message/?room=lounge").content.decode()
    assert "coffee?" in filtered and "quarterly" not in filtered
    assert client.get("/console/rooms/message/add/").status_code == 403
    events = client.get("/console/events/event/?type__exact=message.created").content.decode()
    assert events.count("message.created") >= 2 and "room.created</td>" not in events
    assert client.get("/console/events/event/add/").status_code == 403


def register(agent_id: str, key: str) -> AgentRegistration:
    stamp = now()
    return AgentRegistration.objects.create(agent_id=agent_id, network_id="local", actor_uid="uid-" + agent_id,
                                            actor_uri=agent_fqid("local", agent_id), credential_key=key,
                                            created_at=stamp, updated_at=stamp)


def test_agent_removal_uses_the_api_service(bearer, browser_as):
    make_room("research", members=("luna", "sol"))
    register("luna", "token:bot")
    response = browser_as("operator").post("/console/agents/agentregistration/", {
        "action": "remove_agents", "_selected_action": ["luna"], "index": "0"})
    assert response.status_code == 302
    assert not AgentRegistration.objects.filter(agent_id="luna").exists()
    assert list(Room.objects.get(id="research").member_rows.values_list("member_id", flat=True)) == ["sol"]
    removed = json.loads(Event.objects.get(type="agent.removed").body)
    assert removed["agent"]["agent_id"] == "luna" and removed["agent"]["reason"] == "removed"
    assert CredentialEvent.objects.filter(kind="agent.removed", agent_id="luna").exists()


def test_token_rotation_shows_the_new_token_once_and_revokes_the_old(bearer, browser_as):
    register("luna", agent_token_key("magt_v1_old"))
    response = browser_as("operator").post("/console/agents/agentregistration/", {
        "action": "rotate_token", "_selected_action": ["luna"], "index": "0"})
    assert response.status_code == 200 and "no-store" in response["Cache-Control"]
    body = response.content.decode()
    token = body.split("<code>")[1].split("</code>")[0]
    assert token.startswith("magt_v1_") and len(token) == 51
    assert AgentRegistration.objects.get(agent_id="luna").credential_key == agent_token_key(token)
    listing = browser_as("operator").get("/console/agents/agentregistration/").content.decode()
    assert token not in listing and "agent-token" in listing


def test_agents_list_shows_no_secret_and_viewers_cannot_act(bearer, browser_as):
    register("luna", agent_token_key("magt_v1_secret"))
    page = browser_as("viewer").get("/console/agents/agentregistration/").content.decode()
    assert "luna" in page and agent_token_key("magt_v1_secret") not in page
    browser_as("viewer").post("/console/agents/agentregistration/", {
        "action": "remove_agents", "_selected_action": ["luna"], "index": "0"})
    assert AgentRegistration.objects.filter(agent_id="luna").exists()


def test_audit_trail_needs_the_admin_scope(bearer, browser_as):
    register("luna", "token:bot")
    browser_as("operator").post("/console/agents/agentregistration/", {
        "action": "remove_agents", "_selected_action": ["luna"], "index": "0"})
    assert browser_as("viewer").get("/console/agents/credentialevent/").status_code == 403
    trail = browser_as("operator").get("/console/agents/credentialevent/").content.decode()
    assert "agent.removed" in trail and "token:operator" in trail


def test_manage_index_lists_what_the_session_may_see(bearer, browser_as):
    viewer = browser_as("viewer").get("/console/manage/").content.decode()
    assert "Rooms" in viewer and "Credential events" not in viewer
    operator = browser_as("operator").get("/console/manage/").content.decode()
    assert "Credential events" in operator
    make_room("lab")
    assert "room.created" in browser_as("viewer").get("/console/manage/").content.decode()  # latest events


def test_dm_history_is_hidden_from_the_admin_when_dms_are_off(configure, db, browser_as):
    from tests.support.console import TOKENS

    configure({"auth": {"mode": "bearer", "tokens": TOKENS}, "server": {"direct_messages": False}})
    client = browser_as("operator")
    assert "Direct conversations" not in client.get("/console/manage/").content.decode()
    assert client.get("/console/rooms/directconversation/").status_code == 403
    configure({"auth": {"mode": "bearer", "tokens": TOKENS}})
    assert "Direct conversations" in client.get("/console/manage/").content.decode()


def test_password_users_can_change_their_password_tokens_cannot(bearer, browser_as):
    from django.contrib.auth.models import User

    User.objects.create_superuser("root", "root@example.com", "pw-12345")
    client = Client()
    client.post("/console/login/", {"username": "root", "password": "pw-12345"})
    assert "Change password" in client.get("/console/manage/").content.decode()
    assert client.get("/console/password_change/").status_code == 200
    assert "Change password" not in browser_as("operator").get("/console/manage/").content.decode()
    assert browser_as("operator").get("/console/password_change/").status_code == 404


def test_event_log_says_what_each_event_is_about(bearer, browser_as):
    make_room("research")
    message = say("research", "hello")
    listing = browser_as("viewer").get("/console/events/event/").content.decode()
    assert "alpha → # research" in listing and "room research" in listing
    seq = Event.objects.get(type="message.created").seq
    detail = browser_as("viewer").get(f"/console/events/event/{seq}/change/").content.decode()
    assert f"&quot;id&quot;: &quot;{message.id}&quot;" in detail
