"""`moltnet doctor`: one line per check with ok/warn/FAIL and the fix; exit 1 on a failure."""

from __future__ import annotations

import os
import socket
import sqlite3
import sys
from pathlib import Path

import pytest

from moltnet.runtimes.registry import skill_paths
from tests.support.live import LiveServer
from tests.support.pgcluster import free_port

NETWORK = """version: moltnet.v1
network: {id: works, name: Works}
server: {listen_addr: "127.0.0.1:PORT"}
auth:
  mode: bearer
  tokens:
    - {id: admin, value: admin-secret, scopes: [admin, observe]}
    - {id: scout, value: scout-secret, scopes: [observe, attach], agents: [scout]}
"""


@pytest.fixture
def doctor(cli, monkeypatch):
    for name in list(os.environ):
        if name.startswith("MOLTNET_"):
            monkeypatch.delenv(name)

    def run(cwd: Path):
        result = cli(cwd, "doctor")
        lines = result.out.splitlines()
        return result.code, lines

    return run


def line(lines: list[str], check: str) -> str:
    return next(text for text in lines if text[6:].startswith(check + ":"))


def node_file(directory: Path, base_url: str, runtime: dict, token_path: str = "scout.token") -> None:
    import json

    (directory / "MoltnetNode").write_text(json.dumps({
        "version": "moltnet.node.v1",
        "moltnet": {"base_url": base_url, "network_id": "works", "auth_mode": "bearer", "token_path": token_path},
        "attachments": [{"agent": {"id": "scout"}, "runtime": runtime}],
    }))


@pytest.mark.live
def test_a_healthy_setup_is_all_ok(doctor, tmp_path):
    port = free_port()
    server = LiveServer(tmp_path / "net", NETWORK.replace("PORT", str(port)), port=port).start()
    try:
        workspace = tmp_path / "workspace"
        for rel in skill_paths("codex"):
            (workspace / rel).parent.mkdir(parents=True, exist_ok=True)
            (workspace / rel).write_text("skill")
        (server.workdir / "scout.token").write_text("scout-secret\n")
        os.chmod(server.workdir / "scout.token", 0o600)
        node_file(server.workdir, server.base_url, {"kind": "codex", "command": sys.executable,
                                                    "workspace_path": str(workspace)})
        code, lines = doctor(server.workdir)
        assert code == 0, lines
        assert all(text.startswith("ok  ") for text in lines[:-1]), lines
        assert lines[-1] == "doctor: everything checked is fine"
        assert "is reachable and fully migrated" in line(lines, "database")
        assert "served by this network (Works" in line(lines, "listen")
        assert "mode bearer" in line(lines, "auth")
        runtime = [text for text in lines if "runtime codex" in text][0]
        assert sys.executable in runtime and "Python 3." in runtime
        assert any("token from token file" in text and "accepted" in text for text in lines)

        (server.workdir / "scout.token").write_text("not-the-token\n")  # now a refused token
        code, lines = doctor(server.workdir)
        assert code == 1
        refused = [text for text in lines if "refused" in text][0]
        assert refused.startswith("FAIL  attachment scout: token from token file") and "— fix: " in refused
    finally:
        server.stop()


def test_an_invalid_config_fails_and_names_the_line(doctor, tmp_path):
    (tmp_path / "Moltnet").write_text("server:\n  listen: ':1'\n")
    code, lines = doctor(tmp_path)
    assert code == 1
    assert line(lines, "config").startswith('FAIL  config: decode Moltnet config "Moltnet": field server.listen')
    assert "did you mean listen_addr?" in lines[0] and "— fix: " in lines[0]
    assert not any(text[6:].startswith(("database:", "listen:")) for text in lines)


def config(tmp_path: Path, extra: str = "", listen: str = "") -> None:
    listen = listen or f"127.0.0.1:{free_port()}"
    (tmp_path / "Moltnet").write_text(f"version: moltnet.v1\nserver: {{listen_addr: '{listen}'}}\n{extra}")


