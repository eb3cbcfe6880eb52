"""Start-up reconciliation of declared rooms and token bindings (docs/protocol/config.md §6): exactly like POST
/v1/apply."""

from __future__ import annotations

import pytest

from agents.models import AgentRegistration
from moltnet.config import ConfigError
from rooms.models import Room


def refused(configure, document: dict) -> str:
    with pytest.raises(ConfigError) as info:
        configure(document, declared=True)
    return str(info.value)


def test_an_invalid_declared_room_stops_start_up_before_any_change(configure, db):
    configure({"rooms": [{"id": "lab", "members": ["ada"]}]}, declared=True)
    message = refused(configure, {"rooms": [{"id": "lab", "members": ["grace"]}, {"id": "annex"},
                                            {"id": "-bad"}]})
    assert message == "rooms[2]: room id id must match [A-Za-z0-9][A-Za-z0-9._:-]{0,127}"
    assert list(Room.objects.values_list("id", flat=True)) == ["lab"]  # annex not created
    assert list(Room.objects.get(id="lab").member_rows.values_list("member_id", flat=True)) == ["ada"]


def test_an_invalid_declared_agent_stops_start_up_before_any_change(configure, db):
    tokens = [{"id": "attach", "value": "v", "scopes": ["attach"], "agents": ["scout", "bad agent"]}]
    message = refused(configure, {"auth": {"tokens": tokens}, "rooms": [{"id": "lab"}]})
    assert message.startswith("agents[1].id ")
    assert not AgentRegistration.objects.exists()
    assert not Room.objects.exists()


def test_declared_state_is_applied_when_valid(configure, db):
    tokens = [{"id": "attach", "value": "v", "scopes": ["attach"], "agents": [" scout ", ""]}]
    configure({"auth": {"tokens": tokens}, "rooms": [{"id": "lab", "members": ["scout"], "visibility": "public"}]},
              declared=True)
    assert AgentRegistration.objects.get(agent_id="scout").credential_key == "token:attach"
    lab = Room.objects.get(id="lab")
    assert (lab.name, lab.visibility, lab.write_policy) == ("lab", "public", "members")
