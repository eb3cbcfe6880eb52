"""Codex through a real server: `codex exec` then `exec resume <captured id>`, queued batches, nothing published."""

from __future__ import annotations

import asyncio
import json
import uuid

import pytest

from node.client import AttachmentClient
from node.runtimes.codex import CodexAdapter, extract_session_id
from tests.support.node import attached, bridge, eventually, history, join, post, read_log, room


def codex_config(studio, tmp_path, fake_bin, agent_id: str, rooms: list):
    workspace = tmp_path / "workspace"
    workspace.mkdir(exist_ok=True)
    command = fake_bin("codex", "codex_cli.py")
    return bridge(studio, agent_id, {"kind": "codex", "command": str(command), "workspace_path": str(workspace),
                                     "home_path": str(tmp_path / "home")}, rooms=rooms,
                  path=tmp_path / "bridge.json"), workspace


@pytest.mark.live
async def test_codex_wakes_in_its_conversation_and_resumes_the_captured_session(studio, tmp_path, fake_bin, environ):
    cfg, workspace = codex_config(studio, tmp_path, fake_bin, "cx-one",
                                  [{"id": "lobby", "wake": "all"}, {"id": "ops", "wake": "mentions"}])
    log = tmp_path / "runtime.log"
    join(studio, "ops", "cx-one")
    environ["FAKE_RUNTIME_SEND"] = "room:lobby|ack from codex"
    async with attached(cfg, environ=environ):
        await eventually(lambda: len(read_log(log)) == 1)  # the background bootstrap run
        post(studio, room("ops"), "nobody is mentioned here")
        post(studio, room("ops"), "@cx-one please check the build")
        await eventually(lambda: len(read_log(log)) == 2)
        post(studio, room("lobby"), "hello lobby")
        await eventually(lambda: len(read_log(log)) == 3)
        await asyncio.sleep(0.5)
    bootstrap, mention, lobby = read_log(log)
    last = str(workspace / ".moltnet" / "codex-last-message.txt")
    assert bootstrap["argv"] == ["exec", "--json", "--skip-git-repo-check", "--output-last-message", last, "-"]
    assert bootstrap["stdin"].endswith("Moltnet conversation attached. Use the `moltnet` skill in this conversation.")
    assert bootstrap["cwd"] == str(workspace)
    assert bootstrap["env"] == {"MOLTNET_CLIENT_CONFIG": str(workspace / ".moltnet" / "config.json"),
                                "HOME": str(tmp_path / "home"), "CODEX_HOME": str(tmp_path / "home" / ".codex")}
    # ops is a new conversation: a fresh `exec`; its prompt carries the mention, not the unmentioned message
    assert mention["argv"][:2] == ["exec", "--json"]
    assert "Chat ID: studio:room:ops" in mention["stdin"] and "please check the build" in mention["stdin"]
    assert "nobody is mentioned" not in mention["stdin"]
    sessions = json.loads((workspace / ".moltnet" / "sessions.json").read_text())["sessions"]
    lobby_session = sessions["agent:cx-one:studio:room:lobby"]["runtime_session_id"]
    # the lobby conversation resumes the thread id codex printed (`thread.started`) on the bootstrap run
    assert lobby_session == bootstrap["thread"] and lobby["thread"] == bootstrap["thread"]
    assert lobby["exit"] == 0 and lobby["previous_turns"] == 1
    assert lobby["argv"] == ["exec", "resume", "--json", "--skip-git-repo-check", "--output-last-message", last,
                             lobby_session, "-"]
    assert lobby["stdin"].startswith("Channel: moltnet\nChat ID: studio:room:lobby\nFrom: molt://studio/agents/writer\n")
    assert lobby["stdin"].endswith("\n\nMessage:\nhello lobby")
    # stdout is never published; the agent speaks through the real `moltnet send` with the workspace config
    texts = [m["parts"][0]["text"] for m in history(studio, "lobby")]
    assert "Checked the build." not in texts
    assert "ack from codex" in texts
    client = json.loads((workspace / ".moltnet" / "config.json").read_text())
    assert client["attachments"][0]["member_id"] == "cx-one"
    assert client["attachments"][0]["rooms"] == [{"id": "lobby", "wake": "all"}, {"id": "ops", "wake": "mentions"}]


@pytest.mark.live
async def test_busy_conversation_gets_one_ordered_batch_while_others_run(studio, tmp_path, fake_bin, environ):
    cfg, workspace = codex_config(studio, tmp_path, fake_bin, "cx-batch",
                                  [{"id": "lobby", "wake": "mentions"}, {"id": "dev", "wake": "mentions"}])
    log = tmp_path / "runtime.log"
    join(studio, "lobby", "cx-batch")
    join(studio, "dev", "cx-batch")
    environ["FAKE_RUNTIME_SLEEP"] = "3"  # long enough for the next three posts even on a loaded box
    async with attached(cfg, environ=environ):
        post(studio, room("lobby"), "@cx-batch first")
        await asyncio.sleep(0.4)  # the first command is now running
        for text in ("second", "third", "fourth"):
            post(studio, room("lobby"), f"@cx-batch {text}")
        post(studio, room("dev"), "@cx-batch elsewhere")
        await eventually(lambda: len(read_log(log)) == 3, timeout=15)
        await asyncio.sleep(0.3)
    runs = read_log(log)
    assert len(runs) == 3  # no bootstrap (no `wake: all` room); first, the batch, and dev
    lobby = [r for r in runs if "studio:room:lobby" in r["stdin"]]
    dev = [r for r in runs if "studio:room:dev" in r["stdin"]]
    assert len(lobby) == 2 and len(dev) == 1
    first, batch = sorted(lobby, key=lambda r: r["start"])
    assert first["stdin"].endswith("Message:\n@cx-batch first")
    assert batch["start"] >= first["end"]  # one command at a time per conversation
    assert dev[0]["start"] < first["end"]  # another conversation does not wait
    prompt = batch["stdin"]
    assert "Queued messages: 3\n" in prompt and prompt.count("Channel: moltnet") == 1
    positions = [prompt.index(f"--- Message {i}/3 ---") for i in (1, 2, 3)]
    bodies = [prompt.index(f"@cx-batch {t}") for t in ("second", "third", "fourth")]
    assert positions == sorted(positions) and bodies == sorted(bodies) and positions[0] < bodies[0] < positions[1]
    assert batch["argv"][:2] == ["exec", "resume"]  # the batch continues the conversation's session


