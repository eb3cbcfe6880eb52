"""SQLite: the search index is filled behind the send path, in bulk, and is complete before any search.

Indexing a message in its send's transaction cost that send ~50 µs (the trigger's JSON functions,
and an FTS5 segment written at every group commit) — ~8% of the server's send throughput. So a
new message is indexed later, by the group-commit writer when it has nothing else to do (and every
few hundred writes under sustained load), many messages per transaction. A search never sees
that lag: it first indexes whatever is still waiting (`ensure_indexed`).

The index's position, `indexed_through`, is a rowid of `messages` kept in the same transactions as
the index itself, so a crash loses both or neither. Messages at or below it are kept in step by the
triggers (a deleted message leaves the index, changed parts are indexed again, an insert under the
position — a reused rowid — is indexed at once); messages above it are indexed from their current
text when the position passes them. Postgres needs none of this: its index is a generated column.
"""

from __future__ import annotations

import logging

from django.db import DatabaseError, connection, transaction

from search.index import NEWEST_ROWID, POSITION_TABLE, sqlite_fill

log = logging.getLogger("moltnet.search")
CHUNK = 512  # messages per background transaction: a few milliseconds of the writer's time


def _position() -> tuple[int, int]:
    """(indexed through, newest rowid) on this thread's connection."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT (SELECT indexed_through FROM {POSITION_TABLE}), {NEWEST_ROWID}")
        through, head = cursor.fetchone()
    return through or 0, head


def catch_up(limit: int | None = None) -> bool:
    """Index the messages stored after the position, at most `limit` of them, in the caller's write
    transaction; True when more are waiting."""
    through, head = _position()
    if head <= through:
        return False
    upto = head if limit is None else min(head, through + limit)
    with connection.cursor() as cursor:
        cursor.execute(sqlite_fill("doc_id > %s AND doc_id <= %s"), [through, upto])
        cursor.execute(f"UPDATE {POSITION_TABLE} SET indexed_through = %s", [upto])
    return upto < head


def ensure_indexed() -> None:
    """Before a search: every stored message is in the index (a read when nothing waits)."""
    if connection.vendor != "sqlite":
        return
    through, head = _position()
    if head > through:
        with transaction.atomic():
            catch_up()


def work_off_backlog() -> bool:
    """The writer's idle work: one chunk of waiting messages; True when more are waiting."""
    if connection.vendor != "sqlite":
        return False
    try:
        return catch_up(CHUNK)
    except DatabaseError as exc:  # the index's tables are gone (`migrate search zero`): nothing to fill
        log.debug("search index not filled: %s", exc)
        return False
