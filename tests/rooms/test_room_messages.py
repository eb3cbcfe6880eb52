"""History pagination over GET /v1/rooms/{roomID}/messages (docs/protocol/http-api.md §1.6, §4.10)."""

from datetime import UTC, datetime

import pytest

from rooms.models import Message
from tests.support.rooms import room

MISMATCH = "id must match [A-Za-z0-9][A-Za-z0-9._:-]{0,127}"


@pytest.fixture
def lab(make_room):
    make_room("lab", members=["ada"])


@pytest.fixture
def three(lab, send):
    for message_id in ("m1", "m2", "m3"):
        assert send(room(), id=message_id).status_code == 202


def page(api, query: str = "") -> tuple[list[str], dict]:
    body = api.get(f"/v1/rooms/lab/messages{query}").json()
    return [m["id"] for m in body["messages"]], body["page"]


def test_spec_example(api, three):
    assert page(api, "?limit=2") == (["m2", "m3"], {"has_more": True, "next_before": "m2"})
    assert page(api, "?limit=2&before=m2") == (["m1"], {"has_more": False})


def test_after_pages_forward(api, three):
    assert page(api, "?limit=1&after=m1") == (["m2"], {"has_more": True, "next_after": "m2"})
    assert page(api, "?after=m2") == (["m3"], {"has_more": False})
    assert page(api, "?after=m3") == ([], {"has_more": False})


def test_no_cursor_returns_the_newest_in_ascending_order(api, three):
    assert page(api) == (["m1", "m2", "m3"], {"has_more": False})
    assert page(api, "?limit=0") == (["m1", "m2", "m3"], {"has_more": False})


def test_empty_room(api, lab):
    assert api.get("/v1/rooms/lab/messages").json() == {"messages": [], "page": {"has_more": False}}


def test_order_is_created_at_then_id(api, lab, send):
    for message_id in ("b", "a", "c"):
        send(room(), id=message_id)
    same = datetime(2026, 5, 4, 10, 11, 12, tzinfo=UTC)
    Message.objects.filter(id__in=["a", "b"]).update(created_at=same)
    Message.objects.filter(id="c").update(created_at=same.replace(microsecond=500000))
    assert page(api)[0] == ["a", "b", "c"]
    assert page(api, "?before=b")[0] == ["a"]
    assert page(api, "?after=a")[0] == ["b", "c"]


def test_whole_second_sorts_before_fractional_in_the_same_second(api, lab, send):
    send(room(), id="later")
    send(room(), id="earlier")
    base = datetime(2026, 5, 4, 10, 11, 12, tzinfo=UTC)
    Message.objects.filter(id="later").update(created_at=base.replace(microsecond=1))
    Message.objects.filter(id="earlier").update(created_at=base)
    assert page(api)[0] == ["earlier", "later"]
    created = api.get("/v1/rooms/lab/messages").json()["messages"]
    assert [m["created_at"] for m in created] == ["2026-05-04T10:11:12Z", "2026-05-04T10:11:12.000001Z"]


def test_a_cursor_from_another_conversation_is_a_position(api, lab, make_room, send):
    make_room("side", members=["ada"])
    send(room(), id="m1")
    send(room("side"), id="s1")
    send(room(), id="m2")
    assert page(api, "?before=s1")[0] == ["m1"]
    assert page(api, "?after=s1")[0] == ["m2"]


@pytest.mark.parametrize(("query", "error"), [
    ("?before=m1&after=m2", "before and after cannot both be set"),
    ("?before=-m", f"before {MISMATCH}"),
    ("?after=" + "x" * 129, "after id must be 128 characters or fewer"),
    ("?before=unknown", 'invalid cursor "unknown"'),
])
def test_bad_cursors_are_422(api, three, query, error):
    response = api.get(f"/v1/rooms/lab/messages{query}")
    assert (response.status_code, response.json()["error"]) == (422, error)


def test_malformed_cursor_is_422_before_the_room_lookup_and_unknown_cursor_is_404_after(api):
    malformed = api.get("/v1/rooms/ghost/messages?before=-m")
    assert (malformed.status_code, malformed.json()["error"]) == (422, f"before {MISMATCH}")
    unknown = api.get("/v1/rooms/ghost/messages?before=m1")
    assert (unknown.status_code, unknown.json()["error"]) == (404, 'unknown room "ghost"')


@pytest.mark.parametrize(("limit", "count"), [("2", 2), ("abc", 3), ("-1", 3), ("1.5", 3), ("+2", 2), (" 1 ", 1)])
def test_limit(api, three, limit, count):
    assert len(page(api, f"?limit={limit}")[0]) == count


def test_limit_caps_at_500(api, lab):
    now = datetime(2026, 1, 1, tzinfo=UTC)
    Message.objects.bulk_create([
        Message(id=f"m{i:04d}", network_id="local", target_kind="room", room_id="lab",
                target_json='{"kind":"room","room_id":"lab"}', from_json='{"type":"agent","id":"ada"}',
                parts_json='[{"kind":"text","text":"x"}]', origin_json="{}", created_at=now.replace(second=i % 60,
                                                                                                  minute=i // 60))
        for i in range(600)
    ])
    ids, info = page(api, "?limit=9999")
    assert len(ids) == 500 and ids[-1] == "m0599" and info == {"has_more": True, "next_before": "m0100"}
    assert len(page(api)[0]) == 100
