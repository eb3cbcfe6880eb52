"""OpenClaw through a real server: signed gateway connect, `chat.send` per wake, final reply published."""

from __future__ import annotations

import asyncio
import json
import os

import pytest

from tests.node.fakes.openclaw import FakeOpenClaw
from tests.support.node import attached, bridge, eventually, history, post, room

pytestmark = pytest.mark.live


def dm_history(server, dm_id: str) -> list[dict]:
    with server.client() as http:
        return http.get(f"/v1/dms/{dm_id}/messages").json().get("messages", [])


async def test_openclaw_bootstraps_then_chats_and_publishes_the_final_reply(studio, tmp_path):
    gateway = await FakeOpenClaw(token="gw-token", reply="@writer looking now").start()
    try:
        cfg = bridge(studio, "claw-one", {"kind": "openclaw", "gateway_url": gateway.url, "token": "gw-token",
                                          "home_path": str(tmp_path / "claw")},
                     rooms=[{"id": "lobby", "wake": "all"}], dms={"enabled": True, "wake": "all"}, name="Claw")
        async with attached(cfg):
            assert len(gateway.sends) == 1  # bootstrap before the attachment opened
            thread = {"kind": "thread", "room_id": "lobby", "thread_id": "th_claw", "parent_message_id": "m0"}
            post(studio, thread, "threads never reach openclaw")
            sent = post(studio, room("lobby"), "build status?")
            await eventually(lambda: any(m["from"]["id"] == "claw-one" for m in history(studio, "lobby")))
            dm = {"kind": "dm", "dm_id": "dm_claw_writer", "participant_ids": ["writer", "claw-one"]}
            post(studio, dm, "a word in private")
            await eventually(lambda: len(gateway.sends) == 3)
            await eventually(lambda: any(m["from"]["id"] == "claw-one" for m in dm_history(studio, "dm_claw_writer")))
    finally:
        await gateway.stop()
    assert gateway.problems == []
    bootstrap, wake, private = gateway.sends
    assert private["sessionKey"] == "agent:main:moltnet:studio:dm:dm_claw_writer"
    assert bootstrap["idempotencyKey"] == "moltnet:claw-one:bootstrap:moltnet:studio:room:lobby"
    assert bootstrap["sessionKey"] == "agent:main:moltnet:studio:room:lobby"
    assert wake["sessionKey"] == "agent:main:moltnet:studio:room:lobby"
    assert wake["idempotencyKey"] == f"moltnet:claw-one:{sent['event_id']}"
    assert wake["message"].startswith("Channel: moltnet\nChat ID: studio:room:lobby\nFrom: molt://studio/agents/writer")
    assert gateway.connects[0]["client"]["instanceId"] == "moltnet-bridge-claw-one"
    reply = [m for m in history(studio, "lobby") if m["from"]["id"] == "claw-one"]
    assert [m["parts"] for m in reply] == [[{"kind": "text", "text": "@writer looking now"}]]
    identity = tmp_path / "claw" / ".moltnet" / "openclaw-device.json"
    assert json.loads(identity.read_text())["version"] == 1 and oct(os.stat(identity).st_mode & 0o777) == "0o600"


async def test_refused_gateway_connect_blocks_attaching_and_is_retried(studio, tmp_path, caplog):
    gateway = await FakeOpenClaw(token="the-right-token").start()
    try:
        cfg = bridge(studio, "claw-two", {"kind": "openclaw", "gateway_url": gateway.url, "token": "wrong",
                                          "home_path": str(tmp_path / "claw")}, rooms=[{"id": "lobby"}])
        async with attached(cfg, ready=False) as (runner,):
            await eventually(lambda: gateway.rejected >= 2, timeout=10)  # backed off and retried
            assert runner.client.cursor == "" and gateway.sends == []
            with studio.client() as http:
                assert http.get("/v1/agents/claw-two").status_code == 404  # never attached
    finally:
        await gateway.stop()
    warnings = [r for r in caplog.records if r.getMessage() == "openclaw bridge bootstrap error"]
    assert warnings and warnings[0].attrs["error"].args[0] == (
        "openclaw gateway connect failed (INVALID_REQUEST): unauthorized: gateway token mismatch")


