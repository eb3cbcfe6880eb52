"""POST /v1/messages to threads: lazy creation, thread.created before message.created, the
write room (docs/protocol/model.md §6, docs/protocol/http-api.md §4.8)."""

import json

import pytest

from events.models import Event
from tests.support.rooms import event_types, thread


@pytest.fixture
def lab(make_room):
    make_room("lab", members=["ada", "grace"])


def test_first_message_creates_the_thread_and_its_event_comes_first(api, lab, send):
    first = send(thread("t1", parent_message_id="m0"), id="m1")
    assert first.status_code == 202
    assert first.json()["thread_created"] is True
    assert event_types() == ["room.created", "thread.created", "message.created"]
    created = json.loads(Event.objects.get(type="thread.created").body)
    assert created["thread"] == {"id": "t1", "network_id": "local", "fqid": "molt://local/threads/t1",
                                 "room_id": "lab", "parent_message_id": "m0", "message_count": 1,
                                 "last_message_at": created["created_at"]}
    second = send(thread("t1"), id="m2")
    assert second.json()["thread_created"] is False
    assert event_types().count("thread.created") == 1


def test_thread_messages_are_not_in_room_history(api, lab, send):
    send(thread("t1"), id="m1")
    send({"kind": "room", "room_id": "lab"}, id="m2")
    assert [m["id"] for m in api.get("/v1/rooms/lab/messages").json()["messages"]] == ["m2"]
    assert [m["id"] for m in api.get("/v1/threads/t1/messages").json()["messages"]] == ["m1"]


def test_later_messages_may_name_another_room_and_keep_the_thread_room(api, lab, make_room, send):
    make_room("side", members=["ada"])
    send(thread("t1"), id="m1")
    send(thread("t1", room_id="side"), id="m2")
    assert api.get("/v1/threads/t1").json()["room_id"] == "lab"
    [_, second] = api.get("/v1/threads/t1/messages").json()["messages"]
    assert second["target"]["room_id"] == "side"  # stored verbatim
    assert [t["id"] for t in api.get("/v1/rooms/side/threads").json()["threads"]] == []


def test_write_policy_uses_the_stored_threads_room(api, lab, make_room, send, configure):
    make_room("closed", members=["grace"])
    send(thread("t1"), id="m1")
    configure({"auth": {"mode": "bearer", "tokens": [{"id": "w", "value": "write-secret", "scopes": ["write"]},
                                                     {"id": "o", "value": "observe-secret", "scopes": ["observe"]}]}})
    writer = api.with_token("write-secret")
    body = {"from": {"type": "agent", "id": "ada"}, "parts": [{"kind": "text", "text": "x"}]}
    # t1 lives in lab, where ada is a member: allowed although the target names "closed".
    assert writer.post("/v1/messages", {**body, "target": thread("t1", room_id="closed")}).status_code == 202
    refused = writer.post("/v1/messages", {**body, "target": thread("t2", room_id="closed")})
    assert (refused.status_code, refused.json()["error"]) == (403, 'room "closed" write policy forbids sender')
    observer = api.with_token("observe-secret")
    assert observer.get("/v1/rooms/closed/threads").json()["threads"] == []
    assert observer.get("/v1/threads/t1").json()["message_count"] == 2
