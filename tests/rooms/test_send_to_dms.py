"""POST /v1/messages to DMs: lazy creation, participant normalization, DMs disabled (docs/protocol/model.md §7)."""

import json

import pytest

from events.models import Event
from rooms.models import Message
from tests.support.rooms import dm, event_types

DISABLED = "direct messages are disabled for this network"

@pytest.fixture
def dms_off(configure):
    return configure({"server": {"direct_messages": False}})


def test_first_dm_message_creates_the_conversation(api, send):
    response = send(dm("d1", "ada", "grace"), id="m1")
    assert response.status_code == 202
    assert response.json()["dm_created"] is True
    assert event_types() == ["dm.created", "message.created"]
    created = json.loads(Event.objects.get(type="dm.created").body)
    assert created["dm"]["message_count"] == 1
    assert created["dm"]["participant_ids"] == ["ada", "grace"]
    assert send(dm("d1", "ada", "grace"), id="m2").json()["dm_created"] is False


def test_sender_need_not_be_a_participant_and_joins_the_set(api, send):
    send(dm("d1", "grace", "hopper"), sender="ada")
    assert api.get("/v1/dms/d1").json()["participant_ids"] == ["ada", "grace", "hopper"]


def test_plain_participants_are_stored_as_sent(api, send):
    send(dm("d1", " grace", "ada", "ada"), id="m1")
    [message] = api.get("/v1/dms/d1/messages").json()["messages"]
    assert message["target"]["participant_ids"] == [" grace", "ada", "ada"]


def test_scoped_participants_normalize_the_stored_target(api, configure, send):
    configure({"network": {"id": "net_a"}})
    send(dm("d1", "net_a:alpha", "net_b:gamma", "plain"), sender="alpha", id="m1")
    [message] = api.get("/v1/dms/d1/messages").json()["messages"]
    assert message["target"]["participant_ids"] == ["net_a:alpha", "net_b:gamma"]
    assert api.get("/v1/dms/d1").json()["participant_ids"] == ["alpha", "net_a:alpha", "net_b:gamma"]


def test_fqid_participants_become_scoped(api, send):
    send(dm("d1", "molt://remote/agents/bob", "ada"), sender="ada", id="m1")
    [message] = api.get("/v1/dms/d1/messages").json()["messages"]
    assert message["target"]["participant_ids"] == ["remote:bob", "local:ada"]


def test_dm_send_is_403_when_disabled_even_if_malformed(api, dms_off):
    response = api.post("/v1/messages", {"target": {"kind": " dm "}, "from": {}, "parts": []})
    assert (response.status_code, response.json()["error"]) == (403, DISABLED)
    assert not Message.objects.exists()


def test_dm_network_capability_reflects_the_setting(api, dms_off):
    assert api.get("/v1/network").json()["capabilities"]["direct_messages"] is False


def test_dms_disabled_by_environment_variable(monkeypatch):
    from moltnet.config import ServerConfig, apply_environment

    cfg = ServerConfig()
    apply_environment(cfg, {"MOLTNET_ALLOW_DIRECT_MESSAGES": "off"})
    assert cfg.direct_messages is False


def test_scoped_forms_of_a_padded_sender_network_are_trimmed(api):
    # Go builds `network:agent` from trimmed parts (ScopedAgentID); the stored actor keeps its padding.
    api.post("/v1/messages", {"id": "m1", "target": dm("d1", "net_b:alpha", "remote:bob"),
                              "from": {"id": "alpha", "network_id": " net_b "}, "parts": [{"kind": "text"}]})
    [message] = api.get("/v1/dms/d1/messages").json()["messages"]
    assert message["from"]["network_id"] == " net_b "
    assert message["target"]["participant_ids"] == ["net_b:alpha", "remote:bob"]
    assert api.get("/v1/dms/d1").json()["participant_ids"] == ["net_b:alpha", "remote:bob"]