async def test_gateway_frames_without_a_type_are_skipped_and_auth_is_omitted_without_a_token(tmp_path):
    """docs/protocol/runtimes.md §2.3: only frames that are not JSON objects (or have a non-string type) are decode
    errors."""
    from node.runtimes.openclaw.device import load_device
    from node.runtimes.openclaw.gateway import Gateway

    gateway = await FakeOpenClaw(reply="on it", preamble=[{"event": "health", "payload": {"ok": True}},
                                                          {"type": "event", "event": "tick"}]).start()
    try:
        reply = await Gateway(gateway.url, "", "scout", load_device(tmp_path / "device.json")).chat_send(
            "hello", "agent:main:moltnet:studio:room:lobby", "moltnet:scout:evt_1", await_final=True)
    finally:
        await gateway.stop()
    assert reply == "on it"
    assert gateway.problems == []
    assert "auth" not in gateway.connects[0]


async def chat(gateway: FakeOpenClaw, key: str, tmp_path, await_final: bool = True) -> str:
    from node.runtimes.openclaw.device import load_device
    from node.runtimes.openclaw.gateway import Gateway

    device = load_device(tmp_path / "device.json")
    return await Gateway(gateway.url, gateway.token, "scout", device).chat_send(
        "hello", "agent:main:moltnet:studio:room:lobby", key, await_final=await_final)


async def test_a_redelivered_event_of_a_finished_run_returns_at_once_with_nothing_to_publish(tmp_path):
    """Today's gateway acks a re-sent idempotencyKey with `status: "ok"` and sends no chat events (Go would wait
    5 minutes for a final that never comes, fail, and get the event re-delivered forever)."""
    gateway = await FakeOpenClaw(reply="first answer").start()
    try:
        assert await chat(gateway, "moltnet:scout:evt_7", tmp_path) == "first answer"
        assert await asyncio.wait_for(chat(gateway, "moltnet:scout:evt_7", tmp_path), 5) == ""
    finally:
        await gateway.stop()
    assert len(gateway.sends) == 1 and gateway.problems == [] and gateway.refusals == []


async def test_a_redelivery_while_the_run_is_still_going_waits_for_that_run(tmp_path):
    """A re-sent key that is still running is acked `in_flight` (no second run); its final reply still arrives."""
    gateway = await FakeOpenClaw(reply="one run only", delay=0.5).start()
    try:
        first = asyncio.create_task(chat(gateway, "moltnet:scout:evt_5", tmp_path))
        await asyncio.sleep(0.2)
        second = await asyncio.wait_for(chat(gateway, "moltnet:scout:evt_5", tmp_path), 5)
        assert (await first, second) == ("one run only", "one run only")
    finally:
        await gateway.stop()
    assert len(gateway.sends) == 1 and gateway.refusals == []


async def test_aborted_and_failed_runs(tmp_path):
    from node.runtimes.openclaw.gateway import GatewayError

    gateway = await FakeOpenClaw(reply="never shown", ending="aborted").start()
    try:
        assert await asyncio.wait_for(chat(gateway, "moltnet:scout:evt_8", tmp_path), 5) == ""
        gateway.ending = "error"
        with pytest.raises(GatewayError, match="^openclaw chat.send failed: model overloaded$"):
            await chat(gateway, "moltnet:scout:evt_9", tmp_path)
    finally:
        await gateway.stop()


async def test_an_event_without_an_id_still_gets_a_non_empty_idempotency_key(tmp_path):
    """Today's gateway refuses an empty idempotencyKey (Go sends "" for an event without an id)."""
    from node.client import AttachmentClient
    from node.runtimes.openclaw import OpenClawAdapter
    from node.runtimes.openclaw.gateway import GatewayError

    gateway = await FakeOpenClaw().start()
    try:
        with pytest.raises(GatewayError, match=r"^openclaw gateway chat.send failed \(INVALID_REQUEST\): "
                                               "invalid chat.send params: idempotencyKey"):
            await chat(gateway, "", tmp_path)
        cfg = bridge("http://127.0.0.1:9", "claw-three", {"kind": "openclaw", "gateway_url": gateway.url,
                                                          "home_path": str(tmp_path / "claw")})
        adapter = OpenClawAdapter(cfg, AttachmentClient(cfg, {}), environ={})
        await adapter.deliver({"id": "msg_0042", "target": room("lobby"), "from": {"type": "human", "id": "writer"},
                               "parts": [{"kind": "text", "text": "hi"}]})
    finally:
        await gateway.stop()
    assert [s["idempotencyKey"] for s in gateway.sends] == ["moltnet:claw-three:msg:msg_0042"]
