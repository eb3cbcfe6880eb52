"""The node supervisor: the real `moltnet node` command, isolation between attachments, clean shutdown."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from moltnet.config import ConfigError
from node.config import load_node_file
from node.runner import Runner, preflight_all, supervise
from tests.node.fakes.services import FakeControl
from tests.support.node import REPO, eventually, post, read_log, room
from tests.support.pgcluster import free_port

pytestmark = pytest.mark.live


def start_node(args: list[str], cwd: Path, env: dict) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "moltnet.cli", *args], cwd=cwd, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


def stop(process: subprocess.Popen, sig: int = signal.SIGTERM) -> tuple[int, str]:
    process.send_signal(sig)
    try:
        _, err = process.communicate(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        _, err = process.communicate()
    return process.returncode, err


async def test_bad_runtime_url_in_one_attachment_leaves_the_others_working(studio, tmp_path, fake_bin, environ):
    control = FakeControl()
    dead = f"http://127.0.0.1:{free_port()}/control"  # nothing listens there
    codex = fake_bin("codex", "codex_cli.py")
    (tmp_path / "ws").mkdir()
    (tmp_path / "MoltnetNode").write_text(f"""version: moltnet.node.v1
moltnet: {{base_url: "{studio.base_url}", network_id: studio}}
attachments:
  - agent: {{id: iso-broken}}
    runtime: {{kind: pi, control_url: "{dead}"}}
    rooms: [{{id: dev, wake: all}}]
  - agent: {{id: iso-pi}}
    runtime: {{kind: pi, control_url: "{control.base}/control"}}
    rooms: [{{id: dev, wake: all}}]
  - agent: {{id: iso-codex}}
    runtime: {{kind: codex, command: "{codex}", workspace_path: "{tmp_path / 'ws'}"}}
    rooms: [{{id: dev, wake: thread_only}}]
""")
    node = start_node(["node"], tmp_path, environ)  # discovery: ./MoltnetNode
    try:
        await eventually(lambda: control.wakes(), timeout=20)  # iso-pi's bootstrap
        post(studio, room("dev"), "room message for everyone")
        post(studio, {"kind": "thread", "room_id": "dev", "thread_id": "th_iso", "parent_message_id": "m"}, "thread")
        await eventually(lambda: any(w["message"].endswith("room message for everyone") for w in control.wakes()))
        await eventually(lambda: len(read_log(tmp_path / "runtime.log")) == 1)
        assert node.poll() is None  # the broken attachment keeps retrying; the node keeps running
    finally:
        code, err = stop(node)
        control.stop()
    assert code == 0, err
    assert err.count('msg="moltnet-node attachment starting"') == 3
    assert "agent_id=iso-broken" in err and 'msg="moltnet-bridge starting" component=bridge.core runtime=pi' in err
    (run,) = read_log(tmp_path / "runtime.log")
    assert "Chat ID: studio:thread:th_iso" in run["stdin"]


def test_incompatible_server_fails_preflight_before_any_runtime_is_touched(studio, tmp_path):
    control = FakeControl()
    try:
        path = tmp_path / "moltnet-node.yaml"
        path.write_text(f"""moltnet: {{base_url: "{studio.base_url}", network_id: lab}}
attachments:
  - agent: {{id: pf-a}}
    runtime: {{kind: pi, control_url: "{control.base}/control"}}
    rooms: [{{id: lobby}}]
""")
        env = {**os.environ, "MOLTNET_NODE_CONFIG": str(path)}
        done = subprocess.run([sys.executable, "-m", "moltnet.cli", "node", "start"], cwd=tmp_path, env=env,
                              capture_output=True, text=True, timeout=30)
        assert done.returncode == 1
        assert (f"attachment pf-a: moltnet compatibility check failed for {studio.base_url}: network_id mismatch: "
                'expected "lab", reported "studio"') in done.stderr
        assert control.requests == []
    finally:
        control.stop()


def handles_sigterm(pid: int) -> bool:
    """The command has started (it catches SIGTERM from its first line); a SIGINT during Django's own
    start-up would stop manage.py before the node runs at all."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return True
    caught = next(line.split()[1] for line in status.splitlines() if line.startswith("SigCgt:"))
    return bool(int(caught, 16) & (1 << (signal.SIGTERM - 1)))


