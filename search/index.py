"""The search index's DDL, one set per database.

What is indexed: each message's text parts and its parts' file names (the artifacts' names), in
part order. SQLite: an external-content FTS5 table over a view of `messages` (unicode61 tokenizer,
diacritics removed). New messages are indexed in bulk behind the send path, and always before a
search reads the index (search.backlog); triggers on `messages` keep what is already indexed in
step with deletes and changed parts.
Postgres: a generated, stored `tsvector` column on `messages` with a GIN index, in the text search
configuration `moltnet_search`: `simple` (no stemming, no stop words, like unicode61) with the
`unaccent` dictionary in front when that extension can be created (it ships with Postgres and is
trusted, so a database owner may create it); without it, accents are kept. Both are built for
existing rows when the migration runs.
"""

from __future__ import annotations

import logging

from django.db import DatabaseError, transaction

log = logging.getLogger("moltnet.search")

FTS_TABLE = "search_message_fts"
DOCS_VIEW = "search_message_docs"
PG_TEXT_FUNCTION = "search_message_text"
PG_VECTOR_COLUMN = "search_vector"
PG_CONFIG = "moltnet_search"
PG_ACCENTED_TOKENS = "word, hword, hword_part, numword, numhword, hword_numpart"


def sqlite_body(parts: str) -> str:
    """SQL for the indexed text of a `parts_json` value: text parts and file names, space-separated.

    Malformed JSON or non-object parts index as nothing rather than failing the send.
    """
    piece = ("nullif(trim(coalesce(json_extract(p.value, '$.text'), '') || ' ' || "
             "coalesce(json_extract(p.value, '$.filename'), '')), '')")
    return (f"(SELECT coalesce(group_concat({piece}, ' '), '') FROM json_each(CASE WHEN json_valid({parts}) "
            f"AND json_type({parts}) = 'array' THEN {parts} ELSE '[]' END) AS p WHERE p.type = 'object')")


def sqlite_statements() -> list[str]:
    return [
        f"CREATE VIEW {DOCS_VIEW} AS SELECT m.rowid AS doc_id, {sqlite_body('m.parts_json')} AS body FROM messages m",
        f"CREATE VIRTUAL TABLE {FTS_TABLE} USING fts5(body, content='{DOCS_VIEW}', content_rowid='doc_id', "
        "tokenize='unicode61 remove_diacritics 2')",
        *_sqlite_triggers(),
        # FTS5's 'rebuild' cannot read a view, so existing messages are indexed from it directly.
        sqlite_fill(),
    ]


def _sqlite_triggers() -> list[str]:
    """Migration 0001's triggers: every insert, delete and change of parts indexed in its transaction."""
    return [
        f"CREATE TRIGGER {FTS_TABLE}_ai AFTER INSERT ON messages BEGIN "
        f"INSERT INTO {FTS_TABLE}(rowid, body) VALUES (new.rowid, {sqlite_body('new.parts_json')}); END",
        f"CREATE TRIGGER {FTS_TABLE}_ad AFTER DELETE ON messages BEGIN "
        f"INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, body) VALUES ('delete', old.rowid, "
        f"{sqlite_body('old.parts_json')}); END",
        f"CREATE TRIGGER {FTS_TABLE}_au AFTER UPDATE OF parts_json ON messages BEGIN "
        f"INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, body) VALUES ('delete', old.rowid, "
        f"{sqlite_body('old.parts_json')}); "
        f"INSERT INTO {FTS_TABLE}(rowid, body) VALUES (new.rowid, {sqlite_body('new.parts_json')}); END",
    ]


def sqlite_fill(where: str = "") -> str:
    """The statement that indexes the messages whose `doc_id` (rowid) matches `where` (all without)."""
    return f"INSERT INTO {FTS_TABLE}(rowid, body) SELECT doc_id, body FROM {DOCS_VIEW}" + (
        f" WHERE {where}" if where else "")


