"""The Go server's SQL store, emulated with its own statements (Go cannot run here).

`GoStore` speaks to a database exactly as the Go server does: its migration procedure over its
eight migrations' DDL (written out below as data, per dialect), and its INSERT column lists with
RFC 3339 (time.RFC3339Nano) times. Nothing here comes from our code.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from typing import Any

# time.RFC3339Nano as Go's time.Parse accepts it.
GO_RFC3339 = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,9})?(Z|[+-]\d\d:\d\d)$")

GO_VERSIONS = [(1, "initial_schema"), (2, "message_origin"), (3, "global_paging_indexes"),
               (4, "thread_room_index_backfill"), (5, "agent_registry"), (6, "agent_credential_index"),
               (7, "soft_removed_rooms"), (8, "room_access_policy")]

GO_COLUMNS = {
    "rooms": {"id", "network_id", "fqid", "name", "created_at", "deleted_at", "visibility", "write_policy"},
    "room_members": {"room_id", "member_id"},
    "threads": {"id", "network_id", "fqid", "room_id", "parent_message_id", "message_count", "last_message_at"},
    "messages": {"id", "network_id", "target_kind", "room_id", "thread_id", "parent_message_id", "dm_id",
                 "target_json", "from_json", "parts_json", "mentions_json", "created_at", "origin_json"},
    "dm_conversations": {"dm_id", "network_id", "fqid", "message_count", "last_message_at"},
    "dm_participants": {"dm_id", "participant_id"},
    "artifacts": {"id", "network_id", "fqid", "message_id", "target_kind", "room_id", "thread_id", "dm_id",
                  "target_json", "part_index", "kind", "media_type", "filename", "url", "created_at"},
    "agents": {"agent_id", "network_id", "actor_uid", "actor_uri", "display_name", "credential_key",
               "created_at", "updated_at"},
}


def _initial_schema(ts: str) -> list[str]:
    return [
        f"CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, "
        f"applied_at {ts} NOT NULL)",
        f"CREATE TABLE IF NOT EXISTS rooms (id TEXT PRIMARY KEY, network_id TEXT NOT NULL, fqid TEXT NOT NULL, "
        f"name TEXT NOT NULL, created_at {ts} NOT NULL)",
        "CREATE TABLE IF NOT EXISTS room_members (room_id TEXT NOT NULL, member_id TEXT NOT NULL, "
        "PRIMARY KEY (room_id, member_id), FOREIGN KEY (room_id) REFERENCES rooms(id) ON DELETE CASCADE)",
        "CREATE TABLE IF NOT EXISTS threads (id TEXT PRIMARY KEY, network_id TEXT NOT NULL, fqid TEXT NOT NULL, "
        "room_id TEXT NOT NULL, parent_message_id TEXT NOT NULL, message_count INTEGER NOT NULL, "
        f"last_message_at {ts} NOT NULL, FOREIGN KEY (room_id) REFERENCES rooms(id) ON DELETE CASCADE)",
        "CREATE TABLE IF NOT EXISTS dm_conversations (dm_id TEXT PRIMARY KEY, network_id TEXT NOT NULL, "
        f"fqid TEXT NOT NULL, message_count INTEGER NOT NULL, last_message_at {ts} NOT NULL)",
        "CREATE TABLE IF NOT EXISTS messages (id TEXT PRIMARY KEY, network_id TEXT NOT NULL, "
        "target_kind TEXT NOT NULL, room_id TEXT, thread_id TEXT, parent_message_id TEXT, dm_id TEXT, "
        "target_json TEXT NOT NULL, from_json TEXT NOT NULL, parts_json TEXT NOT NULL, "
        f"mentions_json TEXT NOT NULL, created_at {ts} NOT NULL, "
        "FOREIGN KEY (room_id) REFERENCES rooms(id) ON DELETE CASCADE, "
        "FOREIGN KEY (thread_id) REFERENCES threads(id) ON DELETE CASCADE, "
        "FOREIGN KEY (dm_id) REFERENCES dm_conversations(dm_id) ON DELETE CASCADE)",
        "CREATE TABLE IF NOT EXISTS dm_participants (dm_id TEXT NOT NULL, participant_id TEXT NOT NULL, "
        "PRIMARY KEY (dm_id, participant_id), "
        "FOREIGN KEY (dm_id) REFERENCES dm_conversations(dm_id) ON DELETE CASCADE)",
        "CREATE TABLE IF NOT EXISTS artifacts (id TEXT PRIMARY KEY, network_id TEXT NOT NULL, fqid TEXT NOT NULL, "
        "message_id TEXT NOT NULL, target_kind TEXT NOT NULL, room_id TEXT, thread_id TEXT, dm_id TEXT, "
        "target_json TEXT NOT NULL, part_index INTEGER NOT NULL, kind TEXT NOT NULL, media_type TEXT, "
        f"filename TEXT, url TEXT, created_at {ts} NOT NULL, "
        "FOREIGN KEY (message_id) REFERENCES messages(id) ON DELETE CASCADE, "
        "FOREIGN KEY (room_id) REFERENCES rooms(id) ON DELETE CASCADE, "
        "FOREIGN KEY (thread_id) REFERENCES threads(id) ON DELETE CASCADE, "
        "FOREIGN KEY (dm_id) REFERENCES dm_conversations(dm_id) ON DELETE CASCADE)",
        "CREATE INDEX IF NOT EXISTS idx_messages_room ON messages (room_id, created_at, id)",
        "CREATE INDEX IF NOT EXISTS idx_messages_thread ON messages (thread_id, created_at, id)",
        "CREATE INDEX IF NOT EXISTS idx_messages_dm ON messages (dm_id, created_at, id)",
        "CREATE INDEX IF NOT EXISTS idx_threads_room ON threads (room_id, id)",
        "CREATE INDEX IF NOT EXISTS idx_artifacts_room ON artifacts (room_id, created_at, id)",
        "CREATE INDEX IF NOT EXISTS idx_artifacts_thread ON artifacts (thread_id, created_at, id)",
        "CREATE INDEX IF NOT EXISTS idx_artifacts_dm ON artifacts (dm_id, created_at, id)",
    ]


def go_migrations(dialect: str) -> list[tuple[int, str, list[str]]]:
    """Go's sqlMigrations for `sqlite` or `postgres`: (version, name, statements)."""
    ts = "TIMESTAMPTZ" if dialect == "postgres" else "TEXT"
    statements = {
        1: _initial_schema(ts),
        2: ["ALTER TABLE messages ADD COLUMN origin_json TEXT NOT NULL DEFAULT '{}'"],
        3: ["CREATE INDEX IF NOT EXISTS idx_messages_created ON messages (created_at, id)",
            "CREATE INDEX IF NOT EXISTS idx_artifacts_created ON artifacts (created_at, id)"],
        4: ["CREATE INDEX IF NOT EXISTS idx_threads_room ON threads (room_id, id)"],
        5: ["CREATE TABLE IF NOT EXISTS agents (agent_id TEXT PRIMARY KEY, network_id TEXT NOT NULL, "
            "actor_uid TEXT NOT NULL, actor_uri TEXT NOT NULL, display_name TEXT, credential_key TEXT NOT NULL, "
            f"created_at {ts} NOT NULL, updated_at {ts} NOT NULL)"],
        6: ["CREATE INDEX IF NOT EXISTS idx_agents_credential_key ON agents (credential_key)"],
        7: [f"ALTER TABLE rooms ADD COLUMN deleted_at {ts}",
            "CREATE INDEX IF NOT EXISTS idx_rooms_deleted_at ON rooms (deleted_at)"],
        8: ["ALTER TABLE rooms ADD COLUMN visibility TEXT NOT NULL DEFAULT 'private'",
            "ALTER TABLE rooms ADD COLUMN write_policy TEXT NOT NULL DEFAULT 'members'"],
    }
    return [(version, name, statements[version]) for version, name in GO_VERSIONS]


