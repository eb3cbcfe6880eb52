"""History pages splice the stored JSON columns instead of decoding and re-encoding them
(rooms.shapes.message_json_text): the bytes must be exactly what encoding message_json gives."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from moltnet.jsonshape import dumps
from rooms.models import Message
from rooms.shapes import MESSAGE_COLUMNS, message_json, message_json_text, messages_page_text
from tests.support.rooms import dm, room, thread


@pytest.fixture
def varied(make_room, send):
    make_room("lab", members=["ada", "grace"])
    texts = ["plain", "<b>&amp; 'quotes' \"double\"</b>", "ünïcödé 🦀 \u2028 line sep", "tab\there\nnewline",
             "@grace hi"]
    for index, body in enumerate(texts):
        assert send(room(), body, id=f"m{index}").status_code == 202
    assert send(thread("t1", parent_message_id="m0"), "in a thread", id="t_m").status_code == 202
    assert send(dm("d1", "ada", "grace"), "direct", id="d_m").status_code == 202
    artifact = {"target": room(), "from": {"type": "agent", "id": "ada"}, "id": "art_m",
                "parts": [{"kind": "url", "url": "https://example.com/a?b=<c>", "filename": "a.txt"},
                          {"kind": "text", "text": "with a file"}]}
    assert send(**{"target": artifact.pop("target"), "body": "x", **artifact}).status_code == 202
    # A row as a Go server (or an old schema) may have left it: no origin, null mentions.
    Message.objects.create(id="go_row", network_id="local", target_kind="room", room_id="lab",
                           target_json='{"kind":"room","room_id":"lab"}',
                           from_json='{"type":"agent","id":"ada","network_id":"local","fqid":"molt://local/agents/ada"}',
                           parts_json='[{"kind":"text","text":"from go"}]', mentions_json="null", origin_json="{}",
                           created_at=datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC))


def test_each_message_encodes_exactly_as_its_decoded_shape(varied):
    messages = list(Message.objects.all())
    rows = {row.id: row for row in Message.objects.values_list(*MESSAGE_COLUMNS, named=True)}
    assert len(messages) == len(rows) == 9
    for message in messages:
        assert message_json_text(message) == dumps(message_json(message)), message.id
        assert message_json_text(rows[message.id]) == dumps(message_json(message)), message.id


def test_a_history_page_is_the_encoded_page_object(varied, api):
    rows = list(Message.objects.filter(room_id="lab", target_kind="room").order_by("created_at", "id"))
    info = {"has_more": False}
    assert messages_page_text(rows, info) == dumps({"messages": [message_json(m) for m in rows], "page": info})
    body = api.get("/v1/rooms/lab/messages").json()
    assert [m["id"] for m in body["messages"]] == [m.id for m in rows]
    mentioned = next(m for m in body["messages"] if m["id"] == "m4")
    assert mentioned["mentions"] == ["molt://local/agents/grace"] and mentioned["parts"][0]["text"] == "@grace hi"
    assert next(m for m in body["messages"] if m["id"] == "go_row")["origin"] == {"network_id": "", "message_id": ""}


@pytest.mark.parametrize("stored", ["2026-12-02T07:33:27.123456000Z", "2026-12-02T07:33:27.1234Z",
                                    "2026-12-02T07:33:27Z", "2026-12-02T07:33:27.000000000Z",
                                    "0001-01-01T00:00:00Z", "2026-12-02T07:33:27.123456789Z"])
def test_stored_sqlite_times_read_as_the_orm_reads_them(stored):
    from django.utils.dateparse import parse_datetime

    from moltnet.ids import format_time
    from rooms.shapes import wire_time

    assert wire_time(stored) == format_time(parse_datetime(stored))


@pytest.mark.parametrize("path", ["/v1/rooms/lab/messages", "/v1/rooms/lab/messages?limit=3",
                                  "/v1/threads/t1/messages", "/v1/dms/d1/messages"])
def test_a_newest_page_is_byte_for_byte_the_encoded_page(varied, api, path):
    """The newest page is read with plain SQL; older pages through the ORM: both encode the same."""
    body = api.get(path).content.decode()
    page = json.loads(body)
    ids = [m["id"] for m in page["messages"]]
    rows = {m.id: m for m in Message.objects.filter(id__in=ids)}
    expected = {"messages": [message_json(rows[i]) for i in ids], "page": page["page"]}
    assert body == dumps(expected) + "\n"
    if page["page"].get("has_more"):  # the next page, behind a cursor, continues where this one ends
        older = api.get(path.split("?")[0] + f"?limit=3&before={page['page']['next_before']}").json()
        assert [m["id"] for m in older["messages"]][-1] != ids[0]
        assert older["messages"] and older["messages"][-1]["created_at"] <= page["messages"][0]["created_at"]
