"""History pages splice the stored JSON columns instead of decoding and re-encoding them
(rooms.shapes.message_json_text): the bytes must be exactly what encoding message_json gives."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from moltnet.jsonshape import dumps
from rooms.models import Message
from rooms.shapes import MESSAGE_COLUMNS, message_json, message_json_text, messages_page_text
from tests.rooms.conftest import dm, room, thread


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
