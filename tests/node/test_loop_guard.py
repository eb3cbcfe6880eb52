"""Messages the server's loop guard marked `over_budget` wake no runtime, whatever the wake policy."""

from __future__ import annotations

import pytest

from attach.wakes import wake_of
from node.client import AttachmentClient
from node.runtimes.base import Adapter
from node.wake import should_wake, tinyclaw_should_wake, wake_decision
from tests.node.test_wake import agent, event

TARGETS = [{"kind": "room", "room_id": "lobby"},                                     # wake: all
           {"kind": "thread", "room_id": "dev", "thread_id": "t1"},                    # wake: thread_only
           {"kind": "dm", "dm_id": "dm_1", "participant_ids": ["writer", "scout"]}]    # dms: all


def over(target: dict, **kw) -> dict:
    item = event(target, mentions=["molt://studio/agents/scout"], **kw)
    item["message"]["over_budget"] = True
    return item


@pytest.mark.parametrize("target", TARGETS)
def test_an_over_budget_message_wakes_nothing_under_any_policy(target):
    cfg = agent()
    assert should_wake(cfg, event(target, mentions=["molt://studio/agents/scout"]))  # the same message, in budget
    assert not should_wake(cfg, over(target))
    assert not should_wake(cfg, over(target), allow_threads=False)  # OpenClaw's variant
    assert not tinyclaw_should_wake(cfg, over(target))
    assert wake_decision(cfg, over(target)) == "over budget (the server's loop guard paused this conversation)"


def test_the_server_does_not_count_it_as_a_wake_either():
    mentioned = event({"kind": "room", "room_id": "lobby"}, mentions=["molt://studio/agents/scout"])
    assert wake_of(mentioned, "studio", "scout", "Scout") is not None
    assert wake_of(over({"kind": "room", "room_id": "lobby"}), "studio", "scout", "Scout") is None


class Recorder(Adapter):
    kind = "test"

    async def deliver(self, message: dict) -> None:
        self.woken.append(message["id"])


async def test_the_runtime_is_not_delivered_and_the_skip_is_logged(caplog):
    adapter = Recorder(agent(), AttachmentClient(agent()))
    adapter.woken = []
    await adapter.handle(over(TARGETS[0]))
    await adapter.handle(event(TARGETS[0]))
    assert adapter.woken == ["msg_1"]
    skipped = [r.attrs.get("reason") for r in caplog.records if r.getMessage() == "wake skipped"]
    assert skipped == ["over budget (the server's loop guard paused this conversation)"]
