"""POST /v1/messages: the send path as a client sees it (spec 02 §4.8, 01 §8–§12)."""

import pytest


@pytest.fixture
def lab(api):
    assert api.post("/v1/rooms", {"id": "lab", "members": ["ada", "grace"]}).status_code == 201


def text(body: str) -> list[dict]:
    return [{"kind": "text", "text": body}]


def test_room_message_is_stored_with_canonical_mentions(api, lab):
    response = api.post("/v1/messages", {"id": "msg_1", "target": {"kind": "room", "room_id": "lab"},
                                         "from": {"type": "agent", "id": "ada"}, "parts": text("@grace hi")})
    assert response.status_code == 202
    assert response.json() == {"message_id": "msg_1", "event_id": "evt_116b88f1-7300-4be5-a05d-f2a87105f095",
                               "accepted": True, "thread_created": False, "dm_created": False}
    [message] = api.get("/v1/rooms/lab/messages").json()["messages"]
    assert message["mentions"] == ["molt://local/agents/grace"]
    assert message["from"] == {"type": "agent", "id": "ada", "network_id": "local", "fqid": "molt://local/agents/ada"}
    assert message["origin"] == {"network_id": "local", "message_id": "msg_1"}


def test_retry_with_same_id_is_idempotent(api, lab):
    body = {"id": "msg_r", "target": {"kind": "room", "room_id": "lab"}, "from": {"id": "ada"}, "parts": text("x")}
    first = api.post("/v1/messages", body).json()
    second = api.post("/v1/messages", {**body, "parts": text("changed")}).json()
    assert first == second
    messages = api.get("/v1/rooms/lab/messages").json()["messages"]
    assert [m["parts"][0]["text"] for m in messages] == ["x"]


def test_unknown_room_is_404_and_stores_nothing(api, lab):
    response = api.post("/v1/messages", {"target": {"kind": "room", "room_id": "nope"}, "from": {"id": "ada"},
                                         "parts": text("x")})
    assert response.status_code == 404
    assert response.json()["error"] == 'unknown room "nope"'
    assert response.json()["code"] == "not_found"
    assert api.get("/v1/rooms/lab/messages").json()["messages"] == []
