"""Claude Code through a real server: `--print --session-id <uuid> <prompt>`, one rotation on "already in use"."""

from __future__ import annotations

import json
import uuid

import pytest

from tests.node.conftest import attached, bridge, eventually, post, read_log, room

pytestmark = pytest.mark.live


async def test_claude_sessions_rotate_once_when_the_id_is_already_in_use(studio, tmp_path, fake_bin, environ):
    workspace = tmp_path / "ws"
    workspace.mkdir()
    command = fake_bin("claude", "claude_cli.py")
    cfg = bridge(studio, "cc-one", {"kind": "claude-code", "command": str(command), "workspace_path": str(workspace),
                                    "home_path": str(tmp_path / "home"), "session_prefix": "team"},
                 rooms=[{"id": "dev", "wake": "all"}], dms={"enabled": True, "wake": "all"})
    log = tmp_path / "runtime.log"
    store = workspace / ".moltnet" / "sessions.json"
    async with attached(cfg, environ=environ):
        await eventually(lambda: len(read_log(log)) == 1 and store.exists())  # bootstrap: creates the dev session
        first = json.loads(store.read_text())["sessions"]["team:studio:room:dev"]["runtime_session_id"]
        post(studio, room("dev"), "please review")
        await eventually(lambda: len(read_log(log)) == 3)  # refused once, then re-run in a new session
        await eventually(lambda: first not in store.read_text())
        dm = {"kind": "dm", "dm_id": "dm_cc_writer", "participant_ids": ["writer", "cc-one"]}
        post(studio, dm, "a private word")
        await eventually(lambda: "team:studio:dm:dm_cc_writer" in store.read_text())
    bootstrap, refused, rotated, private = read_log(log)
    assert bootstrap["argv"][:3] == ["--print", "--session-id", first] and str(uuid.UUID(first)) == first
    assert bootstrap["argv"][3].endswith("Use the `moltnet` skill in this conversation.")
    assert refused["argv"][:3] == ["--print", "--session-id", first]
    assert rotated["argv"][:2] == ["--print", "--session-id"] and rotated["argv"][2] != first
    assert rotated["argv"][3].endswith("Message:\nplease review") and "Chat ID: studio:room:dev" in rotated["argv"][3]
    assert rotated["cwd"] == str(workspace)
    assert rotated["env"] == {"MOLTNET_CLIENT_CONFIG": str(workspace / ".moltnet" / "config.json"),
                              "HOME": str(tmp_path / "home")}
    sessions = json.loads(store.read_text())["sessions"]
    assert sessions["team:studio:room:dev"]["runtime_session_id"] == rotated["argv"][2]
    assert private["argv"][3].startswith("Channel: moltnet\nChat ID: studio:dm:dm_cc_writer\n")
    assert sessions["team:studio:dm:dm_cc_writer"]["runtime_session_id"] == private["argv"][2]