def go_time(at: datetime, nanos: int | None = None) -> str:
    """Go's formatTime: UTC time.RFC3339Nano, trailing fractional zeros dropped."""
    at = at.astimezone(UTC)
    nanos = at.microsecond * 1000 if nanos is None else nanos
    text = f"{at.year:04d}-{at.month:02d}-{at.day:02d}T{at.hour:02d}:{at.minute:02d}:{at.second:02d}"
    if nanos:
        text += "." + f"{nanos:09d}".rstrip("0")
    return text + "Z"


def dumps(value: Any) -> str:
    """encoding/json.Marshal's compact form."""
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


class GoStore:
    """One database connection driven the way Go's SQLStore drives it.

    `cursor()` gives a DB-API cursor; `paramstyle` is `qmark` (sqlite3) or `format` (psycopg,
    Django's cursor wrapper). Each migration commits on its own when `commit` is given.
    """

    def __init__(self, cursor, dialect: str, paramstyle: str = "format", commit=None) -> None:
        self.cursor, self.dialect, self.paramstyle, self.commit = cursor, dialect, paramstyle, commit

    def exec(self, sql: str, *args: Any) -> list[tuple]:
        if self.paramstyle == "format":
            sql = sql.replace("?", "%s")
        cursor = self.cursor()
        cursor.execute(sql, args)
        rows = cursor.fetchall() if cursor.description else []
        cursor.close()
        return rows

    def migrate(self, up_to: int = 8) -> list[int]:
        """Go's migrate(): ensure schema_migrations, then run each unrecorded version. Returns those run."""
        ran = []
        migrations = go_migrations(self.dialect)
        self.exec(migrations[0][2][0])
        for version, name, statements in migrations[:up_to]:
            if self.exec("SELECT COUNT(1) FROM schema_migrations WHERE version = ?", version)[0][0]:
                continue
            for statement in statements:
                self.exec(statement)
            self.exec("INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)",
                      version, name, go_time(datetime.now(UTC)))
            ran.append(version)
            if self.commit:
                self.commit()
        return ran

    def create_room(self, room_id: str, network: str, members: list[str], created_at: str, *,
                    policies: tuple[str, str] | None = None) -> None:
        """CreateRoom; without `policies` the pre-v8 INSERT, which leaves visibility to the defaults."""
        if policies is None:
            self.exec("INSERT INTO rooms (id, network_id, fqid, name, created_at) VALUES (?, ?, ?, ?, ?)",
                      room_id, network, f"molt://{network}/rooms/{room_id}", room_id, created_at)
        else:
            self.exec("INSERT INTO rooms (id, network_id, fqid, name, created_at, visibility, write_policy) "
                      "VALUES (?, ?, ?, ?, ?, ?, ?)",
                      room_id, network, f"molt://{network}/rooms/{room_id}", room_id, created_at, *policies)
        for member in sorted(set(members)):
            self.exec("INSERT INTO room_members (room_id, member_id) VALUES (?, ?) "
                      "ON CONFLICT (room_id, member_id) DO NOTHING", room_id, member)

    def append_message(self, message_id: str, network: str, target: dict, sender: str, text: str,
                       created_at: str) -> None:
        """AppendMessage: conversation upsert, then the message INSERT (an artifact when text is a URL)."""
        kind = target["kind"]
        if kind == "thread":
            self.exec("INSERT INTO threads (id, network_id, fqid, room_id, parent_message_id, message_count, "
                      "last_message_at) VALUES (?, ?, ?, ?, ?, 1, ?) ON CONFLICT (id) DO UPDATE SET "
                      "message_count = threads.message_count + 1, last_message_at = excluded.last_message_at",
                      target["thread_id"], network, f"molt://{network}/threads/{target['thread_id']}",
                      target["room_id"], target.get("parent_message_id", ""), created_at)
        if kind == "dm":
            self.exec("INSERT INTO dm_conversations (dm_id, network_id, fqid, message_count, last_message_at) "
                      "VALUES (?, ?, ?, 1, ?) ON CONFLICT (dm_id) DO UPDATE SET "
                      "message_count = dm_conversations.message_count + 1, "
                      "last_message_at = excluded.last_message_at, network_id = excluded.network_id, "
                      "fqid = excluded.fqid",
                      target["dm_id"], network, f"molt://{network}/dms/{target['dm_id']}", created_at)
            for participant in sorted(set(target["participant_ids"]) | {sender}):
                self.exec("INSERT INTO dm_participants (dm_id, participant_id) VALUES (?, ?) "
                          "ON CONFLICT (dm_id, participant_id) DO NOTHING", target["dm_id"], participant)
        part = {"kind": "url", "url": text} if text.startswith("https://") else {"kind": "text", "text": text}
        actor = {"type": "agent", "id": sender, "network_id": network, "fqid": f"molt://{network}/agents/{sender}"}
        self.exec("INSERT INTO messages (id, network_id, target_kind, room_id, thread_id, parent_message_id, dm_id, "
                  "origin_json, target_json, from_json, parts_json, mentions_json, created_at) "
                  "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                  message_id, network, kind, target.get("room_id") or None, target.get("thread_id") or None,
                  target.get("parent_message_id") or None, target.get("dm_id") or None,
                  dumps({"network_id": network, "message_id": message_id}), dumps(target), dumps(actor),
                  dumps([part]), "null", created_at)
        if part["kind"] == "url":
            artifact_id = f"art_{message_id}_0"
            self.exec("INSERT INTO artifacts (id, network_id, fqid, message_id, target_kind, room_id, thread_id, "
                      "dm_id, target_json, part_index, kind, media_type, filename, url, created_at) "
                      "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                      artifact_id, network, f"molt://{network}/artifacts/{artifact_id}", message_id, kind,
                      target.get("room_id") or None, target.get("thread_id") or None, target.get("dm_id") or None,
                      dumps(target), 0, "url", "", "", part["url"], created_at)

    def room_messages(self, room_id: str) -> list[tuple]:
        """Go's history SELECT for a room, newest first: (id, from_json, parts_json, created_at)."""
        return self.exec("SELECT m.id, m.from_json, m.parts_json, m.created_at FROM messages m "
                         "WHERE m.room_id = ? AND m.target_kind = 'room' ORDER BY m.created_at DESC, m.id DESC "
                         "LIMIT ?", room_id, 101)

    def room(self, room_id: str) -> list[tuple]:
        """Go's GetRoom SELECT: one row per member."""
        return self.exec("SELECT r.id, r.network_id, r.fqid, r.name, r.created_at, rm.member_id FROM rooms r "
                         "LEFT JOIN room_members rm ON rm.room_id = r.id WHERE r.id = ? ORDER BY rm.member_id ASC",
                         room_id)
