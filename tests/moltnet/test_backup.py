"""`moltnet backup` / `moltnet restore` (moltnet/cli/backup.py) against real `moltnet start` servers."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest

from moltnet.cli import main
from tests.support.live import REPO

CONFIG = """
version: moltnet.v1
network: {id: lab, name: Lab}
auth: {mode: none}
storage: {kind: sqlite, sqlite: {path: ./data/moltnet.db}}
rooms:
  - {id: atrium, name: Atrium, visibility: public, members: [vega, orion]}
"""


@pytest.fixture(autouse=True)
def server_config_from_files_only(monkeypatch) -> None:
    """The commands read the Moltnet file each test writes: no storage setting of the test run's own
    environment (the Postgres pass exports MOLTNET_POSTGRES_DSN) may take part."""
    for key in list(os.environ):
        if key.startswith("MOLTNET_") and key != "MOLTNET_TEST_DB":
            monkeypatch.delenv(key)


def moltnet(cwd: Path, *args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("MOLTNET_CONFIG", "DJANGO_SETTINGS_MODULE")}
    env["PYTHONPATH"] = str(REPO)
    return subprocess.run([sys.executable, "-m", "moltnet.cli", *args], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=120)


class Sender(threading.Thread):
    """Posts messages one after another; records when each one was acknowledged (202)."""

    def __init__(self, base_url: str, agent: str) -> None:
        super().__init__(daemon=True)
        self.base_url, self.agent = base_url, agent
        self.acked: list[tuple[float, str]] = []
        self.stop = threading.Event()
        self.failures: list[str] = []

    def run(self) -> None:
        with httpx.Client(base_url=self.base_url, timeout=30) as client:
            n = 0
            while not self.stop.is_set():
                n += 1
                reply = client.post("/v1/messages", json={
                    "target": {"kind": "room", "room_id": "atrium"}, "from": {"type": "agent", "id": self.agent},
                    "parts": [{"kind": "text", "text": f"{self.agent} {n}"}]})
                if reply.status_code != 202:
                    self.failures.append(f"{reply.status_code} {reply.text}")
                    continue
                self.acked.append((time.monotonic(), reply.json()["message_id"]))


def history(base_url: str) -> list[str]:
    """Every message id of room atrium, walking the history pages back to the start."""
    ids: list[str] = []
    params = {"limit": "500"}
    while True:
        page = httpx.get(base_url + "/v1/rooms/atrium/messages", params=params, timeout=30).json()
        ids = [m["id"] for m in page["messages"]] + ids
        if not page["page"].get("has_more"):
            return ids
        params = {"limit": "500", "before": page["page"]["next_before"]}


@pytest.mark.live
def test_a_backup_under_send_load_restores_every_acknowledged_message(live_server_factory, tmp_path):
    first = live_server_factory(CONFIG, name="first")
    senders = [Sender(first.base_url, agent) for agent in ("vega", "orion")]
    for sender in senders:
        sender.start()
    deadline = time.monotonic() + 60
    while sum(len(s.acked) for s in senders) < 100 and time.monotonic() < deadline:
        time.sleep(0.05)
    began = time.monotonic()
    acked_before = {mid for s in senders for at, mid in s.acked if at < began}
    backup_file = tmp_path / "backups" / "lab.db"
    made = moltnet(first.workdir, "backup", str(backup_file))
    ended = time.monotonic()
    time.sleep(0.3)  # the load goes on after the backup, too
    for sender in senders:
        sender.stop.set()
        sender.join(30)
    assert made.returncode == 0, made.stderr
    assert made.stdout.count("\n") == 1 and "integrity ok" in made.stdout, made.stdout
    acked_during = {mid for s in senders for at, mid in s.acked if began <= at < ended}
    assert len(acked_before) >= 100 and acked_during, "the backup was not taken under load"
    assert not [f for s in senders for f in s.failures]
    assert oct(backup_file.stat().st_mode & 0o777) == "0o600"
    assert not list(backup_file.parent.glob(".*partial*"))  # the temporary file is gone

    # The live database cannot be replaced, even with --force.
    refused = moltnet(first.workdir, "restore", str(backup_file), "--force")
    assert refused.returncode == 1 and "is in use" in refused.stderr and refused.stderr.count("\n") == 1
    all_acked = {mid for s in senders for _, mid in s.acked}
    assert set(history(first.base_url)) == all_acked

    # Restored into a new directory, a new server serves every message acknowledged before the backup began.
    second_dir = tmp_path / "second"
    second_dir.mkdir()
    (second_dir / "Moltnet").write_text(CONFIG)
    os.chmod(second_dir / "Moltnet", 0o600)
    restored = moltnet(second_dir, "restore", str(backup_file))
    assert restored.returncode == 0, restored.stderr
    assert restored.stdout.startswith("restored ") and (second_dir / "data" / "moltnet.db").is_file()
    second = live_server_factory(None, name="second")
    served = history(second.base_url)
    assert acked_before <= set(served)
    assert set(served) <= all_acked and len(served) == len(set(served))

    # A stopped server's database is replaced only with --force.
    first.stop()
    cold = moltnet(first.workdir, "backup", str(tmp_path / "cold.db"))  # a stopped server's database, too
    assert cold.returncode == 0, cold.stderr
    assert not list((first.workdir / "data").glob("moltnet.db-*"))  # no -wal/-shm left behind
    again = moltnet(first.workdir, "restore", str(backup_file))
    assert again.returncode == 1 and "pass --force" in again.stderr
    forced = moltnet(first.workdir, "restore", str(backup_file), "--force")
    assert forced.returncode == 0, forced.stderr
    assert not (first.workdir / "data" / "moltnet.db-wal").exists()
    with sqlite3.connect(first.workdir / "data" / "moltnet.db") as db:
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)


@pytest.mark.parametrize(("env", "command", "says"), [
    ({"MOLTNET_STORAGE_KIND": "postgres", "MOLTNET_POSTGRES_DSN": "postgres://u@db/moltnet"}, "backup", "pg_dump"),
    ({"MOLTNET_STORAGE_KIND": "postgres", "MOLTNET_POSTGRES_DSN": "postgres://u@db/moltnet"}, "restore", "pg_restore"),
    ({"MOLTNET_STORAGE_KIND": "memory"}, "backup", "storage is memory"),
])
def test_other_storage_kinds_are_told_what_to_do(tmp_path, monkeypatch, capsys, env, command, says):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("MOLTNET_CONFIG", raising=False)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    (tmp_path / "some.db").write_bytes(b"SQLite format 3\x00")
    assert main([command, str(tmp_path / "some.db")]) == 1
    err = capsys.readouterr().err
    assert says in err and err.count("\n") == 1, err


def test_backup_says_what_is_missing(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("MOLTNET_CONFIG", raising=False)
    (tmp_path / "Moltnet").write_text(CONFIG)
    os.chmod(tmp_path / "Moltnet", 0o600)
    assert main(["backup", str(tmp_path / "out.db")]) == 1
    assert "no database at" in capsys.readouterr().err
    (tmp_path / "junk").write_text("not a database")
    assert main(["restore", str(tmp_path / "junk")]) == 1
    assert "is not a SQLite database" in capsys.readouterr().err
    assert not (tmp_path / "data" / "moltnet.db").exists()


def send(base_url: str, text: str) -> str:
    reply = httpx.post(base_url + "/v1/messages", timeout=30, json={
        "target": {"kind": "room", "room_id": "atrium"}, "from": {"type": "agent", "id": "vega"},
        "parts": [{"kind": "text", "text": text}]})
    assert reply.status_code == 202, reply.text
    return reply.json()["message_id"]


@pytest.mark.live
def test_the_readme_postgres_backup_and_restore(live_server_factory, pg_cluster, tmp_path):
    """The deploy guide's commands: pg_dump while serving, pg_restore --clean over the database."""
    from tests.support.pgcluster import _bin

    dsn = pg_cluster.create_database("backup_readme")
    config = CONFIG.replace("{kind: sqlite, sqlite: {path: ./data/moltnet.db}}",
                            f"{{kind: postgres, postgres: {{dsn: '{dsn}'}}}}")
    server = live_server_factory(config, name="pg")
    kept = [send(server.base_url, f"before {n}") for n in range(5)]
    dump = tmp_path / "commons.dump"
    subprocess.run([_bin("pg_dump"), "--format=custom", f"--file={dump}", dsn], check=True, timeout=120)
    send(server.base_url, "after the dump")
    refused = moltnet(server.workdir, "backup", str(tmp_path / "x.db"))
    assert refused.returncode == 1 and "pg_dump" in refused.stderr
    server.stop()
    subprocess.run([_bin("pg_restore"), "--clean", "--if-exists", "--no-owner", "--dbname", dsn, str(dump)],
                   check=True, timeout=120, capture_output=True)
    again = live_server_factory(None, name="pg")
    assert history(again.base_url) == kept


