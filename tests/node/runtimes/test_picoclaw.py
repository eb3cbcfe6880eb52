"""PicoClaw through a real server: the event socket (bootstrap first) and command mode's published tool calls."""

from __future__ import annotations

import pytest

from tests.node.fakes.picoclaw import FakePicoClaw
from tests.support.node import attached, bridge, eventually, history, join, post, read_log, room

pytestmark = pytest.mark.live


async def test_event_socket_gets_bootstrap_then_one_frame_per_wake(studio, tmp_path):
    home = tmp_path / "pico-home"
    pico = await FakePicoClaw(home=str(home)).start()  # a v0.2.5+ gateway: PID file with a per-run token
    try:
        cfg = bridge(studio, "pico-ev", {"kind": "picoclaw", "events_url": pico.url, "home_path": str(home)},
                     rooms=[{"id": "lobby", "wake": "all"}, {"id": "ops", "wake": "mentions"}])
        join(studio, "ops", "pico-ev")
        async with attached(cfg):
            assert len(pico.frames) == 1  # the bootstrap was delivered before attaching
            post(studio, room("ops"), "plain ops talk")
            thread = {"kind": "thread", "room_id": "ops", "thread_id": "th_pico", "parent_message_id": "m0"}
            post(studio, thread, "@pico-ev in a thread")
            await eventually(lambda: len(pico.frames) == 2)
    finally:
        await pico.stop()
    assert pico.errors == []
    bootstrap, wake = pico.frames
    assert bootstrap == {"type": "message.send", "session_id": "agent:pico-ev:studio:room:lobby", "payload": {
        "content": "Channel: moltnet\nChat ID: studio:room:lobby\n\n"
                   "Moltnet conversation attached. Use the `moltnet` skill in this conversation."}}
    assert wake["session_id"] == "agent:pico-ev:studio:thread:th_pico"
    assert wake["payload"]["content"].startswith("Channel: moltnet\nChat ID: studio:thread:th_pico\n")
    assert "Mentions: molt://studio/agents/pico-ev" in wake["payload"]["content"]
    handshake = pico.handshakes[1]
    composed = f"pico-{pico.run_token}spawnfile-internal-pico"  # pico-<gateway run token><channel token>
    assert handshake["raw_query"] == f"session_id=agent%3Apico-ev%3Astudio%3Athread%3Ath_pico&token={composed}"
    assert handshake["authorization"] == f"Bearer {composed}"
    assert handshake["subprotocol"] == f"token.{composed}"


async def test_a_channel_token_starting_with_pico_is_sent_as_is_and_the_token_never_reaches_the_log(studio,
                                                                                                   tmp_path, caplog):
    """PicoClaw leaves a configured `pico-…` token alone; a gateway restart (new run token) refuses the old one."""
    home = tmp_path / "pico-home"
    pico = await FakePicoClaw(token="pico-fixed-secret", home=str(home)).start()
    try:
        cfg = bridge(studio, "pico-fixed", {"kind": "picoclaw", "events_url": pico.url, "token": "pico-fixed-secret",
                                            "home_path": str(home)}, rooms=[{"id": "lobby", "wake": "all"}])
        async with attached(cfg):
            assert len(pico.frames) == 1
    finally:
        await pico.stop()
    assert pico.handshakes[0]["authorization"] == "Bearer pico-fixed-secret"
    restarted = await FakePicoClaw(token="channel-secret", home=str(tmp_path / "other")).start()
    try:
        cfg = bridge(studio, "pico-stale", {"kind": "picoclaw", "events_url": restarted.url, "token": "channel-secret",
                                            "home_path": str(home)}, rooms=[{"id": "lobby", "wake": "all"}])
        async with attached(cfg, ready=False):  # reads a PID file of another gateway run: refused, retried
            await eventually(lambda: len(restarted.handshakes) >= 2, timeout=10)
    finally:
        await restarted.stop()
    assert restarted.frames == []
    errors = [str(r.attrs["error"]) for r in caplog.records if r.getMessage() == "picoclaw bridge bootstrap error"]
    assert errors and all("token=***" in e and "channel-secret" not in e for e in errors)


async def test_command_mode_runs_picoclaw_agent_and_publishes_message_tool_calls(studio, tmp_path, fake_bin,
                                                                                environ):
    command = fake_bin("picoclaw", "picoclaw_cli.py")
    home = tmp_path / "pico-home"
    cfg = bridge(studio, "pico-cmd", {"kind": "picoclaw", "command": str(command), "config_path": "/etc/pico.json",
                                      "home_path": str(home)}, rooms=[{"id": "dev", "wake": "all"}])
    environ.update(FAKE_PICO_REPLY="@writer fixed it", FAKE_PICO_CHAT="studio:room:dev")
    log = tmp_path / "runtime.log"
    async with attached(cfg, environ=environ):
        post(studio, room("dev"), "can you fix the tests?")
        await eventually(lambda: any(m["from"]["id"] == "pico-cmd" for m in history(studio, "dev")))
    (run,) = read_log(log)  # command mode never bootstraps
    assert run["argv"][:4] == ["agent", "--session", "agent:pico-cmd:studio:room:dev", "--message"]
    assert run["argv"][4].endswith("Message:\ncan you fix the tests?")
    assert run["env"] == {"PICOCLAW_CONFIG": "/etc/pico.json", "HOME": str(home), "PICOCLAW_HOME": str(home),
                          "CODEX_HOME": str(home / ".codex")}
    published = [m for m in history(studio, "dev") if m["from"]["id"] == "pico-cmd"]
    assert [m["parts"][0]["text"] for m in published] == ["@writer fixed it"]


