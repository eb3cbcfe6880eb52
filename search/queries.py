"""The search SQL, on SQLite's FTS5 table or Postgres' tsvector column: a page's keys, then its rows.

Both backends get the same shape: a match, the caller's visibility and filters as WHERE terms,
a `score` where lower is better (bm25 on SQLite, minus ts_rank_cd on Postgres), a snippet with
each match in `[[…]]`, and `(created_at, id)` / `(score, created_at, id)` keyset cursors.
"""

from __future__ import annotations

from collections import namedtuple
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db import connection

from moltnet.errors import unprocessable
from moltnet.gocompat import quote
from rooms.models import Message, Thread
from rooms.shapes import MESSAGE_COLUMNS
from search.backlog import ensure_indexed
from search.index import FTS_TABLE, PG_CONFIG, PG_TEXT_FUNCTION, PG_VECTOR_COLUMN, pg_split
from search.syntax import ParsedQuery, fts5_expression

SNIPPET_WORDS = 16
MESSAGES = Message._meta.db_table
THREADS = Thread._meta.db_table


@dataclass
class Scope:
    """Which messages the caller may see and asked for (every list already access-checked)."""

    room_ids: list[str] = field(default_factory=list)  # room and thread messages of these rooms
    include_dms: bool = False  # every DM
    dm_ids: list[str] = field(default_factory=list)  # these DMs only (an agent token's own)
    include_hidden: bool = False
    thread_id: str = ""
    dm_id: str = ""
    from_agent: str = ""
    since: datetime | None = None
    until: datetime | None = None

    @property
    def empty(self) -> bool:
        return not self.room_ids and not self.include_dms and not self.dm_ids


@dataclass(frozen=True)
class Hit:
    row: Any  # a row with the fields of rooms.shapes.MESSAGE_COLUMNS
    snippet: str


class _Backend:
    """The vendor-specific pieces of the statement."""

    def __init__(self, query: ParsedQuery, raw: str) -> None:
        if connection.vendor == "sqlite":
            self.source = f"{FTS_TABLE} JOIN {MESSAGES} m ON m.rowid = {FTS_TABLE}.rowid"
            self.match = f"{FTS_TABLE} MATCH %s"
            self.match_params: list[Any] = [fts5_expression(query)]
            self.score = f"bm25({FTS_TABLE})"
            self.snippet = f"snippet({FTS_TABLE}, 0, '[[', ']]', '…', {SNIPPET_WORDS})"
            self.from_id = "json_extract(m.from_json, '$.id')"
            self.key = f"{FTS_TABLE}.rowid"  # the page's rows are then found by rowid, in the index too
        else:
            self.source = f"{MESSAGES} m, websearch_to_tsquery('{PG_CONFIG}', %s) AS query"
            self.match = f"m.{PG_VECTOR_COLUMN} @@ query"
            self.match_params = [raw]
            self.score = f"-ts_rank_cd(m.{PG_VECTOR_COLUMN}, query)"
            options = f"StartSel=[[, StopSel=]], MaxFragments=2, MaxWords={SNIPPET_WORDS}, MinWords=5, ShortWord=0, " \
                      'FragmentDelimiter=" … "'
            headline = f"ts_headline('{PG_CONFIG}', %s, query, '{options}')"
            # A word found only in the punctuation-split text (see search.index.pg_split) is marked there.
            self.snippet = (f"(SELECT CASE WHEN strpos(h.plain, '[[') > 0 THEN h.plain "
                            f"ELSE {headline % pg_split('h.text')} END FROM (SELECT d.text, "
                            f"{headline % 'd.text'} AS plain "
                            f"FROM (SELECT {PG_TEXT_FUNCTION}(m.parts_json) AS text) d) h)")
            self.from_id = "(m.from_json::jsonb ->> 'id')"
            self.key = "m.id"
        # The source's own parameter (Postgres' query text) comes before the WHERE's.
        self.source_params = self.match_params if connection.vendor != "sqlite" else []
        self.where_match_params = [] if connection.vendor != "sqlite" else self.match_params


