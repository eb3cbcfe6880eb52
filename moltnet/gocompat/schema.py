"""The Go server's migration bookkeeping, so both servers can share one database (docs/protocol/config.md §7.4).

Our Django migrations create Go's tables; `schema_migrations` then records Go's versions so a
Go server finds its schema applied and runs nothing. On a database a Go server created, start-up
fakes our initial migrations (their tables exist) and `sync_go_migrations` runs the Go migrations
that database still lacks, with Go's own statements, before recording them.
"""

from __future__ import annotations

from datetime import UTC, datetime

from moltnet.fields import sqlite_time_text

GO_MIGRATIONS: tuple[tuple[int, str], ...] = (
    (1, "initial_schema"),
    (2, "message_origin"),
    (3, "global_paging_indexes"),
    (4, "thread_room_index_backfill"),
    (5, "agent_registry"),
    (6, "agent_credential_index"),
    (7, "soft_removed_rooms"),
    (8, "room_access_policy"),
)
LATEST_GO_VERSION = GO_MIGRATIONS[-1][0]


def _time_type(vendor: str) -> str:
    return "TIMESTAMPTZ" if vendor == "postgresql" else "TEXT"


def go_upgrade_statements(version: int, vendor: str) -> list[str]:
    """Go's statements for one migration after the initial schema (which a Go database always has)."""
    time_type = _time_type(vendor)
    return {
        2: ["ALTER TABLE messages ADD COLUMN origin_json TEXT NOT NULL DEFAULT '{}'"],
        3: ["CREATE INDEX IF NOT EXISTS idx_messages_created ON messages (created_at, id)",
            "CREATE INDEX IF NOT EXISTS idx_artifacts_created ON artifacts (created_at, id)"],
        4: ["CREATE INDEX IF NOT EXISTS idx_threads_room ON threads (room_id, id)"],
        5: [f"""CREATE TABLE IF NOT EXISTS agents (
                agent_id TEXT PRIMARY KEY, network_id TEXT NOT NULL, actor_uid TEXT NOT NULL,
                actor_uri TEXT NOT NULL, display_name TEXT, credential_key TEXT NOT NULL,
                created_at {time_type} NOT NULL, updated_at {time_type} NOT NULL)"""],
        6: ["CREATE INDEX IF NOT EXISTS idx_agents_credential_key ON agents (credential_key)"],
        7: [f"ALTER TABLE rooms ADD COLUMN deleted_at {time_type}",
            "CREATE INDEX IF NOT EXISTS idx_rooms_deleted_at ON rooms (deleted_at)"],
        8: ["ALTER TABLE rooms ADD COLUMN visibility TEXT NOT NULL DEFAULT 'private'",
            "ALTER TABLE rooms ADD COLUMN write_policy TEXT NOT NULL DEFAULT 'members'"],
    }[version]


def recorded_go_versions(connection) -> set[int] | None:
    """The versions in `schema_migrations`, or None when the table does not exist."""
    with connection.cursor() as cursor:
        if "schema_migrations" not in connection.introspection.table_names(cursor):
            return None
        cursor.execute("SELECT version FROM schema_migrations")
        return {row[0] for row in cursor.fetchall()}


def newer_go_schema(connection) -> int | None:
    """The highest recorded Go version when it is above the one this server knows, else None."""
    recorded = recorded_go_versions(connection) or set()
    highest = max(recorded, default=0)
    return highest if highest > LATEST_GO_VERSION else None


def sync_go_migrations(apps, schema_editor) -> None:
    """Create `schema_migrations` if absent and record Go's versions 1..8.

    Without a recorded version 1 our migrations made the tables (they are Go's v8 schema
    already), so every version is only recorded. With it a Go server made the database: each
    version it lacks is applied with Go's statements first.
    """
    connection = schema_editor.connection
    vendor = connection.vendor
    recorded = recorded_go_versions(connection)
    adopted = recorded is not None and 1 in recorded
    applied_at = datetime.now(UTC)
    with connection.cursor() as cursor:
        if recorded is None:
            cursor.execute("CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, "
                           f"name TEXT NOT NULL, applied_at {_time_type(vendor)} NOT NULL)")
        for version, name in GO_MIGRATIONS:
            if recorded and version in recorded:
                continue
            if adopted:
                for statement in go_upgrade_statements(version, vendor):
                    cursor.execute(statement)
            cursor.execute("INSERT INTO schema_migrations (version, name, applied_at) VALUES (%s, %s, %s)",
                           [version, name, sqlite_time_text(applied_at) if vendor == "sqlite" else applied_at])