NEWEST_ROWID = "(SELECT coalesce(max(rowid), 0) FROM messages)"


POSITION_TABLE = "search_index_position"


def _behind_position(rowid: str) -> str:
    return f"{rowid} <= (SELECT indexed_through FROM {POSITION_TABLE})"


def sqlite_backlog_statements() -> list[str]:
    """Migration 0002: index new messages later (search.backlog); the triggers only keep the rows
    the index has reached in step (an insert there is a reused rowid: indexed at once)."""
    delete_old = (f"INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, body) VALUES ('delete', old.rowid, "
                  f"{sqlite_body('old.parts_json')});")
    insert_new = f"INSERT INTO {FTS_TABLE}(rowid, body) VALUES (new.rowid, {sqlite_body('new.parts_json')});"
    return [
        f"CREATE TABLE {POSITION_TABLE} (id INTEGER PRIMARY KEY CHECK (id = 1), indexed_through INTEGER NOT NULL)",
        f"INSERT INTO {POSITION_TABLE} (id, indexed_through) SELECT 1, coalesce(max(rowid), 0) FROM messages",
        *[f"DROP TRIGGER {FTS_TABLE}_{suffix}" for suffix in ("ai", "ad", "au")],
        f"CREATE TRIGGER {FTS_TABLE}_ai AFTER INSERT ON messages WHEN {_behind_position('new.rowid')} "
        f"BEGIN {insert_new} END",
        f"CREATE TRIGGER {FTS_TABLE}_ad AFTER DELETE ON messages WHEN {_behind_position('old.rowid')} "
        f"BEGIN {delete_old} END",
        f"CREATE TRIGGER {FTS_TABLE}_au AFTER UPDATE OF parts_json ON messages WHEN {_behind_position('old.rowid')} "
        f"BEGIN {delete_old} {insert_new} END",
    ]


def sqlite_drop_statements() -> list[str]:
    return [f"DROP TRIGGER IF EXISTS {FTS_TABLE}_{suffix}" for suffix in ("ai", "ad", "au")] + [
        f"DROP TABLE IF EXISTS {FTS_TABLE}", f"DROP VIEW IF EXISTS {DOCS_VIEW}"]


def pg_split(text: str) -> str:
    """`text` with punctuation as spaces: Postgres' parser keeps `plan.pdf` or `a-b.example` as one
    token (a host), where unicode61 sees words; the vector holds both, so `plan` finds `plan.pdf`."""
    return f"regexp_replace({text}, '[[:punct:]]+', ' ', 'g')"


def postgres_statements() -> list[str]:
    # IMMUTABLE so a generated column may use it; the JSON is always what the send path encoded.
    function = f"""CREATE OR REPLACE FUNCTION {PG_TEXT_FUNCTION}(parts text) RETURNS text
        LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
        SELECT coalesce(string_agg(nullif(btrim(coalesce(p->>'text', '') || ' ' || coalesce(p->>'filename', '')),
                                          ''), ' ' ORDER BY n), '')
        FROM jsonb_array_elements(CASE WHEN jsonb_typeof(parts::jsonb) = 'array' THEN parts::jsonb
                                       ELSE '[]'::jsonb END) WITH ORDINALITY AS e(p, n)
        WHERE jsonb_typeof(p) = 'object'
        $$"""
    return [
        f"CREATE TEXT SEARCH CONFIGURATION {PG_CONFIG} (COPY = simple)",
        function,
        f"ALTER TABLE messages ADD COLUMN {PG_VECTOR_COLUMN} tsvector GENERATED ALWAYS AS "
        f"(to_tsvector('{PG_CONFIG}'::regconfig, {PG_TEXT_FUNCTION}(parts_json)) || "
        f"to_tsvector('{PG_CONFIG}'::regconfig, {pg_split(f'{PG_TEXT_FUNCTION}(parts_json)')})) STORED",
        f"CREATE INDEX idx_messages_{PG_VECTOR_COLUMN} ON messages USING gin ({PG_VECTOR_COLUMN})",
    ]


