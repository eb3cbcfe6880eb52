"""What a send writes besides its rows: only the indexes readers use (migrations rooms 0005 and
events 0002), and upgrading or downgrading them keeps every message and event."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.db import connection

from events.models import Event
from tests.support.rooms import dm, room, thread


def indexed_columns(table: str) -> dict[str, list[str]]:
    """Non-unique indexes of `table`: name → columns."""
    with connection.cursor() as cursor:
        found = connection.introspection.get_constraints(cursor, table)
    return {name: c["columns"] for name, c in found.items() if c["index"] and not c["unique"] and not c["primary_key"]}


def log() -> list[tuple[int, str, str]]:
    return list(Event.objects.order_by("seq").values_list("seq", "event_id", "type"))


def test_no_index_on_the_event_type_so_a_send_does_not_pay_for_one(api, make_room, send):
    make_room("lab")
    assert send(room("lab")).status_code == 202
    assert ["type"] not in indexed_columns(Event._meta.db_table).values()


@pytest.mark.django_db(transaction=True)  # migrations cannot run inside a test's transaction
def test_migrating_the_event_log_back_and_forth_keeps_every_event_in_order(api, make_room, send):
    make_room("lab")
    for n in range(5):
        assert send(room("lab"), f"before {n}").status_code == 202
    before = log()
    call_command("migrate", "events", "0001", verbosity=0)
    try:
        assert ["type"] in indexed_columns(Event._meta.db_table).values()
        assert log() == before
    finally:
        call_command("migrate", "events", verbosity=0)
    assert log() == before
    assert send(room("lab"), "after").status_code == 202
    assert log()[-1][0] > before[-1][0]


@pytest.mark.skipif(connection.vendor != "sqlite", reason="the SQLite query plan is what is read here")
def test_a_room_message_is_left_out_of_the_thread_and_dm_indexes(api, make_room, send):
    make_room("lab", members=["ada", "bob"])
    assert send(room("lab"), "in the room").status_code == 202
    assert send(thread("t1"), "in a thread").status_code == 202
    assert send(dm("d1", "ada", "bob"), "in a DM").status_code == 202
    with connection.cursor() as cursor:
        for index in ("idx_messages_thread", "idx_messages_dm"):  # entries in each index: its one message
            cursor.execute("SELECT sum(ncell) FROM dbstat WHERE name = %s AND pagetype = 'leaf'", [index])
            assert cursor.fetchone()[0] == 1
        for column in ("thread_id", "dm_id"):
            cursor.execute(f"EXPLAIN QUERY PLAN SELECT id FROM messages WHERE {column} = 'x' "
                           "ORDER BY created_at DESC, id DESC LIMIT 51")
            plan = " ".join(row[-1] for row in cursor.fetchall())
            assert f"INDEX idx_messages_{column[:-3]} ({column}=?)" in plan and "SCAN" not in plan


@pytest.mark.django_db(transaction=True)
def test_thread_and_dm_history_read_the_same_after_the_index_migration_is_undone_and_redone(api, make_room, send):
    make_room("lab", members=["ada", "bob"])
    assert send(thread("t1"), "one").status_code == 202
    assert send(dm("d1", "ada", "bob"), "two").status_code == 202

    def histories() -> tuple[list, list]:
        return ([m["parts"][0]["text"] for m in api.get("/v1/threads/t1/messages").json()["messages"]],
                [m["parts"][0]["text"] for m in api.get("/v1/dms/d1/messages").json()["messages"]])

    assert histories() == (["one"], ["two"])
    call_command("migrate", "rooms", "0004", verbosity=0)
    try:
        assert histories() == (["one"], ["two"])
    finally:
        call_command("migrate", "rooms", verbosity=0)
    assert histories() == (["one"], ["two"])
