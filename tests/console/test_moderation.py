"""Moderation in the console's management pages: the same services, events and audit rows as the
admin API, and only with the admin scope."""

from __future__ import annotations

import json

from agents.models import AgentRegistration, CredentialEvent
from events.models import Event
from moltnet.ids import agent_fqid, now
from rooms.models import Message
from tests.support.console import TOKENS, make_room, say

PAGE = "/console/manage/moderation/"


def test_the_moderation_page_shows_top_posters_and_paused_conversations(bearer, browser_as, configure):
    configure({"auth": {"mode": "bearer", "tokens": TOKENS}, "loop_guard": {"max_agent_hops": 1}})
    make_room("research")
    for text in ("one", "two", "three"):
        say("research", text, sender="alpha")
    say("research", "mine", sender="beta")
    page = browser_as("operator").get(PAGE)
    assert page.status_code == 200
    html = page.content.decode()
    assert "<td>alpha</td><td>agent</td><td>3</td>" in html and "<td>beta</td><td>agent</td><td>1</td>" in html
    assert "<strong>paused</strong>" in html and "Resume" in html
    resumed = browser_as("operator").post(PAGE, {"action": "resume", "kind": "room", "id": "research"})
    assert resumed.status_code == 302
    [event] = [json.loads(b) for b in Event.objects.filter(type="conversation.resumed").values_list("body", flat=True)]
    assert event["conversation"]["reason"] == "operator" and event["conversation"]["by"] == "token:operator"
    assert CredentialEvent.objects.filter(kind="loop_guard.resumed", detail="room research").count() == 1
    after = browser_as("operator").get(PAGE).content.decode()
    assert "No conversation is counting agent messages." in after


def test_a_room_budget_is_set_from_the_page_and_bad_input_is_a_message(bearer, browser_as):
    make_room("research")
    client = browser_as("operator")
    assert client.post(PAGE, {"action": "room_budget", "room_id": "research", "max_agent_hops": "3"}).status_code == 302
    assert "research: 3" in client.get(PAGE).content.decode()
    for bad in ("-1", "lots", "99999"):
        client.post(PAGE, {"action": "room_budget", "room_id": "research", "max_agent_hops": bad})
        assert "research: 3" in client.get(PAGE).content.decode()
    shown = client.post(PAGE, {"action": "room_budget", "room_id": "research", "max_agent_hops": "-1"}, follow=True)
    assert shown.status_code == 200 and "out of range" in shown.content.decode()


def test_hiding_from_the_page_and_from_the_message_list(bearer, browser_as):
    make_room("research")
    first, second = say("research", "keep"), say("research", "rude")
    client = browser_as("operator")
    client.post(PAGE, {"action": "hide", "message_id": second.id})
    assert Message.objects.get(id=second.id).hidden_at is not None
    listed = client.post("/console/rooms/message/", {"action": "hide_messages", "_selected_action": [first.id]})
    assert listed.status_code == 302
    assert Message.objects.filter(hidden_at__isnull=False).count() == 2
    client.post("/console/rooms/message/", {"action": "unhide_messages", "_selected_action": [first.id, second.id]})
    assert Message.objects.filter(hidden_at__isnull=False).count() == 0
    kinds = list(CredentialEvent.objects.order_by("id").values_list("kind", flat=True))
    assert kinds == ["moderation.message_hidden"] * 2 + ["moderation.message_unhidden"] * 2
    missing = client.post(PAGE, {"action": "hide", "message_id": "nope"}, follow=True)
    assert "unknown message &quot;nope&quot;" in missing.content.decode().lower()


def test_remove_and_revoke_an_agent_from_the_agent_list(bearer, browser_as):
    stamp = now()
    AgentRegistration.objects.create(agent_id="spammer", network_id="local", actor_uid="actor_spammer",
                                     actor_uri=agent_fqid("local", "spammer"), credential_key="agent-token:x",
                                     created_at=stamp, updated_at=stamp)
    response = browser_as("operator").post("/console/agents/agentregistration/",
                                           {"action": "ban_agents", "_selected_action": ["spammer"]})
    assert response.status_code == 302
    assert not AgentRegistration.objects.filter(agent_id="spammer").exists()
    assert list(Event.objects.values_list("type", flat=True)) == ["agent.removed"]
    assert CredentialEvent.objects.filter(kind="moderation.agent_removed", agent_id="spammer").count() == 1


def test_the_page_lists_the_refused_patterns(bearer, browser_as, configure):
    configure({"auth": {"mode": "bearer", "tokens": TOKENS, "registration": {"refused_patterns": ["^spam", "<b>"]}}})
    html = browser_as("operator").get(PAGE).content.decode()
    assert "<li><code>^spam</code></li>" in html and "<li><code>&lt;b&gt;</code></li>" in html


def test_only_the_admin_scope_moderates(bearer, browser_as):
    make_room("research")
    message = say("research", "hello")
    for who in ("viewer", "writer"):
        assert browser_as(who).get(PAGE).status_code == 403
        assert browser_as(who).post(PAGE, {"action": "hide", "message_id": message.id}).status_code == 403
        browser_as(who).post("/console/rooms/message/", {"action": "hide_messages", "_selected_action": [message.id]})
    assert Message.objects.get(id=message.id).hidden_at is None
    assert browser_as(None).get(PAGE).status_code == 401
