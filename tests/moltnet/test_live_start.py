"""`moltnet start` and `manage.py runserver` as real processes (docs/protocol/config.md §1, §6, docs/protocol/cli.md
§8.3)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from tests.support.live import DevServer, LiveServer
from tests.support.pgcluster import free_port
from tests.support.sse import Stream

pytestmark = pytest.mark.live


def run_start(workdir, env: dict | None = None, timeout: float = 30) -> subprocess.CompletedProcess:
    full_env = {k: v for k, v in os.environ.items() if k not in ("MOLTNET_CONFIG", "DJANGO_SETTINGS_MODULE")}
    full_env.update({"MOLTNET_LISTEN_ADDR": f"127.0.0.1:{free_port()}", **(env or {})})
    return subprocess.run([sys.executable, "-m", "moltnet.cli", "start"], cwd=workdir, env=full_env,
                          capture_output=True, text=True, timeout=timeout)


def one_error_line(result: subprocess.CompletedProcess) -> str:
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip("\n").split("\n")
    assert len(lines) == 1, result.stderr
    assert re.match(r"\d{4}/\d\d/\d\d \d\d:\d\d:\d\d ", lines[0])
    return lines[0][20:]


def test_an_invalid_config_stops_start_with_one_line(tmp_path):
    (tmp_path / "Moltnet").write_text("auth:\n  mode: bearr\n")
    message = one_error_line(run_start(tmp_path))
    assert message == 'validate Moltnet config "Moltnet": unsupported auth mode "bearr" (line 2, column 9)'


def test_an_unknown_key_stops_start_naming_the_field(tmp_path):
    (tmp_path / "Moltnet").write_text("server:\n  listen: ':1'\n")
    assert "server.listen" in one_error_line(run_start(tmp_path))


def test_an_invalid_declared_room_stops_start(tmp_path):
    (tmp_path / "Moltnet").write_text("rooms:\n  - id: '-bad'\n")
    assert one_error_line(run_start(tmp_path)) == ('validate Moltnet config "Moltnet": rooms[0]: room id id must match '
                                                   "[A-Za-z0-9][A-Za-z0-9._:-]{0,127} (line 2, column 9)")


def test_a_second_server_on_the_same_sqlite_file_is_refused(live_server_factory):
    first = live_server_factory()
    message = one_error_line(run_start(first.workdir))
    assert message == ('SQLite database ".moltnet/moltnet.db" is already in use by another Moltnet server '
                       "(use storage.kind: postgres to run several server processes)")
    assert first.client().get("/healthz").status_code == 200


def test_memory_storage_serves_and_forgets(live_server_factory):
    config = "storage:\n  kind: memory\nrooms:\n  - id: lab\n    members: [ada]\n"
    server = live_server_factory(config)
    with server.client() as client:
        sent = client.post("/v1/messages", json={"target": {"kind": "room", "room_id": "lab"}, "from": {"id": "ada"},
                                                 "parts": [{"kind": "text", "text": "hi"}]})
        assert sent.status_code == 202
        assert [m["id"] for m in client.get("/v1/rooms/lab/messages").json()["messages"]] == [sent.json()["message_id"]]
    assert not (server.workdir / ".moltnet").exists()
    server.stop()
    server.start()
    with server.client() as client:
        assert client.get("/v1/rooms/lab/messages").json()["messages"] == []


def test_memory_storage_takes_concurrent_sends_while_observers_read_the_log(live_server_factory):
    """A shared-cache in-memory database locked whole tables: a send could fail with a 500 while the
    event hub read the log. Memory storage must take concurrent sends like the default storage."""
    server = live_server_factory("storage:\n  kind: memory\nrooms:\n  - id: lab\n    members: [ada]\n")
    observers = [Stream(server.base_url) for _ in range(4)]  # the hub reads the log after every commit
    assert [o.status_code for o in observers] == [200] * 4

    def sender(index: int) -> list[int]:
        with httpx.Client(base_url=server.base_url, timeout=10) as client:
            return [client.post("/v1/messages", json={"target": {"kind": "room", "room_id": "lab"},
                                                      "from": {"id": "ada"},
                                                      "parts": [{"kind": "text", "text": f"{index}-{n}"}]}).status_code
                    for n in range(150)]

    with ThreadPoolExecutor(8) as pool:
        statuses = [status for statuses in pool.map(sender, range(8)) for status in statuses]
    assert statuses == [202] * 1200
    for observer in observers:
        observer.close()


def test_declared_rooms_are_reconciled_on_restart_without_touching_history(live_server_factory):
    server = live_server_factory("rooms:\n  - id: lab\n    members: [ada]\n    visibility: public\n")
    with server.client() as client:
        client.post("/v1/rooms", json={"id": "extra"})
        client.patch("/v1/rooms/lab/members", json={"add": ["grace"]})
        sent = client.post("/v1/messages", json={"id": "m1", "target": {"kind": "room", "room_id": "lab"},
                                                 "from": {"id": "ada"}, "parts": [{"kind": "text", "text": "hi"}]})
        assert sent.status_code == 202
    assert server.stop() == 0  # SIGTERM is a clean shutdown
    server.config_path.write_text("rooms:\n  - id: lab\n    name: Lab\n    members: [ada, hopper]\n")
    server.start()
    with server.client() as client:
        lab = client.get("/v1/rooms/lab").json()
        assert (lab["name"], lab["members"], lab["visibility"]) == ("Lab", ["ada", "hopper"], "private")
        assert [m["id"] for m in client.get("/v1/rooms/lab/messages").json()["messages"]] == ["m1"]
        assert client.get("/v1/rooms/extra").status_code == 200


def test_a_declared_room_removed_through_the_api_stops_start(live_server_factory):
    server = live_server_factory("rooms:\n  - id: lab\n")
    with server.client() as client:
        assert client.delete("/v1/rooms/lab").status_code == 200
    server.stop()
    assert one_error_line(run_start(server.workdir)) == 'unknown room "lab"'


def test_manage_py_runserver_serves_the_same_network(tmp_path):
    server = DevServer(tmp_path, "network:\n  id: devnet\nrooms:\n  - id: lab\n").start()
    try:
        network = httpx.get(server.base_url + "/v1/network", timeout=5).json()
        assert network["id"] == "devnet"
        assert httpx.get(server.base_url + "/v1/rooms/lab", timeout=5).status_code == 200  # declared, migrated
    finally:
        server.stop()


def test_start_listens_on_listen_addr_from_the_file(tmp_path):
    port = free_port()
    server = LiveServer(tmp_path / "s", f"server:\n  listen_addr: '127.0.0.1:{port}'\n", port=port)
    server.env.pop("MOLTNET_LISTEN_ADDR")
    server.start()
    try:
        assert httpx.get(f"http://127.0.0.1:{port}/readyz").json() == {"status": "ready"}
    finally:
        server.stop()


def test_an_unreachable_postgres_stops_start_with_one_line(tmp_path):
    port = free_port()
    message = one_error_line(run_start(tmp_path, {"MOLTNET_POSTGRES_DSN": f"postgresql://u@127.0.0.1:{port}/db"}))
    assert message.startswith("open postgres storage: ")
    assert "Connection refused" in message or "connection failed" in message


def test_two_servers_starting_together_on_one_fresh_postgres_database_both_serve(tmp_path, pg_cluster):
    dsn = pg_cluster.create_database("moltnet_two_starts")
    config = "rooms:\n  - id: lab\n    members: [ada]\n"
    servers = [LiveServer(tmp_path / name, config, {"MOLTNET_POSTGRES_DSN": dsn}) for name in ("a", "b")]
    for server in servers:  # launch both before waiting for either
        log = open(server.log_path, "ab")  # noqa: SIM115 - owned by the process
        server.process = subprocess.Popen([sys.executable, "-m", "moltnet.cli", "start"], cwd=server.workdir,
                                          env=server.env, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.time() + 60
        for server in servers:
            while True:
                assert server.process.poll() is None, server.log()
                try:
                    if httpx.get(server.base_url + "/healthz", timeout=1).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                assert time.time() < deadline, server.log()
                time.sleep(0.2)
        a, b = (server.client() for server in servers)
        sent = a.post("/v1/messages", json={"target": {"kind": "room", "room_id": "lab"}, "from": {"id": "ada"},
                                            "parts": [{"kind": "text", "text": "shared"}]})
        assert sent.status_code == 202
        assert [m["id"] for m in b.get("/v1/rooms/lab/messages").json()["messages"]] == [sent.json()["message_id"]]
    finally:
        for server in servers:
            server.stop()
