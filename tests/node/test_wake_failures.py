"""A failed CLI wake is retried with back-off, then given up visibly: a WARN line and the node's status."""

from __future__ import annotations

import json

from node.client import AttachmentClient
from node.runtimes.codex import CodexAdapter
from node.state import CursorStore, state_path
from tests.support.node import bridge, read_log, room


def adapter_with_state(tmp_path, fake_bin, environ) -> tuple[CodexAdapter, CursorStore]:
    cfg = bridge("http://127.0.0.1:9", "cx-retry", {"kind": "codex", "command": str(fake_bin("codex", "codex_cli.py")),
                                                   "workspace_path": str(tmp_path / "ws"),
                                                   "home_path": str(tmp_path / "home")})
    store = CursorStore(state_path(cfg.path, "studio", "cx-retry"), cfg.moltnet.base_url, "studio", "cx-retry")
    return CodexAdapter(cfg, AttachmentClient(cfg, environ, store), environ), store


def status(store: CursorStore) -> dict:
    return json.loads(store.path.read_text())["status"]


async def test_a_wake_that_fails_twice_runs_a_third_time(tmp_path, fake_bin, environ, caplog):
    environ["FAKE_RUNTIME_FAIL_TIMES"] = "2"
    adapter, store = adapter_with_state(tmp_path, fake_bin, environ)
    await adapter._wake(adapter.key_for(room("lobby")), "please check", "msg_1")
    runs = read_log(tmp_path / "runtime.log")
    assert [run["exit"] for run in runs] == [1, 1, 0]
    assert [r.getMessage() for r in caplog.records].count("CLI runtime wake failed, retrying") == 2
    assert status(store)["last_wake"] | {"at": ""} == {"conversation": "agent:cx-retry:studio:room:lobby",
                                                        "message_id": "msg_1", "result": "ok", "attempts": 3, "at": ""}


async def test_a_wake_that_keeps_failing_is_logged_and_kept_in_the_status(tmp_path, fake_bin, environ, caplog):
    environ["FAKE_RUNTIME_FAIL_TIMES"] = "99"
    adapter, store = adapter_with_state(tmp_path, fake_bin, environ)
    await adapter._wake(adapter.key_for(room("lobby")), "please check", "msg_2")
    assert len(read_log(tmp_path / "runtime.log")) == 3  # bounded: three runs, then given up
    (failed,) = [r for r in caplog.records if r.getMessage() == "CLI runtime queued delivery failed"]
    assert failed.levelname == "WARNING" and failed.attrs["attempts"] == 3
    assert "stream disconnected before completion" in str(failed.attrs["error"])
    wake = status(store)["last_wake"]
    assert wake["result"] == "failed" and wake["message_id"] == "msg_2" and "exit status 1" in wake["error"]
    assert status(store)["failed_wakes"] == 1
