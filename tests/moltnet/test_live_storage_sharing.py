"""A real `moltnet start` on a database a Go server made (docs/protocol/config.md §7.4), on SQLite and Postgres.

The Go server is emulated with its own DDL and INSERTs (tests/support/goserver.py): it creates
and fills the database, our server adopts it and serves it, and Go's SELECTs read what we wrote.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime

import pytest

from tests.support.goserver import GO_RFC3339, GO_VERSIONS, GoStore
from tests.support.live import LiveServer
from tests.support.pgcluster import free_port

pytestmark = pytest.mark.live

CONFIG = "network:\n  id: gonet\n  name: Go Net\n"


@pytest.fixture(params=["sqlite", "postgres"])
def go_database(request, tmp_path) -> dict:
    """Where a Go server keeps its data: the workdir (SQLite) or a fresh Postgres database."""
    workdir = tmp_path / "server"
    (workdir / ".moltnet").mkdir(parents=True, mode=0o700)
    env = {}
    if request.param == "postgres":
        env["MOLTNET_POSTGRES_DSN"] = request.getfixturevalue("pg_cluster").create_database(
            f"go_{request.node.name.split('[')[0][-40:]}")
    return {"dialect": request.param, "workdir": workdir, "env": env}


@contextmanager
def go_server(database: dict) -> Iterator[GoStore]:
    """A Go SQLStore connection to the database; committed and closed on exit."""
    if database["dialect"] == "sqlite":
        conn = sqlite3.connect(database["workdir"] / ".moltnet" / "moltnet.db")
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA foreign_keys=ON")
        store = GoStore(conn.cursor, "sqlite", "qmark", commit=conn.commit)
    else:
        import psycopg

        conn = psycopg.connect(database["env"]["MOLTNET_POSTGRES_DSN"])
        store = GoStore(conn.cursor, "postgres", "format", commit=conn.commit)
    try:
        yield store
        conn.commit()
    finally:
        conn.close()


def start(database: dict) -> LiveServer:
    return LiveServer(database["workdir"], CONFIG, database["env"]).start()


def test_our_server_serves_a_go_database_and_go_reads_what_we_write(go_database):
    with go_server(go_database) as go:
        assert go.migrate() == [1, 2, 3, 4, 5, 6, 7, 8]  # Go creating its database
        go.create_room("lab", "gonet", ["ada", "grace"], "2026-12-02T07:33:20.5Z", policies=("public", "members"))
        go.append_message("m1", "gonet", {"kind": "room", "room_id": "lab"}, "ada", "one", "2026-12-02T07:33:27Z")
        go.append_message("m2", "gonet", {"kind": "room", "room_id": "lab"}, "grace", "two",
                          "2026-12-02T07:33:28.1234Z")
        go.append_message("m3", "gonet", {"kind": "room", "room_id": "lab"}, "ada", "three",
                          "2026-12-02T07:33:29.123456123Z")
    server = start(go_database)
    try:
        with server.client() as client:
            lab = client.get("/v1/rooms/lab").json()
            assert (lab["members"], lab["visibility"], lab["created_at"]) == \
                (["ada", "grace"], "public", "2026-12-02T07:33:20.5Z")
            history = client.get("/v1/rooms/lab/messages").json()["messages"]
            assert [(m["id"], m["created_at"], m["parts"][0]["text"]) for m in history] == [
                ("m1", "2026-12-02T07:33:27Z", "one"), ("m2", "2026-12-02T07:33:28.1234Z", "two"),
                ("m3", "2026-12-02T07:33:29.123456Z", "three")]
            older = client.get("/v1/rooms/lab/messages?before=m3&limit=1").json()
            assert [m["id"] for m in older["messages"]] == ["m2"]
            sent = client.post("/v1/messages", json={"id": "m4", "target": {"kind": "room", "room_id": "lab"},
                                                     "from": {"id": "grace"},
                                                     "parts": [{"kind": "text", "text": "ours"}]})
            assert sent.status_code == 202
        with go_server(go_database) as go:
            assert go.migrate() == []  # Go restarting on the database we served: nothing to run
            assert go.exec("SELECT version, name FROM schema_migrations ORDER BY version") == GO_VERSIONS
            rows = go.room_messages("lab")
            assert [row[0] for row in rows] == ["m4", "m3", "m2", "m1"]
            created_at = rows[0][3]
            assert isinstance(created_at, datetime) if go.dialect == "postgres" else GO_RFC3339.match(created_at)
            assert '"id":"grace"' in rows[0][1].replace(" ", "")
            assert {row[5] for row in go.room("lab")} == {"ada", "grace"}
            assert go.exec("SELECT COUNT(1) FROM moltnet_events")[0][0] >= 1  # our own tables were added
    finally:
        server.stop()


def test_an_older_go_database_is_brought_to_schema_eight(go_database):
    with go_server(go_database) as go:
        assert go.migrate(up_to=7) == [1, 2, 3, 4, 5, 6, 7]
        go.create_room("lab", "gonet", ["ada"], "2026-12-02T07:33:20Z")  # a v7 server's INSERT
    server = start(go_database)
    try:
        with server.client() as client:
            lab = client.get("/v1/rooms/lab").json()
            assert (lab["visibility"], lab["write_policy"], lab["members"]) == ("private", "members", ["ada"])
        with go_server(go_database) as go:
            assert go.migrate() == []
            assert go.exec("SELECT name FROM schema_migrations WHERE version = 8") == [("room_access_policy",)]
    finally:
        server.stop()


def test_start_refuses_a_newer_go_schema_in_one_line(tmp_path):
    database = {"dialect": "sqlite", "workdir": tmp_path, "env": {}}
    (tmp_path / ".moltnet").mkdir(mode=0o700)
    with go_server(database) as go:
        go.migrate()
        go.exec("INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)",
                9, "future", "2027-01-01T00:00:00Z")
    (tmp_path / "Moltnet").write_text(CONFIG)
    os.chmod(tmp_path / "Moltnet", 0o600)
    env = {k: v for k, v in os.environ.items() if k not in ("MOLTNET_CONFIG", "DJANGO_SETTINGS_MODULE")}
    env["MOLTNET_LISTEN_ADDR"] = f"127.0.0.1:{free_port()}"
    result = subprocess.run([sys.executable, "-m", "moltnet.cli", "start"], cwd=tmp_path, env=env,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 1
    lines = result.stderr.strip("\n").split("\n")
    assert len(lines) == 1, result.stderr
    assert lines[0].endswith(" database schema version 9 is newer than this server supports (up to 8); "
                             "upgrade Moltnet")
    with go_server(database) as go:  # refused before migrating: nothing of ours was added
        assert go.exec("SELECT name FROM sqlite_master WHERE name = 'django_migrations'") == []
