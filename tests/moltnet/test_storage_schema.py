"""Our SQL storage is the Go server's schema (docs/protocol/config.md §7.2–§7.4), on the test database (SQLite, or
Postgres under MOLTNET_TEST_DB=postgres): Go's bookkeeping, tables, keys and times, and a Go
server's migration procedure and INSERTs against the database our migrations made.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from django.db import connection

from moltnet.config import ConfigError
from moltnet.startup import refuse_newer_go_schema
from tests.support.goserver import GO_COLUMNS, GO_RFC3339, GO_VERSIONS, GoStore, go_time

FIXED_WIDTH = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z$")  # text order is time order


def go_store() -> GoStore:
    return GoStore(connection.cursor, "postgres" if connection.vendor == "postgresql" else "sqlite")


def text(body: str) -> list[dict]:
    return [{"kind": "text", "text": body}]


def test_our_migrations_record_go_versions_one_to_eight(db):
    assert go_store().exec("SELECT version, name FROM schema_migrations ORDER BY version") == GO_VERSIONS


# Ours, nullable, after Go's: a Go server's INSERTs name their columns, so it writes NULL here.
OUR_EXTRA_COLUMNS = {"messages": {"hidden_at", "hidden_by", "over_budget"}}


# Ours on Postgres only: search's generated tsvector (search.index); Go's INSERTs never name it.
OUR_POSTGRES_COLUMNS = {"messages": {"search_vector"}}


def test_go_tables_have_exactly_go_columns_plus_our_nullable_ones(db):
    with connection.cursor() as cursor:
        for table, columns in GO_COLUMNS.items():
            described = {c.name: c for c in connection.introspection.get_table_description(cursor, table)}
            extra = OUR_EXTRA_COLUMNS.get(table, set())
            if connection.vendor == "postgresql":
                extra = extra | OUR_POSTGRES_COLUMNS.get(table, set())
            assert set(described) == columns | extra
            assert all(described[name].null_ok for name in extra)


@pytest.mark.parametrize(("table", "key"), [("room_members", ["room_id", "member_id"]),
                                            ("dm_participants", ["dm_id", "participant_id"])])
def test_member_tables_have_go_composite_primary_keys(db, table, key):
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, table)
    [primary] = [c for c in constraints.values() if c["primary_key"]]
    assert set(primary["columns"]) == set(key)


def test_times_are_stored_as_go_stores_them(api):
    """SQLite: fixed-width RFC 3339 text (Go parses it, text order is time order); Postgres: timestamptz."""
    api.post("/v1/rooms", {"id": "lab", "members": ["ada"]})
    api.post("/v1/messages", {"id": "m1", "target": {"kind": "room", "room_id": "lab"}, "from": {"id": "ada"},
                              "parts": text("hi")})
    [(room_created, message_created)] = go_store().exec(
        "SELECT r.created_at, m.created_at FROM rooms r JOIN messages m ON m.room_id = r.id")
    for value in (room_created, message_created):
        if connection.vendor == "sqlite":
            assert GO_RFC3339.match(value) and FIXED_WIDTH.match(value), value
        else:
            assert isinstance(value, datetime) and value.tzinfo is not None, value


def test_a_go_server_on_our_database_runs_no_migration(db):
    assert go_store().migrate() == []
    assert len(go_store().exec("SELECT version FROM schema_migrations")) == 8


def test_rows_a_go_server_inserts_read_back_through_our_api(api):
    go = go_store()
    go.create_room("lab", "local", ["ada", "grace"], "2026-12-02T07:33:20.5Z")  # pre-v8 INSERT: defaults
    go.create_room("annex", "local", ["ada"], "2026-12-02T07:33:21Z", policies=("public", "operators"))
    go.append_message("m1", "local", {"kind": "room", "room_id": "lab"}, "ada", "first", "2026-12-02T07:33:27Z")
    go.append_message("m2", "local", {"kind": "room", "room_id": "lab"}, "grace", "https://x.org/a",
                      "2026-12-02T07:33:28.1234Z")
    go.append_message("m3", "local", {"kind": "thread", "room_id": "lab", "thread_id": "t1",
                                      "parent_message_id": "m1"}, "grace", "reply", "2026-12-02T07:33:29.123456123Z")
    go.append_message("d1", "local", {"kind": "dm", "dm_id": "dm_1", "participant_ids": ["ada", "grace"]}, "ada",
                      "psst", "2026-12-02T07:33:30.000000001Z")

    lab = api.get("/v1/rooms/lab").json()
    assert (lab["members"], lab["visibility"], lab["write_policy"]) == (["ada", "grace"], "private", "members")
    assert lab["created_at"] == "2026-12-02T07:33:20.5Z"
    annex = api.get("/v1/rooms/annex").json()
    assert (annex["visibility"], annex["write_policy"], annex["created_at"]) == \
        ("public", "operators", "2026-12-02T07:33:21Z")
    history = api.get("/v1/rooms/lab/messages").json()["messages"]
    assert [(m["id"], m["created_at"]) for m in history] == [("m1", "2026-12-02T07:33:27Z"),
                                                            ("m2", "2026-12-02T07:33:28.1234Z")]
    assert history[0]["parts"] == text("first") and history[0]["from"]["id"] == "ada"
    assert [a["id"] for a in api.get("/v1/artifacts?room_id=lab").json()["artifacts"]] == ["art_m2_0"]
    [reply] = api.get("/v1/threads/t1/messages").json()["messages"]
    assert reply["created_at"] == "2026-12-02T07:33:29.123456Z"  # microseconds (Postgres rounds, we truncate)
    [dm] = api.get("/v1/dms").json()["dms"]
    assert (dm["id"], dm["participant_ids"], dm["message_count"]) == ("dm_1", ["ada", "grace"], 1)

    sent = api.post("/v1/messages", {"id": "m4", "target": {"kind": "room", "room_id": "lab"},
                                     "from": {"id": "ada"}, "parts": text("ours")})
    assert sent.status_code == 202
    assert [m["id"] for m in api.get("/v1/rooms/lab/messages").json()["messages"]] == ["m1", "m2", "m4"]
    newest = go.room_messages("lab")[0]
    assert newest[0] == "m4"
    assert isinstance(newest[3], datetime) or GO_RFC3339.match(newest[3])


def test_history_pages_over_go_written_nanosecond_times_exactly(api):
    go = go_store()
    go.create_room("lab", "local", ["ada"], go_time(datetime(2026, 12, 2, tzinfo=UTC)))
    # Go's nanoseconds and trimmed zeros, none a microsecond re-format. A whole second never shares its
    # second with a fraction here: Go's own variable-width text puts `28Z` after `28.1Z` (docs/protocol/config.md §7.2).
    times = ["2026-12-02T07:33:27.123456789Z", "2026-12-02T07:33:27.123457Z", "2026-12-02T07:33:28Z",
             "2026-12-02T07:33:29.1Z", "2026-12-02T07:33:30.999999999Z"]
    for index, at in enumerate(times):
        go.append_message(f"m{index}", "local", {"kind": "room", "room_id": "lab"}, "ada", f"n{index}", at)
    ids = [f"m{index}" for index in range(len(times))]
    assert walk(api, "after", "m0") == ids[1:]
    assert walk(api, "before", "m4") == ids[:-1]


def walk(api, direction: str, cursor: str) -> list[str]:
    """Page one message at a time from `cursor`; ids in history order, each once."""
    seen: list[str] = []
    for _ in range(10):  # bounded: a cursor row that comes back would page forever
        if not cursor:
            return seen
        page = api.get(f"/v1/rooms/lab/messages?limit=1&{direction}={cursor}").json()
        ids = [m["id"] for m in page["messages"]]
        seen = seen + ids if direction == "after" else ids + seen
        cursor = page["page"].get(f"next_{direction}", "")
    raise AssertionError(f"paging {direction} did not end: {seen}")


def test_a_newer_go_schema_stops_start_up(db):
    go_store().exec("INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)",
                    9, "future", go_time(datetime.now(UTC)))
    with pytest.raises(ConfigError) as info:
        refuse_newer_go_schema()
    assert str(info.value) == "database schema version 9 is newer than this server supports (up to 8); upgrade Moltnet"
