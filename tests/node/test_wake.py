"""Wake filtering: room policies, DMs, the agent's own messages and server-resolved mentions (docs/protocol/node.md
§8)."""

from __future__ import annotations

import pytest

from node.config import BridgeConfig, DMBinding, MoltnetBlock, RoomBinding
from node.wake import should_wake, tinyclaw_should_wake


def agent(dms: DMBinding | None = DMBinding(True, "all")) -> BridgeConfig:
    rooms = [RoomBinding("lobby", "all"), RoomBinding("ops", "mentions"), RoomBinding("dev", "thread_only"),
             RoomBinding("alerts", "never"), RoomBinding("lobby", "never")]
    return BridgeConfig(version="v", agent_id="scout", agent_name="Scout",
                        moltnet=MoltnetBlock(base_url="http://x", network_id="studio"), rooms=rooms, dms=dms)


def event(target: dict, sender: str = "writer", mentions: list | None = None, net: str = "studio",
          kind: str = "message.created") -> dict:
    message = {"id": "msg_1", "network_id": net, "target": target, "from": {"type": "agent", "id": sender},
               "parts": [{"kind": "text", "text": "hi"}]}
    if mentions is not None:
        message["mentions"] = mentions
    return {"id": "evt_1", "type": kind, "message": message}


ROOM = {"kind": "room", "room_id": "lobby"}


@pytest.mark.parametrize(("room", "kind", "mentions", "woken"), [
    ("lobby", "room", None, True),           # first binding wins over the later `never`
    ("lobby", "thread", None, True),
    ("ops", "room", None, False),
    ("ops", "room", ["molt://studio/agents/scout"], True),
    ("ops", "thread", ["studio:scout"], True),
    ("ops", "room", ["Scout"], True),
    ("ops", "room", ["molt://other/agents/scout"], False),  # same id on another network
    ("dev", "room", None, False),
    ("dev", "thread", None, True),
    ("alerts", "room", ["scout"], False),
    ("unbound", "room", ["scout"], False),
])
def test_room_policies(room, kind, mentions, woken):
    target = {"kind": kind, "room_id": room, "thread_id": "th_1"}
    assert should_wake(agent(), event(target, mentions=mentions)) is woken


def test_own_messages_other_networks_and_other_events_are_skipped():
    cfg = agent()
    for sender in ("scout", "studio:scout", "molt://studio/agents/scout", " scout "):
        assert not should_wake(cfg, event(ROOM, sender=sender))
    assert should_wake(cfg, event(ROOM, sender="molt://other/agents/scout"))
    assert not should_wake(cfg, event(ROOM, net="other"))
    assert not should_wake(cfg, event(ROOM, kind="room.created"))


@pytest.mark.parametrize(("dms", "participants", "woken"), [
    (DMBinding(True, "all"), ["writer", "scout"], True),
    (DMBinding(True, ""), ["writer", "molt://studio/agents/scout"], True),
    (DMBinding(True, "mentions"), ["writer", "Scout"], True),
    (DMBinding(True, "never"), ["writer", "scout"], False),
    (DMBinding(True, "thread_only"), ["writer", "scout"], False),
    (DMBinding(False, "all"), ["writer", "scout"], False),
    (None, ["writer", "scout"], False),
    (DMBinding(True, "all"), ["writer", "builder"], False),  # someone else's DM
])
def test_dm_wakes(dms, participants, woken):
    target = {"kind": "dm", "dm_id": "dm_1", "participant_ids": participants}
    assert should_wake(agent(dms), event(target)) is woken


def test_openclaw_never_gets_threads():
    assert not should_wake(agent(), event({"kind": "thread", "room_id": "lobby", "thread_id": "t"}),
                           allow_threads=False)


def test_tinyclaw_deviation_exact_self_skip_and_no_participant_check():
    cfg = agent()
    assert not tinyclaw_should_wake(cfg, event(ROOM, sender="scout"))
    assert tinyclaw_should_wake(cfg, event(ROOM, sender="studio:scout"))
    assert tinyclaw_should_wake(cfg, event({"kind": "dm", "dm_id": "d", "participant_ids": ["a", "b"]}))



async def test_every_wake_and_every_skipped_message_is_logged_with_its_reason(caplog):
    from node.client import AttachmentClient
    from node.runtimes.base import Adapter

    woken = []

    class Runtime(Adapter):
        kind = "test"

        async def deliver(self, message: dict) -> None:
            woken.append(message["id"])

    cfg = agent()
    adapter = Runtime(cfg, AttachmentClient(cfg))
    text = event({"kind": "room", "room_id": "ops"})
    text["message"]["parts"] = [{"kind": "text", "text": "@scout can you check the build?"}]
    for item in (event(ROOM), event(ROOM, sender="scout"), text, event({"kind": "room", "room_id": "stage"}),
                 event(ROOM, kind="agent.connected"), event({"kind": "room", "room_id": "alerts"})):
        await adapter.handle(item)
    assert woken == ["msg_1"]
    lines = [(r.levelname, r.getMessage(), r.attrs.get("reason", "")) for r in caplog.records]
    assert lines[0] == ("INFO", "wake", "")
    assert [reason for level, msg, reason in lines[1:]] == [
        "own message",
        "not mentioned (wake: mentions): @scout is in the text but the server resolved no mention, because mentions "
        "resolve to room members only and 'scout' is not a member of 'ops'",
        "room 'stage' is not bound",
        "wake: never",
    ]  # events that are not messages (agent.connected) are not logged
    assert all(level == "INFO" and msg == "wake skipped" for level, msg, _ in lines[1:])