def test_restore_refuses_a_database_another_process_has_open(tmp_path, monkeypatch, capsys):
    """Not only a `moltnet start`: any process with the database open in WAL mode (a Go server, a
    sqlite3 shell) holds SQLite's own lock, and restore sees it."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("MOLTNET_CONFIG", raising=False)
    (tmp_path / "Moltnet").write_text(CONFIG)
    os.chmod(tmp_path / "Moltnet", 0o600)
    (tmp_path / "data").mkdir()
    database = tmp_path / "data" / "moltnet.db"
    backup_file = tmp_path / "copy.db"
    with sqlite3.connect(backup_file) as db:
        db.execute("CREATE TABLE t (x)")
    holder = subprocess.Popen([sys.executable, "-c", (
        "import sqlite3, sys; db = sqlite3.connect(sys.argv[1]); db.execute('PRAGMA journal_mode=WAL');"
        "db.execute('CREATE TABLE t (x)'); db.commit(); db.execute('SELECT * FROM t').fetchall();"
        "print('open', flush=True); sys.stdin.read()"), str(database)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline() == "open\n"
        assert main(["restore", str(backup_file), "--force"]) == 1
        assert "another process has it open" in capsys.readouterr().err
    finally:
        holder.stdin.close()
        holder.wait(10)
    assert main(["restore", str(backup_file), "--force"]) == 0
    assert "restored" in capsys.readouterr().out


def test_config_flag_names_the_server_config(tmp_path, monkeypatch, capsys):
    """--config (before or after the path) picks the Moltnet file; relative storage paths stay
    relative to the working directory, as for `moltnet start`."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("MOLTNET_CONFIG", raising=False)
    elsewhere = tmp_path / "etc"
    elsewhere.mkdir()
    (elsewhere / "lab.yaml").write_text(CONFIG.replace("./data/moltnet.db", "./state/lab.db"))
    os.chmod(elsewhere / "lab.yaml", 0o600)
    (tmp_path / "state").mkdir()
    with sqlite3.connect(tmp_path / "state" / "lab.db") as db:
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("CREATE TABLE t (x)")
        db.execute("INSERT INTO t VALUES (42)")
    assert main(["backup", "out.db", "--config", str(elsewhere / "lab.yaml")]) == 0
    assert capsys.readouterr().out.startswith("backed up state/lab.db to out.db (")
    assert main(["backup", "--config", str(elsewhere / "lab.yaml"), "--force", "out.db"]) == 0
    with sqlite3.connect(tmp_path / "out.db") as db:
        assert db.execute("SELECT x FROM t").fetchall() == [(42,)]
        assert db.execute("PRAGMA journal_mode").fetchone() == ("delete",)
