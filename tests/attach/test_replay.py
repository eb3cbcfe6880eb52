"""Cursors and durable replay (docs/protocol/attach.md §11.1, docs/protocol/events.md §5.2 adapted to the durable
log): a restart live,
the rest in-process."""

from __future__ import annotations

import hashlib

import pytest

from tests.support import inprocess
from tests.support.attach import NONE_CONFIG, room, send, start_live
from tests.support.attachclient import Attachment
from tests.support.inprocess import Session


def messages_until(att: Attachment, last_event_id: str) -> list[str]:
    """message.created event ids received (ACKing everything) up to and including `last_event_id`."""
    ids: list[str] = []
    while not ids or ids[-1] != last_event_id:
        frame = att.next_event()
        if frame["event"]["type"] == "message.created":
            ids.append(frame["event"]["id"])
    return ids


@pytest.mark.live
def test_a_cursor_resumes_after_a_server_restart(tmp_path_factory):
    server = start_live(tmp_path_factory, NONE_CONFIG, "restart")
    try:
        att = Attachment(server.ws_url)
        att.identify("mira")
        first = send(server, room(), "one")
        cursor = messages_until(att, first["event_id"])[-1]
        att.close()
        missed = [send(server, room(), f"missed {i}")["event_id"] for i in range(5)]
        server.stop()
        server.start()
        resumed = Attachment(server.ws_url)
        resumed.identify("mira", cursor=cursor)
        assert messages_until(resumed, missed[-1]) == missed  # in order, nothing twice
        live = send(server, room(), "live")
        assert messages_until(resumed, live["event_id"]) == [live["event_id"]]
        resumed.close()
    finally:
        server.stop()


# In-process from here (Channels' WebsocketCommunicator on AttachConsumer).


async def in_process_messages_until(att: Session, last_event_id: str) -> list[str]:
    ids: list[str] = []
    while not ids or ids[-1] != last_event_id:
        frame = await att.next_event()
        if frame["event"]["type"] == "message.created":
            ids.append(frame["event"]["id"])
    return ids


@pytest.mark.django_db(transaction=True)
async def test_a_cursor_resumes_after_a_disconnect(none_network):
    att = await Session.open()
    await att.identify("mira")
    first = await inprocess.send(room(), "one")
    cursor = (await in_process_messages_until(att, first["event_id"]))[-1]
    await att.close()
    missed = [(await inprocess.send(room(), f"missed {i}"))["event_id"] for i in range(5)]
    resumed = await Session.open()
    await resumed.identify("mira", cursor=cursor)
    assert await in_process_messages_until(resumed, missed[-1]) == missed  # in order, nothing twice
    await resumed.close()


@pytest.mark.django_db(transaction=True)
async def test_an_unknown_cursor_gets_a_gap_event_then_the_newest_window(none_network):
    await inprocess.send(room(), "something to replay")
    att = await Session.open()
    await att.identify("gapper", cursor="evt_missing")
    gap = (await att.next_event())["event"]
    expected = "evt_gap_" + hashlib.sha256(b"evt_missing").hexdigest()
    assert gap["id"] == expected and gap["type"] == "stream.replay_gap" and gap["network_id"] == "lab"
    assert gap["replay_gap"]["requested_event_id"] == "evt_missing"
    first = (await att.next_event())["event"]
    assert first["id"] == gap["replay_gap"]["oldest_event_id"]
    await att.close()

    again = await Session.open()
    await again.identify("gapper-2", cursor=expected)
    assert (await again.next_event())["event"]["id"] == gap["replay_gap"]["oldest_event_id"]  # no second gap
    await again.close()


@pytest.mark.django_db(transaction=True)
async def test_a_blank_cursor_is_live_only(none_network):
    await inprocess.send(room(), "old news")
    att = await Session.open()
    await att.identify("fresh")
    live = await inprocess.send(room(), "news")
    assert (await att.event_of_type("message.created"))["id"] == live["event_id"]
    await att.close()
