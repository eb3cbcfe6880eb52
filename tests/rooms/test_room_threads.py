"""GET /v1/rooms/{roomID}/threads (docs/protocol/http-api.md §4.9)."""

import pytest

from tests.support.rooms import thread


@pytest.fixture
def lab(make_room):
    make_room("lab", members=["ada", "grace"])


def test_room_threads_are_listed_by_id_with_collection_pages(api, lab, send):
    for thread_id in ("t3", "t1", "t2"):
        send(thread(thread_id))
    body = api.get("/v1/rooms/lab/threads?limit=2").json()
    assert [t["id"] for t in body["threads"]] == ["t1", "t2"]
    assert body["page"] == {"has_more": True, "next_after": "t2"}
    assert api.get("/v1/rooms/lab/threads?after=t9").json()["error"] == 'invalid cursor "t9"'


def test_empty_thread_list(api, lab):
    assert api.get("/v1/rooms/lab/threads").json() == {"threads": [], "page": {"has_more": False}}
