"""Concurrent first messages of one thread/DM: exactly one *.created, correct counts (docs/protocol/config.md §7).

Runs in-process against the test database (SQLite, and Postgres under MOLTNET_TEST_DB=postgres),
with real threads each holding its own database connection.
"""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from agents.auth import Caller
from events.models import Event
from moltnet import state
from rooms.schemas import SendMessageRequest
from rooms.send import do_send

SENDERS = 6


def concurrently(make_request) -> list:
    barrier = threading.Barrier(SENDERS)
    results: list = [None] * SENDERS

    def worker(index: int) -> None:
        try:
            barrier.wait()
            results[index] = do_send(Caller(), SendMessageRequest.model_validate(make_request(index)), state.config())
        except Exception as exc:  # surfaced by the assertions below
            results[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(SENDERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    return results


@pytest.mark.django_db(transaction=True)
def test_first_messages_of_one_thread_race_to_exactly_one_thread_created(configure, api):
    api.post("/v1/rooms", {"id": "lab", "members": ["ada"]})
    results = concurrently(lambda i: {"id": f"m{i}", "from": {"id": "ada"}, "parts": [{"kind": "text", "text": "x"}],
                                      "target": {"kind": "thread", "room_id": "lab", "thread_id": "t1"}})
    assert all(not isinstance(r, Exception) for r in results), results
    assert sum(r.thread_created for r in results) == 1
    assert Event.objects.filter(type="thread.created").count() == 1
    assert Event.objects.filter(type="message.created").count() == SENDERS
    assert api.get("/v1/threads/t1").json()["message_count"] == SENDERS
    types = list(Event.objects.order_by("seq").values_list("type", flat=True))
    assert types.index("thread.created") < types.index("message.created")


@pytest.mark.django_db(transaction=True)
def test_first_messages_of_one_dm_race_to_exactly_one_dm_created(configure, api):
    results = concurrently(lambda i: {"id": f"m{i}", "from": {"id": f"a{i}"}, "parts": [{"kind": "text", "text": "x"}],
                                      "target": {"kind": "dm", "dm_id": "d1", "participant_ids": ["x", "y"]}})
    assert all(not isinstance(r, Exception) for r in results), results
    assert sum(r.dm_created for r in results) == 1
    assert Event.objects.filter(type="dm.created").count() == 1
    body = api.get("/v1/dms/d1").json()
    assert body["message_count"] == SENDERS
    assert body["participant_ids"] == sorted(["x", "y", *(f"a{i}" for i in range(SENDERS))])


@pytest.mark.django_db(transaction=True)
def test_the_same_message_id_sent_concurrently_is_stored_once(configure, api):
    api.post("/v1/rooms", {"id": "lab", "members": ["ada"]})
    results = concurrently(lambda i: {"id": "same", "from": {"id": "ada"}, "parts": [{"kind": "text", "text": "x"}],
                                      "target": {"kind": "room", "room_id": "lab"}})
    assert all(not isinstance(r, Exception) for r in results), results
    assert {r.message_id for r in results} == {"same"}
    assert Event.objects.filter(type="message.created").count() == 1
