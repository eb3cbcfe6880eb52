"""The index itself: built by the migration for stored messages, kept in the send's transaction."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection

from rooms.models import Message
from tests.support.rooms import room
from tests.support.search import hits


@pytest.mark.django_db(transaction=True)
def test_the_migration_indexes_messages_stored_before_it(api, make_room, post):
    call_command("migrate", "search", "zero", verbosity=0)
    try:
        make_room("lab")
        post(room("lab"), "written before search existed", id="old")
        with connection.cursor() as cursor:
            tables = connection.introspection.table_names(cursor, include_views=True)
        assert "search_message_fts" not in tables
    finally:
        call_command("migrate", "search", verbosity=0)
    assert hits(api.get("/v1/search?q=existed")) == ["old"]
    post(room("lab"), "written after, also existed", id="new")
    assert hits(api.get("/v1/search?q=existed")) == ["new", "old"]


def test_a_deleted_message_leaves_the_index(api, make_room, post):
    make_room("lab")
    post(room("lab"), "ephemeral words", id="gone")
    post(room("lab"), "ephemeral too", id="kept")
    Message.objects.filter(id="gone").delete()
    assert hits(api.get("/v1/search?q=ephemeral")) == ["kept"]
    assert hits(api.get("/v1/search?q=words")) == []


def test_changed_parts_are_reindexed(api, make_room, post):
    make_room("lab")
    post(room("lab"), "first draft", id="m1")
    Message.objects.filter(id="m1").update(parts_json='[{"kind":"text","text":"second version"}]')
    assert hits(api.get("/v1/search?q=draft")) == []
    assert hits(api.get("/v1/search?q=version")) == ["m1"]


def test_odd_parts_are_indexed_as_far_as_they_go(api, make_room, post):
    make_room("lab")
    post(room("lab"), parts=[{"kind": "data", "data": {"text": "not indexed"}},
                             {"kind": "url", "url": "https://example.com/x", "filename": "diagram.png"},
                             {"kind": "text", "text": "ünïcödé words"}], id="odd")
    assert hits(api.get("/v1/search?q=diagram")) == ["odd"]
    assert hits(api.get("/v1/search?q=unicode")) == ["odd"]
    assert hits(api.get("/v1/search?q=indexed")) == []


CONFIG = """\
version: moltnet.v1
network: {id: live, name: Live}
rooms:
  - {id: lab, visibility: public}
"""


@pytest.mark.live
def test_every_accepted_send_is_searchable_at_once_and_after_a_crash(live_server_factory):
    """Concurrent sends share group commits; each 202 means the message is in the index too."""
    server = live_server_factory(CONFIG)

    def send_then_search(n: int) -> list[str]:
        with server.client() as client:
            body = {"id": f"m{n}", "target": {"kind": "room", "room_id": "lab"},
                    "from": {"type": "agent", "id": "ada"}, "parts": [{"kind": "text", "text": f"batch word{n}"}]}
            assert client.post("/v1/messages", json=body).status_code == 202
            return [m["id"] for m in client.get("/v1/search", params={"q": f"word{n}"}).json()["messages"]]

    with ThreadPoolExecutor(8) as pool:
        found = list(pool.map(send_then_search, range(40)))
    assert found == [[f"m{n}"] for n in range(40)]
    server.kill()
    server.start()
    with server.client() as client:
        page = client.get("/v1/search", params={"q": "batch", "limit": 100}).json()
    assert sorted(m["id"] for m in page["messages"]) == sorted(f"m{n}" for n in range(40))


def _all_pages(api, query: str) -> list[str]:
    ids, before = [], ""
    while True:
        body = api.get(f"/v1/search?{query}&limit=2" + (f"&before={before}" if before else "")).json()
        ids += [m["id"] for m in body["messages"]]
        if not body["page"]["has_more"]:
            return ids
        before = body["page"]["next_before"]


@pytest.mark.parametrize("dense", [2, 10**9], ids=["index-order page", "time-ordered page"])
def test_newest_first_is_time_order_even_when_storage_order_is_not(api, make_room, post, monkeypatch, dense):
    """SQLite may take a dense word's page in storage order (search.queries.DENSE_MATCHES): never a
    different answer from ordering by time, also when a message's time is out of storage order."""
    monkeypatch.setattr("search.queries.DENSE_MATCHES", dense)
    make_room("lab")
    for n in range(6):
        post(room("lab"), f"word {n}", id=f"m{n}")
    assert _all_pages(api, "q=word") == ["m5", "m4", "m3", "m2", "m1", "m0"]
    # The first-stored message becomes the newest (as a Go server's or a stepped clock's row could).
    Message.objects.filter(id="m0").update(created_at="2099-01-01T00:00:00Z")
    Message.objects.filter(id="m3").update(created_at="2000-01-01T00:00:00Z")
    assert _all_pages(api, "q=word") == ["m0", "m5", "m4", "m2", "m1", "m3"]
    assert _all_pages(api, "q=word&room_id=lab") == ["m0", "m5", "m4", "m2", "m1", "m3"]


def test_search_rebuild_reindexes_after_rowids_moved(api, make_room, post):
    """A manual SQLite VACUUM may renumber the rowids the FTS5 table is keyed by; the command repairs it."""
    make_room("lab")
    post(room("lab"), "renumbered words", id="r1")
    post(room("lab"), "other words", id="r2")
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("UPDATE messages SET rowid = rowid + 1000")  # what a renumbering VACUUM does
    out = StringIO()
    call_command("search_rebuild", stdout=out)
    assert out.getvalue() == "search index: 2 messages indexed\n"
    assert hits(api.get("/v1/search?q=renumbered")) == ["r1"]
    assert hits(api.get("/v1/search?q=words")) == ["r2", "r1"]
    if connection.vendor == "sqlite":  # nothing is left of the old rowids, and nothing waits
        with connection.cursor() as cursor:
            cursor.execute("INSERT INTO search_message_fts(search_message_fts) VALUES ('integrity-check')")
            cursor.execute("SELECT indexed_through, (SELECT max(rowid) FROM messages) FROM search_index_position")
            through, newest = cursor.fetchone()
            assert through == newest > 1000