def postgres_drop_statements() -> list[str]:
    return [f"DROP INDEX IF EXISTS idx_messages_{PG_VECTOR_COLUMN}",
            f"ALTER TABLE messages DROP COLUMN IF EXISTS {PG_VECTOR_COLUMN}",
            f"DROP FUNCTION IF EXISTS {PG_TEXT_FUNCTION}(text)",
            f"DROP TEXT SEARCH CONFIGURATION IF EXISTS {PG_CONFIG}"]


def _fold_accents(connection) -> bool:
    """Put `unaccent` in front of `simple` for words with non-ASCII letters, when it can be had."""
    try:
        with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
            cursor.execute("CREATE EXTENSION IF NOT EXISTS unaccent")
            cursor.execute(f"ALTER TEXT SEARCH CONFIGURATION {PG_CONFIG} ALTER MAPPING FOR {PG_ACCENTED_TOKENS} "
                           "WITH unaccent, simple")
    except DatabaseError as exc:
        log.warning("search: the unaccent extension is not available (%s); accents are not folded", exc)
        return False
    return True


def rebuild(connection) -> int:
    """Index every stored message again; the number indexed.

    SQLite: needed after a manual `VACUUM`, which may renumber the rowids the FTS5 table is keyed
    by (the online backup of `moltnet backup` copies pages and keeps them). Postgres: the generated
    column cannot go stale; this only counts.
    """
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(f"INSERT INTO {FTS_TABLE}({FTS_TABLE}) VALUES ('delete-all')")
            cursor.execute(sqlite_fill())
            cursor.execute(f"UPDATE {POSITION_TABLE} SET indexed_through = {NEWEST_ROWID}")
            cursor.execute(f"SELECT count(*) FROM {DOCS_VIEW}")
        else:
            cursor.execute(f"SELECT count(*) FROM messages WHERE {PG_VECTOR_COLUMN} IS NOT NULL")
        return cursor.fetchone()[0]


def build(apps, schema_editor) -> None:
    """Migration step: create the index for this database and fill it from existing messages."""
    vendor = schema_editor.connection.vendor
    statements = sqlite_statements() if vendor == "sqlite" else postgres_statements()
    with schema_editor.connection.cursor() as cursor:
        for statement in statements[:1]:
            cursor.execute(statement)
    if vendor != "sqlite":
        _fold_accents(schema_editor.connection)  # before the column is generated for existing rows
    with schema_editor.connection.cursor() as cursor:
        for statement in statements[1:]:
            cursor.execute(statement)


def defer_sqlite_indexing(apps, schema_editor) -> None:
    """Migration 0002 on SQLite: new messages are indexed behind the send path (search.backlog)."""
    if schema_editor.connection.vendor == "sqlite":
        with schema_editor.connection.cursor() as cursor:
            for statement in sqlite_backlog_statements():
                cursor.execute(statement)


def index_in_the_send(apps, schema_editor) -> None:
    """Migration 0002 reversed: index what waits, then every insert in its own transaction again."""
    if schema_editor.connection.vendor == "sqlite":
        with schema_editor.connection.cursor() as cursor:
            cursor.execute(sqlite_fill(f"doc_id > (SELECT indexed_through FROM {POSITION_TABLE})"))
            for suffix in ("ai", "ad", "au"):
                cursor.execute(f"DROP TRIGGER {FTS_TABLE}_{suffix}")
            for statement in _sqlite_triggers():
                cursor.execute(statement)
            cursor.execute(f"DROP TABLE {POSITION_TABLE}")


def drop(apps, schema_editor) -> None:
    vendor = schema_editor.connection.vendor
    statements = sqlite_drop_statements() if vendor == "sqlite" else postgres_drop_statements()
    with schema_editor.connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)
