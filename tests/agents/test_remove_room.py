"""DELETE /v1/rooms/{roomID} under bearer auth (docs/protocol/http-api.md §4.5): admin only, soft removal."""

from __future__ import annotations

from events.models import Event
from tests.support.agents import auth


def test_room_removal_under_auth(configure, as_token, room_with):
    configure(auth("bearer"))
    room_with("lab", ["luna"])
    assert as_token("write").delete("/v1/rooms/lab").status_code == 403
    assert as_token(None).delete("/v1/rooms/lab").status_code == 401
    response = as_token("admin").delete("/v1/rooms/lab")
    assert response.status_code == 200
    assert response.json() == {"removed": True, "kind": "room", "id": "lab", "mode": "soft"}
    assert as_token("observe").get("/v1/rooms/lab").status_code == 404
    assert as_token("admin").delete("/v1/rooms/lab").json()["error"] == 'unknown room "lab"'
    assert Event.objects.filter(type="room.removed").count() == 1