async def test_a_session_log_rewritten_during_the_run_publishes_nothing_and_fails_nothing(studio, tmp_path, fake_bin,
                                                                                           environ, caplog):
    """PicoClaw's history compaction replaces the JSONL file: reading from the old offset would misread it."""
    command = fake_bin("picoclaw", "picoclaw_cli.py")
    home = tmp_path / "pico-home"
    cfg = bridge(studio, "pico-compact", {"kind": "picoclaw", "command": str(command), "config_path": "/etc/p.json",
                                          "home_path": str(home)}, rooms=[{"id": "ops", "wake": "all"}])
    environ.update(FAKE_PICO_REPLY="@writer first", FAKE_PICO_CHAT="studio:room:ops")
    async with attached(cfg, environ=environ):
        post(studio, room("ops"), "one")
        await eventually(lambda: any(m["from"]["id"] == "pico-compact" for m in history(studio, "ops")))
        environ.update(FAKE_PICO_REPLY="@writer second", FAKE_PICO_COMPACT="1")
        post(studio, room("ops"), "two")
        await eventually(lambda: any(r.getMessage().startswith("picoclaw session log was rewritten")
                                     for r in caplog.records))
    assert len(read_log(tmp_path / "runtime.log")) == 2  # ran once each: no failure, no re-delivery
    published = [m["parts"][0]["text"] for m in history(studio, "ops") if m["from"]["id"] == "pico-compact"]
    assert published == ["@writer first"]


async def test_refused_event_socket_blocks_attaching_and_is_retried(studio, caplog):
    pico = await FakePicoClaw(token="expected-token").start()
    try:
        cfg = bridge(studio, "pico-refused", {"kind": "picoclaw", "events_url": pico.url, "token": "wrong-token"},
                     rooms=[{"id": "lobby", "wake": "all"}])
        async with attached(cfg, ready=False):
            await eventually(lambda: len(pico.handshakes) >= 2, timeout=10)
            with studio.client() as http:
                assert http.get("/v1/agents/pico-refused").status_code == 404  # not attached before bootstrap
    finally:
        await pico.stop()
    assert pico.frames == []
    warning = next(r for r in caplog.records if r.getMessage() == "picoclaw bridge bootstrap error")
    assert str(warning.attrs["error"]).startswith(f"connect pico websocket {pico.url}?session_id=")
    assert str(warning.attrs["error"]).endswith("(status 401 Unauthorized)")


def test_message_tool_calls_to_a_blank_room_are_skipped():
    """docs/protocol/runtimes.md §3.3 step 5: `room:` without an id is not a target (Go skips it; posting it would
    fail the wake)."""
    import json

    from node.runtimes.picoclaw import tool_call_messages

    def call(arguments) -> dict:
        return {"function": {"name": "message", "arguments": arguments}}

    line = json.dumps({"role": "assistant", "tool_calls": [
        call(json.dumps({"channel": "moltnet", "chat_id": "studio:room:", "content": "lost"})),
        call({"channel": "moltnet", "chat_id": "room:dev", "content": "@writer done"})]})
    assert tool_call_messages([line], "studio", room("lobby")) == [({"kind": "room", "room_id": "dev"}, "@writer done")]


def test_malformed_session_entries_are_skipped_but_a_non_json_line_fails_the_delivery():
    """README "Differences": JSON that is not an object (line or tool arguments) is skipped; Go fails the wake."""
    import json

    from node.runtimes.picoclaw import tool_call_messages

    good = {"function": {"name": "message", "arguments": {"chat_id": "", "content": "kept"}}}
    lines = ["[1, 2]", json.dumps({"tool_calls": [{"function": {"name": "message", "arguments": "not json"}},
                                                   {"function": {"name": "message", "arguments": "[1]"}}, good]})]
    assert tool_call_messages(lines, "studio", room("lobby")) == [(room("lobby"), "kept")]
    with pytest.raises(RuntimeError, match="^decode picoclaw session JSONL line: "):
        tool_call_messages(["{not json"], "studio", room("lobby"))


def test_event_socket_url_keeps_other_query_parameters():
    """docs/protocol/runtimes.md §3.2 step 1: `session_id` and `token` are set; other parameters, repeated ones too,
    survive."""
    from node.runtimes.picoclaw import events_url

    url = events_url("ws://127.0.0.1:18990/pico/ws?tag=a&token=old&tag=b", "agent:scout:studio:room:lobby", "t k")
    assert url == ("ws://127.0.0.1:18990/pico/ws?session_id=agent%3Ascout%3Astudio%3Aroom%3Alobby&tag=a&tag=b"
                   "&token=t+k")