@pytest.mark.live
async def test_wakes_still_queued_at_shutdown_run_after_a_node_restart(studio, tmp_path, fake_bin, environ):
    cfg, workspace = codex_config(studio, tmp_path, fake_bin, "cx-restart", [{"id": "lobby", "wake": "mentions"}])
    join(studio, "lobby", "cx-restart")
    log = tmp_path / "runtime.log"
    environ.update(FAKE_RUNTIME_SLEEP="30", FAKE_RUNTIME_PIDS=str(tmp_path / "pids"))
    state = tmp_path / ".moltnet" / "node-state" / "studio--cx-restart.json"
    async with attached(cfg, environ=environ):
        post(studio, room("lobby"), "no mention: ACKed and finished at once, a first resume point")
        await eventually(state.exists)
        post(studio, room("lobby"), "@cx-restart long job")
        await eventually(lambda: (tmp_path / "pids").exists())  # the first command is running
        post(studio, room("lobby"), "@cx-restart queued behind it")
        await asyncio.sleep(0.5)  # ACKed (enqueued), but not run: then the node stops and kills the command
    assert read_log(log) == []
    environ["FAKE_RUNTIME_SLEEP"] = "0"
    async with attached(codex_config(studio, tmp_path, fake_bin, "cx-restart",
                                      [{"id": "lobby", "wake": "mentions"}])[0], environ=environ):
        await eventually(lambda: "queued behind it" in "".join(r["stdin"] for r in read_log(log)), timeout=15)
    prompts = "".join(r["stdin"] for r in read_log(log))
    assert "long job" in prompts  # the killed run is replayed too (at-least-once)


def codex_adapter(tmp_path, fake_bin, environ) -> CodexAdapter:
    cfg = bridge("http://127.0.0.1:9", "cx-unit", {"kind": "codex", "command": str(fake_bin("codex", "codex_cli.py")),
                                                  "workspace_path": str(tmp_path / "ws"),
                                                  "home_path": str(tmp_path / "home")})
    return CodexAdapter(cfg, AttachmentClient(cfg, environ), environ)


def test_the_thread_id_comes_from_today_s_stream_and_older_keys_still_work():
    today = '{"type":"thread.started","thread_id":"0199a213-81c0-7800-8aa1-bbab2a035a53"}\n{"type":"turn.started"}\n'
    assert extract_session_id(today) == "0199a213-81c0-7800-8aa1-bbab2a035a53"
    assert extract_session_id('{"id":"0","msg":{"type":"session_configured","session_id":"c-1"}}') == "c-1"
    assert extract_session_id('{"event":{"type":"session.created","id":"c-2"}}') == "c-2"
    assert extract_session_id('{"type":"turn.started"}\nnot json\n') == ""


async def test_a_thread_codex_does_not_know_is_replaced_by_a_new_one(tmp_path, fake_bin, environ):
    """A store written by the old adapter (or by Go's node) holds ids Codex never gave: the resume is refused,
    the wake runs in a new thread, and that thread is the one continued afterwards."""
    adapter = codex_adapter(tmp_path, fake_bin, environ)
    key = adapter.key_for(room("lobby"))
    made_up = str(uuid.uuid4())
    adapter.store.put(key, made_up)
    await adapter.dispatch(key, "first")
    await adapter.dispatch(key, "second")
    refused, fresh, resumed = read_log(tmp_path / "runtime.log")
    assert refused["argv"][:2] == ["exec", "resume"] and refused["argv"][-2] == made_up and refused["exit"] == 1
    assert fresh["argv"][:2] == ["exec", "--json"] and fresh["stdin"] == "first"
    assert resumed["argv"][-2] == fresh["thread"] and resumed["previous_turns"] == 1 and resumed["exit"] == 0
    assert adapter.store.get(key) == fresh["thread"]


async def test_older_codex_streams_still_resume(tmp_path, fake_bin, environ):
    environ["FAKE_CODEX_LEGACY"] = "1"
    adapter = codex_adapter(tmp_path, fake_bin, environ)
    key = adapter.key_for(room("lobby"))
    await adapter.dispatch(key, "one")
    await adapter.dispatch(key, "two")
    one, two = read_log(tmp_path / "runtime.log")
    assert two["argv"][-2] == one["thread"] and two["exit"] == 0


async def test_no_id_is_invented_when_codex_names_no_thread(tmp_path, fake_bin, environ, caplog):
    adapter = codex_adapter(tmp_path, fake_bin, environ)
    silent = tmp_path / "codex-silent"
    silent.write_text("#!/bin/sh\ncat >/dev/null\necho '{\"type\":\"turn.started\"}'\n")
    silent.chmod(0o755)
    adapter.rt.command = str(silent)
    key = adapter.key_for(room("lobby"))
    await adapter.dispatch(key, "one")
    assert adapter.store.get(key) is None  # the next wake starts a new thread instead of resuming a made-up id
    assert any(r.getMessage() == "codex printed no thread id; the next wake starts a new thread"
               for r in caplog.records)
