"""SQLite indexes new messages behind the send path (search.backlog): a search never sees the lag."""

from __future__ import annotations

import sqlite3
import time

import pytest
from django.core.management import call_command
from django.db import connection

from rooms.models import Message
from tests.support.rooms import room
from tests.support.search import hits

pytestmark = pytest.mark.skipif(connection.vendor != "sqlite", reason="Postgres indexes in a generated column")


def position() -> tuple[int, int]:
    """(indexed through, newest message rowid)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexed_through, (SELECT max(rowid) FROM messages) FROM search_index_position")
        return cursor.fetchone()


def assert_index_intact() -> None:
    with connection.cursor() as cursor:  # FTS5 raises "database disk image is malformed" otherwise
        cursor.execute("INSERT INTO search_message_fts(search_message_fts) VALUES ('integrity-check')")


def test_a_send_leaves_indexing_to_later_and_a_search_finds_it_at_once(api, make_room, post):
    make_room("lab")
    post(room("lab"), "fresh words", id="m1")
    through, newest = position()
    assert through < newest  # not indexed in the send's transaction…
    assert hits(api.get("/v1/search?q=fresh")) == ["m1"]  # …yet the search finds it
    assert position() == (newest, newest)
    assert_index_intact()


def test_messages_deleted_or_changed_before_they_were_indexed(api, make_room, post):
    make_room("lab")
    post(room("lab"), "indexed early", id="early")
    assert hits(api.get("/v1/search?q=early")) == ["early"]
    post(room("lab"), "waiting gone", id="gone")
    post(room("lab"), "waiting draft", id="draft")
    Message.objects.filter(id="gone").delete()
    Message.objects.filter(id="draft").update(parts_json='[{"kind":"text","text":"waiting final"}]')
    Message.objects.filter(id="early").update(parts_json='[{"kind":"text","text":"reworded"}]')
    assert hits(api.get("/v1/search?q=waiting")) == ["draft"]
    assert hits(api.get("/v1/search?q=draft")) == []
    assert hits(api.get("/v1/search?q=early")) == []
    assert hits(api.get("/v1/search?q=reworded")) == ["early"]
    assert_index_intact()


def test_a_reused_rowid_is_indexed_with_its_insert(api, make_room, post):
    """Deleting the newest message lets SQLite give its rowid to the next one, which the position
    has already passed: the insert trigger indexes it at once."""
    make_room("lab")
    post(room("lab"), "first", id="a")
    post(room("lab"), "second", id="b")
    assert hits(api.get("/v1/search?q=second")) == ["b"]
    Message.objects.filter(id="b").delete()
    post(room("lab"), "third", id="c")
    assert hits(api.get("/v1/search?q=third")) == ["c"]
    assert hits(api.get("/v1/search?q=second")) == []
    assert_index_intact()


@pytest.mark.django_db(transaction=True)
def test_undoing_the_migration_indexes_what_waits(api, make_room, post):
    make_room("lab")
    post(room("lab"), "waiting when migrated back", id="w")
    call_command("migrate", "search", "0001", verbosity=0)
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT rowid FROM search_message_fts WHERE search_message_fts MATCH 'migrated'")
            assert len(cursor.fetchall()) == 1
        post(room("lab"), "indexed in its send again", id="x")
        with connection.cursor() as cursor:
            cursor.execute("SELECT rowid FROM search_message_fts WHERE search_message_fts MATCH 'again'")
            assert len(cursor.fetchall()) == 1
    finally:
        call_command("migrate", "search", verbosity=0)
    assert position()[0] == position()[1]
    assert hits(api.get("/v1/search?q=again")) == ["x"]
    assert_index_intact()


CONFIG = """\
version: moltnet.v1
rooms:
  - {id: lab, visibility: public}
"""


@pytest.mark.live
def test_the_server_catches_up_on_its_own_when_sends_pause(live_server_factory):
    server = live_server_factory(CONFIG)
    with server.client() as client:
        for n in range(20):
            body = {"target": {"kind": "room", "room_id": "lab"}, "from": {"type": "agent", "id": "ada"},
                    "parts": [{"kind": "text", "text": f"idle word{n}"}]}
            assert client.post("/v1/messages", json=body).status_code == 202
    database = server.workdir / ".moltnet" / "moltnet.db"
    deadline = time.monotonic() + 10
    while True:  # no search was made: the writer indexed them once it had nothing else to do
        with sqlite3.connect(database) as db:
            through, newest = db.execute("SELECT indexed_through, (SELECT max(rowid) FROM messages) "
                                         "FROM search_index_position").fetchone()
            found = db.execute("SELECT count(*) FROM search_message_fts WHERE search_message_fts MATCH 'idle'")
            if through == newest and found.fetchone()[0] == 20:
                break
        assert time.monotonic() < deadline, (through, newest)
        time.sleep(0.1)