def test_an_unreadable_database_fails(doctor, tmp_path):
    config(tmp_path, "storage: {kind: sqlite, sqlite: {path: data.db}}\n")
    (tmp_path / "data.db").write_text("this is not a database")
    code, lines = doctor(tmp_path)
    assert code == 1 and line(lines, "database").startswith("FAIL  database: sqlite:data.db ")


def test_a_database_with_pending_migrations_warns(doctor, tmp_path):
    config(tmp_path, "storage: {kind: sqlite, sqlite: {path: data.db}}\n")
    with sqlite3.connect(tmp_path / "data.db") as conn:
        conn.execute("CREATE TABLE django_migrations (id integer primary key, app text, name text, applied text)")
    code, lines = doctor(tmp_path)
    found = line(lines, "database")
    assert found.startswith("warn  database: sqlite:data.db is reachable; ") and "not applied yet" in found
    assert "migrations run on start" in found
    assert code == 0


def test_no_database_yet_says_start_creates_it(doctor, tmp_path):
    config(tmp_path)
    code, lines = doctor(tmp_path)
    assert line(lines, "database") == ("warn  database: no SQLite database yet at .moltnet/moltnet.db — fix: run "
                                       "`moltnet start`: it creates the database and runs the migrations")
    assert code == 0


def test_a_listen_address_held_by_another_program_fails(doctor, tmp_path):
    holder = socket.socket()
    holder.bind(("127.0.0.1", 0))
    holder.listen()
    try:
        port = holder.getsockname()[1]
        config(tmp_path, listen=f"127.0.0.1:{port}")
        code, lines = doctor(tmp_path)
    finally:
        holder.close()
    assert code == 1
    assert line(lines, "listen").startswith(f"FAIL  listen: 127.0.0.1:{port} is in use by another program — fix: ")


def test_auth_none_on_every_interface_fails_as_start_would(doctor, tmp_path):
    config(tmp_path, listen=f":{free_port()}")
    code, lines = doctor(tmp_path)
    assert line(lines, "config").startswith("FAIL  config: ") and code == 1
    assert 'write "allow_unauthenticated_all_interfaces: true" under server:' in line(lines, "config")


def test_auth_none_on_every_interface_opted_into_warns(doctor, tmp_path):
    port = free_port()
    (tmp_path / "Moltnet").write_text(f"version: moltnet.v1\nserver: {{listen_addr: ':{port}', "
                                      "allow_unauthenticated_all_interfaces: true}\n")
    code, lines = doctor(tmp_path)
    assert line(lines, "auth").startswith("warn  auth: mode none on :")
    assert "anyone who can reach it" in line(lines, "auth") and code == 0


def test_node_attachment_problems_each_fail_with_a_fix(doctor, tmp_path):
    config(tmp_path)
    workspace = tmp_path / "ws"
    workspace.mkdir()
    unreachable = f"http://127.0.0.1:{free_port()}"
    node_file(tmp_path, unreachable, {"kind": "claude-code", "command": "no-such-runtime-xyz",
                                      "workspace_path": str(workspace)}, token_path="missing.token")
    code, lines = doctor(tmp_path)
    assert code == 1
    attachment = [text for text in lines if "attachment scout:" in text]
    assert attachment[0].startswith(f"FAIL  attachment scout: server {unreachable} cannot be reached")
    assert "`moltnet start`" in attachment[0]
    assert any(text.startswith("FAIL  attachment scout: runtime claude-code: command no-such-runtime-xyz is not on "
                               "PATH — fix: ") for text in attachment)
    assert any(text.startswith(f"warn  attachment scout: Moltnet skill not installed in {workspace}") and
               "moltnet skill install --runtime claude-code" in text for text in attachment)


def test_a_missing_token_file_fails(doctor, tmp_path, bearer_server):
    config(tmp_path)
    node_file(tmp_path, bearer_server.base_url, {"kind": "codex", "command": sys.executable,
                                                 "workspace_path": str(tmp_path)})
    code, lines = doctor(tmp_path)
    assert code == 1
    assert f"FAIL  attachment scout: token file {tmp_path / 'scout.token'} is missing — fix: " in "\n".join(lines)


