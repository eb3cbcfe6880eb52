"""Claude Code as today's releases behave: create with `--session-id`, continue with `--resume`, take the id the
JSON result reports, and recover from a session Claude Code no longer has."""

from __future__ import annotations

import json
import uuid

import pytest

from node.client import AttachmentClient
from node.runtimes.claude_code import ClaudeCodeAdapter
from tests.support.node import attached, bridge, eventually, post, read_log, room


def claude_adapter(tmp_path, fake_bin, environ, url: str = "http://127.0.0.1:9", **runtime) -> ClaudeCodeAdapter:
    workspace = tmp_path / "ws"
    cfg = bridge(url, "cc-unit", {"kind": "claude-code", "command": str(fake_bin("claude", "claude_cli.py")),
                                  "workspace_path": str(workspace), "home_path": str(tmp_path / "home"), **runtime})
    return ClaudeCodeAdapter(cfg, AttachmentClient(cfg, environ), environ)


def sessions(adapter) -> dict:
    return {k: v["runtime_session_id"] for k, v in adapter.store.read()["sessions"].items()}


async def test_a_conversation_is_created_once_and_then_resumed(tmp_path, fake_bin, environ):
    adapter = claude_adapter(tmp_path, fake_bin, environ)
    key = adapter.key_for(room("dev"))
    for prompt in ("first", "second", "third"):
        await adapter.dispatch(key, prompt)
    first, second, third = read_log(tmp_path / "runtime.log")
    created = first["argv"][4]
    assert first["argv"] == ["--print", "--output-format", "json", "--session-id", created, "first"]
    assert str(uuid.UUID(created)) == created
    # the same conversation continues: --resume, never the refused --session-id again
    assert second["argv"] == ["--print", "--output-format", "json", "--resume", created, "second"]
    assert third["argv"][3:5] == ["--resume", created]
    assert [run["exit"] for run in (first, second, third)] == [0, 0, 0]
    assert [run["previous_turns"] for run in (first, second, third)] == [0, 1, 2]  # one growing transcript
    assert sessions(adapter) == {key: created}


async def test_the_session_id_claude_reports_replaces_the_stored_one(tmp_path, fake_bin, environ):
    environ["FAKE_CLAUDE_RESUME_NEW_ID"] = "1"  # releases that continue a resumed conversation under a new id
    adapter = claude_adapter(tmp_path, fake_bin, environ)
    key = adapter.key_for(room("dev"))
    for prompt in ("one", "two", "three"):
        await adapter.dispatch(key, prompt)
    one, two, three = read_log(tmp_path / "runtime.log")
    assert two["argv"][4] == one["session"] and two["session"] != one["session"]
    assert three["argv"][4] == two["session"]  # resumes the id Claude Code reported last time
    assert three["previous_turns"] == 2 and sessions(adapter) == {key: three["session"]}


async def test_a_session_claude_no_longer_has_is_replaced_by_a_new_one(tmp_path, fake_bin, environ):
    adapter = claude_adapter(tmp_path, fake_bin, environ)
    key = adapter.key_for(room("dev"))
    stale = str(uuid.uuid4())
    adapter.store.put(key, stale)  # e.g. the transcript was deleted, or the store came from another machine
    await adapter.dispatch(key, "hello again")
    refused, fresh = read_log(tmp_path / "runtime.log")
    assert refused["argv"][3:5] == ["--resume", stale] and refused["exit"] == 1
    assert fresh["argv"][3] == "--session-id" and fresh["exit"] == 0
    assert sessions(adapter) == {key: fresh["session"]}


async def test_an_error_result_is_a_failed_wake(tmp_path, fake_bin, environ):
    """`No conversation found` is handled above; other failures (exit 1, `is_error: true`) fail the dispatch."""
    adapter = claude_adapter(tmp_path, fake_bin, environ, command=str(tmp_path / "claude-error"))
    script = tmp_path / "claude-error"
    script.write_text('#!/bin/sh\necho \'{"type":"result","subtype":"success","is_error":true,'
                      '"result":"API Error: 529 overloaded","session_id":"x"}\'\n')
    script.chmod(0o755)
    with pytest.raises(Exception, match="claude reported an error: API Error: 529 overloaded"):
        await adapter.dispatch(adapter.key_for(room("dev")), "hi")
    assert sessions(adapter) == {}


@pytest.mark.live
async def test_claude_code_through_a_real_server(studio, tmp_path, fake_bin, environ):
    workspace = tmp_path / "ws"
    command = fake_bin("claude", "claude_cli.py")
    cfg = bridge(studio, "cc-one", {"kind": "claude-code", "command": str(command), "workspace_path": str(workspace),
                                    "home_path": str(tmp_path / "home"), "session_prefix": "team"},
                 rooms=[{"id": "dev", "wake": "all"}], dms={"enabled": True, "wake": "all"})
    log = tmp_path / "runtime.log"
    store = workspace / ".moltnet" / "sessions.json"
    async with attached(cfg, environ=environ):
        await eventually(lambda: len(read_log(log)) == 1 and store.exists())  # bootstrap: creates the dev session
        post(studio, room("dev"), "please review")
        await eventually(lambda: len(read_log(log)) == 2)
        dm = {"kind": "dm", "dm_id": "dm_cc_writer", "participant_ids": ["writer", "cc-one"]}
        post(studio, dm, "a private word")
        await eventually(lambda: "team:studio:dm:dm_cc_writer" in store.read_text())
    bootstrap, review, private = read_log(log)
    created = bootstrap["argv"][4]
    assert bootstrap["argv"][3] == "--session-id" and bootstrap["argv"][5].endswith(
        "Use the `moltnet` skill in this conversation.")
    assert review["argv"][3:5] == ["--resume", created] and review["previous_turns"] == 1
    assert review["argv"][5].endswith("Message:\nplease review") and "Chat ID: studio:room:dev" in review["argv"][5]
    assert review["cwd"] == str(workspace)
    assert review["env"] == {"MOLTNET_CLIENT_CONFIG": str(workspace / ".moltnet" / "config.json"),
                             "HOME": str(tmp_path / "home")}
    assert private["argv"][3] == "--session-id" and private["argv"][5].startswith(
        "Channel: moltnet\nChat ID: studio:dm:dm_cc_writer\n")
    saved = json.loads(store.read_text())["sessions"]
    assert saved["team:studio:room:dev"]["runtime_session_id"] == created
    assert saved["team:studio:dm:dm_cc_writer"]["runtime_session_id"] == private["argv"][4]
    assert (workspace / ".claude" / "skills" / "moltnet" / "SKILL.md").exists()  # installed on start
