"""`moltnet node | bridge | attachment` argument handling and `moltnet validate` on MoltnetNode files."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import pytest

from tests.node.conftest import eventually, post, room
from tests.node.fakes.services import FakeControl


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
