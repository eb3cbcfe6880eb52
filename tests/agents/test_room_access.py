"""Room write policies (docs/protocol/auth.md §9.3) and the `access` object (docs/protocol/auth.md §9.2), through POST
/v1/messages and GET /v1/rooms."""

from __future__ import annotations

from tests.support.agents import auth, message

FORBIDS = (403, 'room "lab" write policy forbids sender')


def send(client, body):
    response = client.post("/v1/messages", body)
    return response.status_code, response.json().get("error", "")


def test_members_policy(configure, as_token, room_with, registered):
    configure(auth("bearer"))
    room_with("lab", ["luna"])
    assert send(as_token("write"), message("luna"))[0] == 202
    assert send(as_token("write"), message("sol")) == FORBIDS
    assert send(as_token("operator"), message("sol"))[0] == 202  # admin+write overrides
    registered("sol", agent_token="magt_v1_sol-token")
    assert send(as_token("magt_v1_sol-token"), message("sol")) == FORBIDS  # registered is not enough


def test_member_matching_uses_scoped_and_fqid_forms(configure, as_token, room_with):
    configure(auth("bearer"))
    room_with("lab", ["local:luna", "molt://local/agents/sol"])
    assert send(as_token("write"), message("luna"))[0] == 202
    assert send(as_token("write"), message("sol"))[0] == 202


def test_registered_agents_policy(configure, as_token, room_with, registered):
    configure(auth("bearer"))
    room_with("lab", ["luna"], write_policy="registered_agents")
    registered("sol", agent_token="magt_v1_sol-token")
    assert send(as_token("magt_v1_sol-token"), message("sol"))[0] == 202
    assert send(as_token("write"), message("star")) == FORBIDS  # static token, unregistered non-member
    assert send(as_token("write"), message("luna"))[0] == 202  # members still write


def test_operators_policy(configure, as_token, room_with, registered):
    configure(auth("bearer"))
    room_with("lab", ["luna"], write_policy="operators")
    assert send(as_token("write"), message("anyone"))[0] == 202
    registered("luna", agent_token="magt_v1_luna-token")
    assert send(as_token("magt_v1_luna-token"), message("luna")) == FORBIDS  # agent tokens refused, even members


def test_mode_none_writes_everywhere(configure, as_token, room_with):
    configure({"auth": {"mode": "none"}})
    room_with("lab", ["luna"], write_policy="operators")
    assert send(as_token(None), message("sol"))[0] == 202


def test_thread_targets_use_the_room_policy(configure, as_token, room_with):
    configure(auth("bearer"))
    room_with("lab", ["luna"])
    assert send(as_token("write"), message("luna", target={"kind": "room", "room_id": "lab"}))[0] == 202
    thread = {"kind": "thread", "room_id": "lab", "thread_id": "t1", "parent_message_id": "m0"}
    assert send(as_token("write"), message("sol", target=thread)) == FORBIDS


def access_by_room(client) -> dict:
    response = client.get("/v1/rooms")
    assert response.status_code == 200, response.content
    return {room["id"]: room["access"] for room in response.json()["rooms"]}


def test_access_object_per_caller(configure, as_token, room_with, registered):
    configure(auth("bearer", public_read=True))
    room_with("lab", ["luna"], visibility="public")
    room_with("ops", [], write_policy="operators")
    room_with("reg", [], visibility="public", write_policy="registered_agents")
    observer = access_by_room(as_token("ops"))  # observe+write
    assert observer == {
        "lab": {"can_read": True, "can_write": False, "reason": "public-read/members-write"},
        "ops": {"can_read": True, "can_write": True, "reason": "private/operators-write"},
        "reg": {"can_read": True, "can_write": False, "reason": "public-read/registered_agents-write"},
    }
    assert all(a["can_write"] for a in access_by_room(as_token("operator")).values())
    anonymous = access_by_room(as_token(None))
    assert set(anonymous) == {"lab", "reg"} and not any(a["can_write"] for a in anonymous.values())


def test_access_in_mode_none_is_always_writable(configure, as_token, room_with):
    configure({"auth": {"mode": "none"}})
    room_with("lab", [], write_policy="operators")
    assert access_by_room(as_token(None)) == {"lab": {"can_read": True, "can_write": True,
                                                      "reason": "private/operators-write"}}
