"""PATCH /v1/rooms/{roomID}/members (docs/protocol/http-api.md §4.4, docs/protocol/model.md §5)."""

import json

import pytest

from events.models import Event
from tests.support.rooms import event_types

MISMATCH = "id must match [A-Za-z0-9][A-Za-z0-9._:-]{0,127}"


def test_adds_then_removes_and_returns_sorted_members(api, make_room):
    make_room("lab", members=["ada"])
    response = api.patch("/v1/rooms/lab/members", {"add": ["zed", " bob ", "ada"], "remove": ["ada", "nobody"]})
    assert response.status_code == 200
    body = response.json()
    assert body["members"] == ["bob", "zed"]
    assert "access" not in body
    event = json.loads(Event.objects.filter(type="room.members.updated").get().body)
    assert event["room"]["members"] == ["bob", "zed"]
    # Go quirk: the event is stamped with the room's creation time.
    assert event["created_at"] == body["created_at"]


def test_no_change_emits_no_event(api, make_room):
    make_room("lab", members=["ada"])
    assert api.patch("/v1/rooms/lab/members", {"add": ["ada"], "remove": ["x"]}).json()["members"] == ["ada"]
    assert event_types() == ["room.created"]


@pytest.mark.parametrize(("body", "error"), [
    ({"add": [f"m{i}" for i in range(257)]}, "add must contain 256 IDs or fewer"),
    ({"add": ["ok", "b/ad"]}, f"add[1] {MISMATCH}"),
    ({"remove": ["b/ad"]}, f"remove[0] {MISMATCH}"),
])
def test_invalid_lists_are_422_before_the_room_lookup(api, body, error):
    response = api.patch("/v1/rooms/nope/members", body)
    assert (response.status_code, response.json()["error"]) == (422, error)


def test_unknown_room_is_404(api):
    response = api.patch("/v1/rooms/nope/members", {"add": ["ada"]})
    assert (response.status_code, response.json()["error"]) == (404, 'unknown room "nope"')


def test_bad_body_is_400(api, make_room):
    make_room("lab")
    assert api.request("PATCH", "/v1/rooms/lab/members", raw='{"add": "ada"}').status_code == 400
