"""DELETE /v1/rooms/{roomID}: soft removal (docs/protocol/http-api.md §4.5)."""

import json

import pytest

from events.models import Event
from rooms.models import Message, RoomMember
from tests.support.rooms import room, thread


def test_remove_is_soft_and_reports_the_pre_removal_room(api, make_room, send):
    make_room("lab", members=["ada", "grace"])
    assert send(room()).status_code == 202
    assert send(thread("t1")).status_code == 202
    response = api.delete("/v1/rooms/%20lab")
    assert response.status_code == 200
    assert response.json() == {"removed": True, "kind": "room", "id": "lab", "mode": "soft"}
    event = json.loads(Event.objects.filter(type="room.removed").get().body)
    assert event["room"]["members"] == ["ada", "grace"]
    assert Message.objects.count() == 2  # history stays stored
    assert not RoomMember.objects.exists()


def test_after_removal_every_path_is_404(api, make_room, send):
    make_room("lab", members=["ada"])
    send(thread("t1"))
    api.delete("/v1/rooms/lab")
    for path in ("/v1/rooms/lab", "/v1/rooms/lab/messages", "/v1/rooms/lab/threads", "/v1/artifacts?room_id=lab"):
        response = api.get(path)
        assert (response.status_code, response.json()["error"]) == (404, 'unknown room "lab"'), path
    for path in ("/v1/threads/t1", "/v1/threads/t1/messages"):
        assert api.get(path).json()["error"] == 'unknown room "lab"'
    assert send(room()).status_code == 404
    assert send(thread("t1")).status_code == 404
    assert api.delete("/v1/rooms/lab").status_code == 404


@pytest.mark.parametrize("room_id", ["-bad", "a%20b", "x" * 129])
def test_malformed_id_is_422_room_id_is_required(api, room_id):
    response = api.delete(f"/v1/rooms/{room_id}")
    assert response.status_code == 422
    assert response.json()["error"] == "room id is required"


def test_unknown_room_is_404(api):
    response = api.delete("/v1/rooms/nope")
    assert (response.status_code, response.json()["error"]) == (404, 'unknown room "nope"')
