"""`moltnet node | bridge | attachment` argument handling and `moltnet validate` on MoltnetNode files."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import pytest

from tests.node.fakes.services import FakeControl
from tests.support.node import eventually, post, room


def moltnet(*args: str, cwd=None, env=None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "moltnet.cli", *args], cwd=cwd, env={**os.environ, **(env or {})},
                          capture_output=True, text=True, timeout=30)


@pytest.mark.parametrize(("args", "message"), [
    (["bridge"], "bridge runner config path required"),
    (["attachment"], "attachment runner config path required"),
    (["bridge", "run", "a.json", "b.json"], "invalid argument"),
    (["attachment", "run"], "invalid argument"),
    (["node", "start", "a", "b"], "invalid argument"),
])
def test_argument_errors(args, message, tmp_path):
    done = moltnet(*args, cwd=tmp_path)
    assert done.returncode == 1
    assert done.stderr.rstrip().endswith(" " + message)


HELP = [["node"], ["node", "start"], ["node", "status"], ["bridge"], ["bridge", "run"], ["attachment"], ["validate"],
        ["start"], ["server"], ["init"], ["send"], ["read"], ["connect"], ["conversations"], ["participants"],
        ["register-agent"], ["skill"], ["skill", "install"], ["apply"], ["admin"], ["update"]]


@pytest.mark.parametrize("words", HELP, ids=" ".join)
def test_help_works_for_every_command(words, tmp_path, capsys):
    """`--help` / `-h` print a usage and succeed; nothing is taken as a path (no `stat --help`), nothing runs."""
    from moltnet.cli import main

    for flag in ("--help", "-h"):
        capsys.readouterr()
        assert main([*words, flag]) == 0, capsys.readouterr().err
        out, err = capsys.readouterr()
        assert "Usage" in out and err == ""
    assert list(tmp_path.iterdir()) == []  # `init --help` created nothing


def test_help_and_missing_node_config(tmp_path):
    assert moltnet("node", "help").stdout.startswith("Usage:")
    assert moltnet("bridge", "help").returncode == 0
    done = moltnet("node", cwd=tmp_path, env={"MOLTNET_NODE_CONFIG": ""})
    assert done.returncode == 1 and done.stderr.rstrip().endswith("MoltnetNode config not found")


def test_validate_checks_moltnet_node_files(tmp_path):
    good = tmp_path / "MoltnetNode"
    good.write_text("version: moltnet.node.v1\nmoltnet: {base_url: 'http://127.0.0.1:8787', network_id: local}\n"
                    "attachments:\n  - agent: {id: scout}\n    runtime: {kind: openclaw}\n")
    done = moltnet("validate", str(good))
    assert done.returncode == 0 and f"validated {good}" in done.stdout
    bad = tmp_path / "moltnet-node.yaml"
    bad.write_text(good.read_text().replace("kind: openclaw", "kind: codex"))
    done = moltnet("validate", str(bad))
    assert done.returncode == 1
    assert "as MoltnetNode config: attachments[0]: bridge config runtime.workspace_path is required for codex" in (
        done.stderr)


def test_validate_checks_bridge_files_too(tmp_path):
    path = tmp_path / "scout.bridge.json"
    bridge = {"version": "moltnet.bridge.v1", "agent": {"id": "scout"},
              "moltnet": {"base_url": "http://127.0.0.1:8787", "network_id": "local", "auth_mode": "open",
                          "token_path": ".moltnet/scout.token"},
              "runtime": {"kind": "openclaw"}, "rooms": [{"id": "lobby", "wake": "all"}]}
    path.write_text(json.dumps(bridge))
    done = moltnet("validate", str(path))
    assert done.returncode == 0 and done.stdout == f"validated {path}\n", done.stderr
    path.write_text(json.dumps({**bridge, "runtime": {"kind": "codex"}}))
    done = moltnet("validate", str(path))
    assert done.returncode == 1
    assert done.stderr.rstrip().endswith(" bridge config runtime.workspace_path is required for codex")


def test_validate_refuses_what_start_up_would_refuse(tmp_path):
    """The README's old example: a token_path that does not exist yet, without `auth_mode: open`, is read as
    bearer auth; start-up then exits 1, so validation must not call the file valid."""
    path = tmp_path / "MoltnetNode"
    path.write_text("moltnet: {base_url: 'http://127.0.0.1:8787', network_id: local}\nattachments:\n"
                    "  - agent: {id: scout}\n    moltnet: {token_path: .moltnet/scout.token}\n"
                    "    runtime: {kind: openclaw}\n")
    done = moltnet("validate", str(path))
    assert done.returncode == 1
    token = tmp_path / ".moltnet" / "scout.token"
    assert (f'attachment scout: resolve moltnet token for compatibility preflight: stat moltnet token_path "{token}"'
            in done.stderr)
    assert "set moltnet.auth_mode: open" in done.stderr
    path.write_text(path.read_text().replace("network_id: local}", "network_id: local, auth_mode: open}"))
    assert moltnet("validate", str(path)).returncode == 0  # open: the first attach claims the id and writes it


def test_node_status_reads_the_state_the_node_keeps(tmp_path):
    from node.state import CursorStore, state_path

    path = tmp_path / "MoltnetNode"
    path.write_text("moltnet: {base_url: 'http://127.0.0.1:8787', network_id: local}\nattachments:\n"
                    "  - agent: {id: builder}\n    runtime: {kind: codex, workspace_path: ws}\n")
    store = CursorStore(state_path(str(path), "local", "builder"), "http://127.0.0.1:8787", "local", "builder")
    store.record(connected=True, last_event={"id": "evt_9", "type": "message.created", "at": "T"}, queued=2,
                 last_wake={"at": "T", "conversation": "agent:builder:local:room:lobby", "message_id": "msg_3",
                            "result": "failed", "attempts": 3, "error": "run runtime command: exit status 1: boom"},
                 failed_wakes=1)
    done = moltnet("node", "status", str(path))  # this test process wrote the state: it counts as running
    assert done.returncode == 0, done.stderr
    assert "builder (codex): connected" in done.stdout
    assert "last wake: failed after 3 attempts at T (agent:builder:local:room:lobby, message msg_3)" in done.stdout
    assert "error: run runtime command: exit status 1: boom" in done.stdout
    assert "queued wakes: 2, failed wakes: 1" in done.stdout
    document = json.loads(moltnet("node", "status", str(path), "--json").stdout)
    assert document["attachments"][0]["last_event"]["id"] == "evt_9"
    store.status["pid"] = 2 ** 22 + 1  # no such process: the node is not running
    store.save()
    store.path.write_text(store.path.read_text().replace(f'"pid": {os.getpid()}', f'"pid": {2 ** 22 + 1}'))
    assert "builder (codex): node not running" in moltnet("node", "status", str(path)).stdout


@pytest.mark.live
async def test_bridge_run_wakes_one_runtime_and_exits_0_on_sigterm(studio, tmp_path):
    control = FakeControl()
    path = tmp_path / "bridge.json"
    path.write_text(json.dumps({"version": "moltnet.bridge.v1", "agent": {"id": "br-one", "name": "Bridge One"},
                                "moltnet": {"base_url": studio.base_url, "network_id": "studio"},
                                "runtime": {"kind": "pi", "control_url": f"{control.base}/control"},
                                "rooms": [{"id": "ops", "wake": "all"}]}))
    process = subprocess.Popen([sys.executable, "-m", "moltnet.cli", "attachment", "run", str(path)], cwd=tmp_path,
                               stderr=subprocess.PIPE, text=True)
    try:
        await eventually(lambda: control.wakes(), timeout=20)
        post(studio, room("ops"), "through the bridge")
        await eventually(lambda: any(w["message"] == "[room ops] writer\nthrough the bridge" for w in control.wakes()))
        process.send_signal(signal.SIGTERM)
        started = time.monotonic()
        _, err = process.communicate(timeout=15)
        assert time.monotonic() - started < 5
    finally:
        if process.poll() is None:
            process.kill()
        control.stop()
    assert process.returncode == 0, err
    assert "agent_id=br-one" in err
    state = tmp_path / ".moltnet" / "node-state" / "studio--br-one.json"
    assert json.loads(state.read_text())["cursor"].startswith("evt_")
