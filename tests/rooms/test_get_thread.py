"""GET /v1/threads/{threadID} and GET /v1/threads/{threadID}/messages (docs/protocol/http-api.md §4.9)."""

import pytest

from tests.support.rooms import event_types, thread


@pytest.fixture
def lab(make_room):
    make_room("lab", members=["ada", "grace"])


def test_thread_document_counts_messages_and_keeps_the_first_parent(api, lab, send):
    send(thread("t1"), id="m1")
    send(thread("t1", parent_message_id="other"), id="m2")
    body = api.get("/v1/threads/t1").json()
    last = api.get("/v1/threads/t1/messages").json()["messages"][-1]["created_at"]
    assert body == {"id": "t1", "network_id": "local", "fqid": "molt://local/threads/t1", "room_id": "lab",
                    "message_count": 2, "last_message_at": last}


def test_unknown_thread_and_unknown_room(api, lab, send):
    for path in ("/v1/threads/nope", "/v1/threads/nope/messages"):
        response = api.get(path)
        assert (response.status_code, response.json()["error"]) == (404, 'unknown thread "nope"')
    response = send(thread("t1", room_id="ghost"))
    assert (response.status_code, response.json()["error"]) == (404, 'unknown room "ghost"')
    assert api.get("/v1/rooms/ghost/threads").status_code == 404
    assert "thread.created" not in event_types()


def test_thread_reads_are_403_when_its_room_is_unreadable(api, lab, send, configure):
    send(thread("t1"))
    configure({"auth": {"mode": "open"}})
    for path in ("/v1/threads/t1", "/v1/threads/t1/messages", "/v1/rooms/lab/threads"):
        response = api.get(path)
        assert (response.status_code, response.json()["error"]) == (403, "room lab is not readable")
