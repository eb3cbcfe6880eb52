"""One set of output shapes (moltnet.wireshapes): what the server serves, the pairing proxy re-serves
from a partner's answer and the CLI prints are the same documents, key for key and in the same order."""

from __future__ import annotations

import json

from moltnet.cli import wire as cli_wire
from pairings import wire as pairing_wire


def _same(a: dict, b: dict) -> None:
    assert json.dumps(a) == json.dumps(b)  # same keys, same order, same values


def test_a_room_reads_the_same_from_the_server_the_proxy_and_the_cli(api):
    created = api.post("/v1/rooms", {"id": "lab", "name": "Lab", "members": ["zed", "ada"],
                                     "visibility": "public"})
    assert created.status_code == 201
    served = api.get("/v1/rooms/lab").json()
    assert served["members"] == ["ada", "zed"] and served["access"]["can_read"] is True
    _same(pairing_wire.room_json(pairing_wire.decode(served, pairing_wire.RoomIn)), served)
    _same(cli_wire.room(served), served)
    bare = created.json()  # no `access` object
    assert "access" not in bare
    _same(pairing_wire.room_json(pairing_wire.decode(bare, pairing_wire.RoomIn)), bare)
    _same(cli_wire.room(bare), bare)


def test_the_network_document_reads_the_same_through_the_proxy(api):
    served = api.get("/v1/network").json()
    assert served["capabilities"]["public_read"] in (True, False) and "console" in served
    _same(pairing_wire.network_json(pairing_wire.decode(served, pairing_wire.NetworkIn)), served)


def test_an_agent_summary_reads_the_same_through_the_proxy(api):
    api.post("/v1/rooms", {"id": "lab", "name": "Lab", "members": ["ada"]})
    served = api.get("/v1/agents/ada").json()
    assert served["id"] == "ada" and served["rooms"] == ["lab"] and served["connected"] is False
    _same(pairing_wire.agent_json(pairing_wire.decode(served, pairing_wire.AgentIn)), served)


def test_the_cli_prints_a_wrongly_typed_room_as_go_zero_values():
    printed = cli_wire.room({"id": 7, "name": None, "access": {"can_read": 1}, "extra": "dropped"})
    assert printed == {"id": "", "name": "", "access": {"can_read": True, "can_write": False},
                       "created_at": "0001-01-01T00:00:00Z"}


def test_messages_accepted_answers_and_registrations_print_as_served(api):
    api.post("/v1/rooms", {"id": "lab", "name": "Lab", "members": ["ada"]})
    sent = api.post("/v1/messages", {"id": "m1", "target": {"kind": "room", "room_id": "lab"},
                                     "from": {"type": "agent", "id": "ada"},
                                     "parts": [{"kind": "text", "text": "hi @ada"}], "mentions": ["ada"]})
    assert sent.status_code == 202
    _same(cli_wire.accepted(sent.json()), sent.json())
    page = api.get("/v1/rooms/lab/messages").json()
    assert page["messages"][0]["mentions"] == ["molt://local/agents/ada"]
    _same(cli_wire.message_page(page), page)
    registered = api.post("/v1/agents/register", {"requested_agent_id": "bo", "name": "Bo"})
    assert registered.status_code in (200, 201) and registered.json()["display_name"] == "Bo"
    _same(cli_wire.registration(registered.json()), registered.json())