def _time_param(value: datetime) -> Any:
    return Message._meta.get_field("created_at").get_db_prep_value(value, connection)


def _in(column: str, values: list[str]) -> str:
    return f"{column} IN ({', '.join(['%s'] * len(values))})"


def _visibility(scope: Scope) -> tuple[str, list[Any]]:
    """The messages the scope allows: room and thread messages of its rooms, DMs when allowed."""
    terms: list[str] = []
    params: list[Any] = []
    if scope.room_ids:
        # A thread message is visible through its thread's room, as the thread history route decides.
        terms.append(f"(m.target_kind = 'room' AND {_in('m.room_id', scope.room_ids)})")
        terms.append(f"(m.target_kind = 'thread' AND m.thread_id IN "
                     f"(SELECT id FROM {THREADS} WHERE {_in('room_id', scope.room_ids)}))")
        params += scope.room_ids * 2
    if scope.include_dms:
        terms.append("m.target_kind = 'dm'")
    elif scope.dm_ids:
        terms.append(f"(m.target_kind = 'dm' AND {_in('m.dm_id', scope.dm_ids)})")
        params += scope.dm_ids
    return "(" + " OR ".join(terms) + ")", params


def _filters(scope: Scope, backend: _Backend) -> tuple[list[str], list[Any]]:
    where, params = [], []
    visible, visible_params = _visibility(scope)
    where.append(visible)
    params += visible_params
    if not scope.include_hidden:
        where.append("m.hidden_at IS NULL")
    if scope.thread_id:
        where.append("m.target_kind = 'thread' AND m.thread_id = %s")
        params.append(scope.thread_id)
    if scope.dm_id:
        where.append("m.target_kind = 'dm' AND m.dm_id = %s")
        params.append(scope.dm_id)
    if scope.from_agent:
        where.append(f"{backend.from_id} = %s")
        params.append(scope.from_agent)
    if scope.since is not None:
        where.append("m.created_at >= %s")
        params.append(_time_param(scope.since))
    if scope.until is not None:
        where.append("m.created_at < %s")
        params.append(_time_param(scope.until))
    return where, params


def _fetch(sql: str, params: list[Any]) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _cursor_terms(backend: _Backend, where: list[str], params: list[Any], before: str,
                  relevance: bool) -> tuple[list[str], list[Any], Any]:
    """The keyset condition for "older than / ranked after the `before` message", and its time."""
    invalid = unprocessable(f"invalid cursor {quote(before)}")
    if not relevance:
        # As history: any stored message is a position in time.
        rows = _fetch(f"SELECT created_at FROM {MESSAGES} WHERE id = %s", [before])
        if not rows:
            raise invalid
        position = rows[0][0]
        return (["m.created_at <= %s", "(m.created_at < %s OR m.id < %s)"], [position, position, before],
                position)
    # By relevance the cursor must be one of this search's hits: its score is the position.
    rows = _fetch(f"SELECT {backend.score}, m.created_at FROM {backend.source} "
                  f"WHERE {backend.match} AND {' AND '.join(where)} AND m.id = %s",
                  [*backend.source_params, *backend.where_match_params, *params, before])
    if not rows:
        raise invalid
    score, position = rows[0]
    term = (f"({backend.score} > %s OR ({backend.score} = %s AND "
            "(m.created_at < %s OR (m.created_at = %s AND m.id < %s))))")
    return [term], [score, score, position, position, before], position


