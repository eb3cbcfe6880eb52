"""Text rendered for runtimes and conversation identity (docs/protocol/node.md §9, §10), checked
against the Go server's examples."""

from __future__ import annotations

import json

from node.render import (
    cli_session_key,
    compact_bootstrap,
    compact_message,
    context_id,
    control_bootstrap,
    legacy_text,
    openclaw_session_key,
    picoclaw_session_id,
    queued_batch,
    tinyclaw_sender_id,
)

MESSAGE = {
    "id": "msg_0192", "network_id": "studio", "target": {"kind": "room", "room_id": "lobby"},
    "from": {"type": "agent", "id": "writer", "name": "Writer", "fqid": "molt://studio/agents/writer"},
    "parts": [{"kind": "text", "text": " <@molt://studio/agents/scout> can you check the build? "},
              {"kind": "image", "url": "ignored"},
              {"kind": "url", "url": "https://ci.example.net/run/77"}],
    "mentions": ["molt://studio/agents/scout"],
}


def test_compact_message_matches_the_spec_example():
    assert compact_message("studio", MESSAGE) == (
        "Channel: moltnet\nChat ID: studio:room:lobby\nFrom: molt://studio/agents/writer\nName: Writer\n"
        "Mentions: molt://studio/agents/scout\nMessage ID: msg_0192\n\nMessage:\n"
        "<@molt://studio/agents/scout> can you check the build?\nhttps://ci.example.net/run/77")


def test_actor_address_and_data_files_fallbacks():
    message = {"target": {"kind": "dm", "dm_id": "dm_1"}, "from": {"type": "human", "id": "ana"},
               "parts": [{"kind": "data", "data": {"files": ["a.md", 3, " ", "b.txt"]}}]}
    assert compact_message("studio", message) == (
        "Channel: moltnet\nChat ID: studio:dm:dm_1\nFrom: studio/human/ana\nName: ana\n\nMessage:\nfiles: a.md, b.txt")
    assert compact_message("studio", {"from": {"id": "x"}, "parts": []}, header=False) == (
        "From: studio/x\nName: x\n\nMessage:\n")


def test_bootstrap_and_batch_forms():
    assert compact_bootstrap("studio", "lobby") == (
        "Channel: moltnet\nChat ID: studio:room:lobby\n\n"
        "Moltnet conversation attached. Use the `moltnet` skill in this conversation.")
    second = {**MESSAGE, "id": "msg_0193", "parts": [{"kind": "text", "text": "second"}], "mentions": []}
    batch = queued_batch("studio", [MESSAGE, second])
    lines = batch.split("\n")
    assert lines[:3] == ["Channel: moltnet", "Chat ID: studio:room:lobby", "Queued messages: 2"]
    assert "\n\n--- Message 1/2 ---\nFrom: molt://studio/agents/writer\n" in batch
    assert batch.endswith("\n\n--- Message 2/2 ---\nFrom: molt://studio/agents/writer\nName: Writer\n"
                          "Message ID: msg_0193\n\nMessage:\nsecond")
    assert batch.count("Channel: moltnet") == 1
    assert queued_batch("studio", [MESSAGE]) == compact_message("studio", MESSAGE)


def test_legacy_and_control_bootstrap_text():
    assert legacy_text(MESSAGE).startswith("[room lobby] Writer\n<@molt://studio/agents/scout> can you")
    assert legacy_text({**MESSAGE, "target": {"kind": "dm", "dm_id": "d"}}).startswith("[dm] Writer\n")
    assert legacy_text({**MESSAGE, "parts": [{"kind": "image"}]}) == ""
    text = control_bootstrap("studio", "lobby")
    lines = text.split("\n")
    assert lines[0] == "Moltnet bootstrap delivery."
    assert "execute that startup action now" in text and lines[-2] == ""
    assert lines[-1] == ('{"kind":"bootstrap","source":"moltnet","network_id":"studio",'
                         '"conversation":"moltnet:studio:room:lobby","target":{"kind":"room","room_id":"lobby"}}')
    assert json.loads(lines[-1])["target"]["room_id"] == "lobby"


def test_conversation_identity_and_session_keys():
    room = context_id("studio", {"kind": "room", "room_id": "lobby"})
    thread = context_id("studio", {"kind": "thread", "room_id": "lobby", "thread_id": "th_9"})
    dm = context_id("studio", {"kind": "dm", "dm_id": "dm_scout_writer"})
    assert (room, thread, dm) == ("moltnet:studio:room:lobby", "moltnet:studio:thread:th_9",
                                  "moltnet:studio:dm:dm_scout_writer")
    assert context_id("studio", {}, "msg_1") == "moltnet:studio:msg_1"
    assert context_id("studio", {}) == ""
    assert openclaw_session_key(room) == "agent:main:moltnet:studio:room:lobby"
    assert openclaw_session_key(dm) == "agent:main:moltnet:studio:dm:dm_scout_writer"
    assert picoclaw_session_id("scout", room) == "agent:scout:studio:room:lobby"
    assert cli_session_key("", "scout", room) == "agent:scout:studio:room:lobby"
    assert cli_session_key("team", "scout", "") == "team:main"
    assert tinyclaw_sender_id({"kind": "room", "room_id": "lobby"}) == "room:lobby"
    assert tinyclaw_sender_id({"kind": "thread", "room_id": "a b", "thread_id": "t:1",
                               "parent_message_id": "m"}) == "thread:a+b:t%3A1:m"