def test_manage_py_moltnet_node_runs_until_sigterm(tmp_path):
    path = tmp_path / "MoltnetNode"
    path.write_text("version: moltnet.node.v1\nmoltnet: {base_url: 'http://127.0.0.1:9', network_id: n}\n")
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "tests.settings"}
    node = subprocess.Popen([sys.executable, str(REPO / "manage.py"), "moltnet_node", str(path)], cwd=tmp_path,
                            env=env, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 30
    while not handles_sigterm(node.pid) and time.monotonic() < deadline:  # Django is still importing
        time.sleep(0.1)
    time.sleep(0.5)
    assert node.poll() is None  # no attachments: idle until a signal
    code, err = stop(node, signal.SIGINT)
    assert code == 0, err


BEARER = """version: moltnet.v1
network: {id: studio, name: Studio}
auth:
  mode: bearer
  tokens:
    - {id: alpha, value: alpha-token-0123456789abcdef, scopes: [observe, write, attach], agents: [alpha]}
    - {id: ops, value: ops-token-0123456789abcdef, scopes: [observe, write, admin]}
rooms:
  - {id: lobby, name: Lobby}
"""


async def test_a_token_refused_for_one_agent_does_not_stop_the_others(live_server_factory, tmp_path):
    server = live_server_factory(BEARER, name="bearer")
    control = FakeControl()
    path = tmp_path / "MoltnetNode"
    path.write_text(f"""moltnet: {{base_url: "{server.base_url}", network_id: studio}}
attachments:
  - agent: {{id: alpha}}
    moltnet: {{token_env: ALPHA_TOKEN}}
    runtime: {{kind: pi, control_url: "{control.base}/control"}}
    rooms: [{{id: lobby, wake: mentions}}]
  - agent: {{id: beta}}
    moltnet: {{token_env: ALPHA_TOKEN}}
    runtime: {{kind: pi, control_url: "{control.base}/control"}}
    rooms: [{{id: lobby, wake: all}}]
""")
    environ = {**os.environ, "ALPHA_TOKEN": "alpha-token-0123456789abcdef"}
    node = load_node_file(path, environ)
    with pytest.raises(ConfigError) as info:  # an unknown token is caught by the start-up preflight
        await preflight_all(node.attachments, {**environ, "ALPHA_TOKEN": "not-a-token"})
    assert str(info.value).split("\n") == [
        f"attachment {agent}: moltnet compatibility preflight {server.base_url}/v1/network returned 401 Unauthorized: "
        "configured credentials cannot read network compatibility metadata; required scopes: observe, pair, or attach"
        for agent in ("alpha", "beta")]
    task = asyncio.create_task(supervise([Runner(cfg, environ) for cfg in node.attachments]))
    try:
        await asyncio.sleep(1)
        with server.client("ops-token-0123456789abcdef") as http:
            assert http.patch("/v1/rooms/lobby/members", json={"add": ["alpha"]}).status_code == 200
            response = http.post("/v1/messages", json={"target": room("lobby"), "from": {"type": "human", "id": "ana"},
                                                       "parts": [{"kind": "text", "text": "@alpha ping"}]})
        assert response.status_code == 202, response.text
        await eventually(lambda: any(w["to"] == "alpha" for w in control.wakes()))
        assert not task.done()
        assert all(w["to"] == "alpha" for w in control.wakes())  # beta's IDENTIFY is refused, retried forever
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        control.stop()


async def test_sigterm_kills_a_running_cli_command(studio, tmp_path, fake_bin, environ):
    codex = fake_bin("codex", "codex_cli.py")
    (tmp_path / "ws").mkdir()
    (tmp_path / "MoltnetNode").write_text(f"""moltnet: {{base_url: "{studio.base_url}", network_id: studio}}
attachments:
  - agent: {{id: kill-codex}}
    runtime: {{kind: codex, command: "{codex}", workspace_path: "{tmp_path / 'ws'}"}}
    rooms: [{{id: lobby, wake: all}}]
""")
    pids = tmp_path / "pids"
    environ.update(FAKE_RUNTIME_SLEEP="60", FAKE_RUNTIME_PIDS=str(pids))
    node = start_node(["node", "start", str(tmp_path / "MoltnetNode")], tmp_path, environ)
    try:
        await eventually(lambda: pids.exists() and pids.read_text().strip(), timeout=20)  # bootstrap run started
        child = int(pids.read_text().split()[0])
        os.kill(child, 0)  # running
    finally:
        code, err = stop(node)
    assert code == 0, err
    await eventually(lambda: not _alive(child), timeout=5)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    with open(f"/proc/{pid}/stat") as handle:  # a zombie is dead for our purposes
        return handle.read().split()[2] != "Z"


async def test_a_runner_error_stops_the_siblings_and_names_the_attachment(studio):
    control = FakeControl()
    try:
        from tests.support.node import bridge

        healthy = bridge(studio, "sib-ok", {"kind": "pi", "control_url": f"{control.base}/control"})
        broken = bridge(studio, "sib-bad", {"kind": "pi", "control_url": f"{control.base}/control"})
        broken.runtime.control_url = ""  # only a start-time seam check can fail a runner (docs/protocol/node.md §12.3)
        runners = [Runner(healthy), Runner(broken)]
        with pytest.raises(Exception) as info:
            await asyncio.wait_for(supervise(runners), 10)
        assert str(info.value) == "attachment sib-bad: pi adapter requires runtime.control_url"
    finally:
        control.stop()
