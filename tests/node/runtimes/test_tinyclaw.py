"""TinyClaw native mode through a real server: inbound POSTs, and its pending replies drained but never published."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from node.client import AttachmentClient
from node.runtimes.tinyclaw import TinyClawAdapter
from tests.node.fakes.services import FakeTinyClaw
from tests.support.node import attached, bridge, eventually, history, post, room

pytestmark = pytest.mark.live


@pytest.fixture
def tinyclaw():
    fake = FakeTinyClaw(preloaded=25)
    yield fake
    fake.stop()


async def test_tinyclaw_inbound_and_pending_queue_drain(studio, tinyclaw):
    cfg = bridge(studio, "tiny-one", {"kind": "tinyclaw", "inbound_url": f"{tinyclaw.base}/api/message",
                                      "token": "tc-secret"},
                 rooms=[{"id": "lobby", "wake": "all"}, {"id": "dev", "wake": "thread_only"}],
                 dms={"enabled": True, "wake": "all"})
    async with attached(cfg):
        post(studio, room("dev"), "room-level chatter")  # thread_only: not delivered
        sent = post(studio, room("lobby"), "hello tiny")
        dm = {"kind": "dm", "dm_id": "dm_other", "participant_ids": ["writer", "someone"]}
        post(studio, dm, "no participant check for tinyclaw")
        await eventually(lambda: len(tinyclaw.inbound()) == 2)
        await eventually(lambda: not tinyclaw.pending, timeout=6)  # 25 seeded + 2 replies, ≤ 20 per poll
        await asyncio.sleep(0.3)
    lobby, private = tinyclaw.inbound()
    assert lobby == {"message": lobby["message"], "agent": "tiny-one", "sender": "writer", "senderId": "room:lobby",
                     "channel": "moltnet", "messageId": sent["message_id"]}
    assert lobby["message"].startswith("Channel: moltnet\nChat ID: studio:room:lobby\n")
    assert lobby["message"].endswith("Message:\nhello tiny")
    assert private["senderId"] == "dm:dm_other"
    assert max(tinyclaw.acks_per_poll) == 20 and sorted(tinyclaw.acked) == list(range(1, 28))
    # docs/protocol/runtimes.md §4.1: the bearer goes on every request (today's TinyClaw has no auth and ignores it).
    assert all(r["headers"].get("Authorization") == "Bearer tc-secret" for r in tinyclaw.requests)
    assert all(not m["parts"][0]["text"].startswith("native reply") for m in history(studio, "lobby"))


async def test_outbound_poll_errors_read_like_go():
    """The WARN `tinyclaw bridge outbound poll error` carries Go's texts (docs/protocol/runtimes.md §4.2). Today's
    TinyClaw only
    lists integer ids; string ids (which the protocol allows, docs/protocol/runtimes.md §4) are decoded
    and checked all the same."""
    fake = FakeTinyClaw(broken_acks=True)
    try:
        cfg = bridge("http://127.0.0.1:9", "tiny-two", {"kind": "tinyclaw", "inbound_url": f"{fake.base}/api/message"})
        adapter = TinyClawAdapter(cfg, AttachmentClient(cfg, {}))
        async with httpx.AsyncClient(timeout=5) as http:
            fake.pending = [{"id": 7, "channel": "moltnet"}, {"id": "bad id", "channel": "moltnet"}]
            with pytest.raises(RuntimeError) as info:
                await adapter.poll_once(http)
            assert str(info.value) == ("decode tinyclaw pending responses: invalid pending response id: "
                                       "id must match [A-Za-z0-9][A-Za-z0-9._:-]{0,127}")
            fake.pending = [{"id": True, "channel": "moltnet"}]
            with pytest.raises(RuntimeError) as info:
                await adapter.poll_once(http)
            assert str(info.value) == "decode tinyclaw pending responses: unsupported pending response id true"
            fake.pending = [{"id": 7, "channel": "moltnet"}, {"id": "r_8", "channel": "moltnet"}]
            with pytest.raises(RuntimeError) as info:
                await adapter.poll_once(http)
            assert str(info.value) == "tinyclaw request returned 500 Internal Server Error"
    finally:
        fake.stop()
    acks = [r["path"] for r in fake.requests if r["method"] == "POST"]
    assert acks == ["/api/responses/7/ack"]  # a bad id fails the whole poll; the first refused ACK stops it