def test_a_listen_address_served_by_another_network_fails(doctor, tmp_path, open_server, bearer_server):
    config(tmp_path, listen=f"127.0.0.1:{open_server.port}")
    code, lines = doctor(tmp_path)
    assert code == 1
    assert line(lines, "listen").startswith(f"FAIL  listen: 127.0.0.1:{open_server.port} is served by another "
                                            "Moltnet network ('")
    config(tmp_path, listen=f"127.0.0.1:{bearer_server.port}")  # needs a token this config does not have
    code, lines = doctor(tmp_path)
    assert line(lines, "listen").startswith(f"warn  listen: 127.0.0.1:{bearer_server.port} is served by a Moltnet "
                                            "server that refuses this config's credentials")


def test_a_missing_workspace_fails(doctor, tmp_path):
    config(tmp_path)
    node_file(tmp_path, f"http://127.0.0.1:{free_port()}", {"kind": "codex", "command": sys.executable,
                                                              "workspace_path": str(tmp_path / "nowhere")})
    code, lines = doctor(tmp_path)
    assert code == 1
    assert f"FAIL  attachment scout: workspace {tmp_path / 'nowhere'} does not exist — fix: " in "\n".join(lines)


def test_postgres_unreachable_fails_with_the_dsn_without_its_password(doctor, tmp_path):
    port = free_port()
    config(tmp_path, f"storage: {{kind: postgres, postgres: {{dsn: 'postgresql://u:hunter2@127.0.0.1:{port}/x'}}}}\n")
    (tmp_path / "Moltnet").chmod(0o600)
    code, lines = doctor(tmp_path)
    found = line(lines, "database")
    assert code == 1 and found.startswith(f"FAIL  database: cannot open postgres:postgresql://u:***@127.0.0.1:{port}/x")
    assert "hunter2" not in "\n".join(lines) and "Postgres is running" in found


@pytest.mark.postgres
def test_postgres_without_moltnet_tables_warns(doctor, tmp_path, pg_cluster):
    dsn = pg_cluster.create_database("doctor_empty")
    config(tmp_path, f"storage: {{kind: postgres, postgres: {{dsn: '{dsn}'}}}}\n")
    (tmp_path / "Moltnet").chmod(0o600)
    code, lines = doctor(tmp_path)
    assert line(lines, "database") == (f"warn  database: postgres:{dsn} is reachable but has no Moltnet tables yet "
                                       "— fix: run `moltnet start`: migrations run before it listens")
    assert code == 0


def test_an_unwritable_data_directory_fails(doctor, tmp_path, monkeypatch):
    from moltnet.cli import doctor as module

    locked = tmp_path / "locked"
    locked.mkdir(mode=0o500)
    real_access = os.access  # root may write anywhere: answer as for an ordinary user
    monkeypatch.setattr(module.os, "access", lambda path, mode: Path(path).name != "locked" and real_access(path, mode))
    config(tmp_path, "storage: {kind: sqlite, sqlite: {path: locked/data/m.db}}\n")
    code, lines = doctor(tmp_path)
    assert code == 1 and line(lines, "database").startswith(
        "FAIL  database: no SQLite database yet at locked/data/m.db, and locked is not writable")


def test_a_declared_room_removed_through_the_api_fails(doctor, tmp_path):
    config(tmp_path, "storage: {kind: sqlite, sqlite: {path: data.db}}\nrooms:\n  - {id: lab}\n")
    with sqlite3.connect(tmp_path / "data.db") as conn:
        conn.execute("CREATE TABLE django_migrations (id integer primary key, app text, name text, applied text)")
        conn.execute("CREATE TABLE rooms (id text primary key, deleted_at text)")
        conn.execute("INSERT INTO rooms VALUES ('lab', '2026-12-01T00:00:00.000000000Z')")
    code, lines = doctor(tmp_path)
    assert code == 1
    assert line(lines, "database") == ("FAIL  database: declared room 'lab' was removed through the API, so `moltnet "
                                       'start` stops with unknown room "lab" — fix: take it out of rooms: in the '
                                       "Moltnet file (a removed room id stays reserved; declare a new id)")