def search(query: ParsedQuery, raw: str, scope: Scope, *, limit: int, before: str = "",
           relevance: bool = False) -> tuple[list[Hit], bool]:
    """One page of hits (newest first, or best first) and whether more follow.

    Two statements: the page's keys (ordering every match needs only the key columns), then the
    page's rows and snippets (a snippet costs more than the match: make it only for the page).
    """
    if scope.empty:
        return [], False
    ensure_indexed()  # SQLite indexes new messages behind the send path: none may be missed here
    backend = _Backend(query, raw)
    where, params = _filters(scope, backend)
    position = None
    if before:
        terms, term_params, position = _cursor_terms(backend, where, params, before, relevance)
        where, params = where + terms, params + term_params
    keys = None
    if connection.vendor == "sqlite" and not relevance:
        keys = _sqlite_keys_in_index_order(backend, where, params, limit, position)
    if keys is None:
        order = f"{backend.score}, m.created_at DESC, m.id DESC" if relevance else "m.created_at DESC, m.id DESC"
        keys = [row[0] for row in _fetch(
            f"SELECT {backend.key} FROM {backend.source} WHERE {backend.match} AND {' AND '.join(where)} "
            f"ORDER BY {order} LIMIT %s", [*backend.source_params, *backend.where_match_params, *params, limit + 1])]
    page = keys[:limit]
    if not page:
        return [], False
    columns = ", ".join(f"m.{c}" for c in MESSAGE_COLUMNS)
    rows = _fetch(f"SELECT {backend.key}, {columns}, {backend.snippet} FROM {backend.source} "
                  f"WHERE {backend.match} AND {_in(backend.key, page)}",
                  [*backend.source_params, *backend.where_match_params, *page])
    found = {row[0]: row[1:] for row in rows}
    row_type = _row_type(MESSAGE_COLUMNS)
    hits = [Hit(row_type(*found[key][:-1]), (found[key][-1] or "").strip()) for key in page if key in found]
    return hits, len(keys) > limit


# Above this many matches, SQLite first tries the page in index order (see below).
DENSE_MATCHES = 500


def _sqlite_keys_in_index_order(backend: _Backend, where: list[str], params: list[Any], limit: int,
                                position: Any) -> list[int] | None:
    """The newest page's keys without ordering every match by time, when that is provably the same.

    FTS5 yields matches newest-stored first and stops after a page, where ordering by time first
    visits every match (~0.1 s for a word in 60,000 messages). Stored order is time order for
    everything one server wrote, but not by rule (a Go row, a clock step), so the page is taken only
    if no message stored before its oldest row (smaller rowid) is as new as that row: then every
    match left out is older than the whole page. Else None, and the caller orders by time.
    """
    if _fetch(f"SELECT count(*) FROM {FTS_TABLE} WHERE {backend.match}", backend.match_params)[0][0] <= DENSE_MATCHES:
        return None  # few matches: ordering them all is cheap
    rows = _fetch(f"SELECT {FTS_TABLE}.rowid, m.created_at, m.id FROM {backend.source} WHERE {backend.match} AND "
                  f"{' AND '.join(where)} ORDER BY {FTS_TABLE}.rowid DESC LIMIT %s",
                  [*backend.match_params, *params, limit + 1])
    if len(rows) > limit:
        oldest, first_rowid = min(row[1] for row in rows), min(row[0] for row in rows)
        upper = "" if position is None else "AND created_at <= %s "
        newer_but_stored_earlier = _fetch(
            f"SELECT 1 FROM {MESSAGES} WHERE created_at >= %s {upper}AND rowid < %s LIMIT 1",
            [oldest, *([] if position is None else [position]), first_rowid])
        if newer_but_stored_earlier:
            return None
    rows.sort(key=lambda row: (row[1], row[2]), reverse=True)
    return [row[0] for row in rows]


_ROW_TYPES: dict[tuple[str, ...], type] = {}


def _row_type(columns: tuple[str, ...]) -> type:
    if columns not in _ROW_TYPES:
        _ROW_TYPES[columns] = namedtuple("SearchRow", columns)  # noqa: PYI024 - columns vary with the schema
    return _ROW_TYPES[columns]

