"""Event delivery, wakes, presence and removal (docs/protocol/attach.md §10–§12, §14; checklist 9–10, 15–16).

In-process (Channels' WebsocketCommunicator on AttachConsumer), except the server shutdown, which
stops a live `moltnet start`.
"""

from __future__ import annotations

import time

import httpx
import pytest

from tests.support import inprocess
from tests.support.attach import NONE_CONFIG, dm, eventually, room, start_live
from tests.support.attachclient import Attachment
from tests.support.inprocess import Session, agent_event, error_and_close

pytestmark = pytest.mark.django_db(transaction=True)


async def test_a_room_message_arrives_as_an_event_frame(none_network):
    att = await Session.open()
    await att.identify("reader")
    accepted = await inprocess.send(room(), "hello room")
    frame = await att.next_event()
    while frame["event"]["type"] != "message.created":
        frame = await att.next_event()
    assert frame["op"] == "EVENT" and frame["version"] == "moltnet.attach.v1" and frame["capabilities"] == {}
    assert frame["network_id"] == "lab" and frame["cursor"] == frame["event"]["id"] == accepted["event_id"]
    assert frame["event"]["message"]["parts"] == [{"kind": "text", "text": "hello room"}]
    await att.close()


async def test_acking_a_mention_publishes_wake_delivered(none_network):
    observer = await Session.open()
    await observer.identify("watcher-1")
    att = await Session.open()
    await att.identify("vega", name="Vega")
    accepted = await inprocess.send(room(), "@vega look", mentions=["vega"])
    event = await att.event_of_type("message.created")  # next_event ACKs it
    assert event["id"] == accepted["event_id"]
    delivered = await agent_event(observer, "agent.wake.delivered", "vega")
    assert delivered["agent"] == {"agent_id": "vega", "network_id": "lab", "fqid": "molt://lab/agents/vega",
                                  "name": "Vega", "message_id": accepted["message_id"], "reason": "mention",
                                  "target": {"kind": "room", "room_id": "atrium"}}
    await att.close()
    await observer.close()


async def test_closing_with_an_unacked_dm_publishes_wake_failed_then_disconnected(none_network):
    observer = await Session.open()
    await observer.identify("watcher-2")
    att = await Session.open()
    await att.identify("deneb")
    accepted = await inprocess.send(dm("altair", "deneb"), "psst", sender="altair")
    frame = await att.next_event(ack=False, skip_types=("dm.created",))
    assert frame["event"]["id"] == accepted["event_id"]
    await att.close()
    failed = await agent_event(observer, "agent.wake.failed", "deneb")
    assert failed["agent"]["reason"] == "dm" and failed["agent"]["message_id"] == accepted["message_id"]
    assert failed["agent"]["error"] == "websocket: close 1000 (normal)"
    gone = await agent_event(observer, "agent.disconnected", "deneb")
    assert gone["agent"]["reason"] == "client_closed" and "error" not in gone["agent"]
    await observer.close()


async def test_presence_follows_the_attachment(none_network):
    async def connected() -> bool:
        return (await inprocess.call("GET", "/v1/agents/lyra")).json().get("connected", False)

    att = await Session.open()
    await att.identify("lyra")
    assert await inprocess.eventually(connected)
    await att.close()
    async def disconnected() -> bool:
        return not await connected()

    assert await inprocess.eventually(disconnected)


async def test_removing_the_agent_ends_its_attachment(none_network):
    observer = await Session.open()
    await observer.identify("watcher-3")
    att = await Session.open()
    await att.identify("rigel")
    assert (await inprocess.call("DELETE", "/v1/agents/rigel")).status_code in (200, 204)
    assert await error_and_close(att) == "agent was removed from the network"
    gone = await agent_event(observer, "agent.disconnected", "rigel")
    assert gone["agent"]["reason"] == "agent_removed"
    await observer.close()


async def register_then_remove(agent_id: str) -> str:
    """Attach once (registering the agent), remove it, and return a cursor from before the removal."""
    first = await Session.open()
    await first.identify(agent_id)
    await first.close()
    cursor = (await inprocess.send(room(), "before the removal"))["event_id"]
    assert (await inprocess.call("DELETE", f"/v1/agents/{agent_id}")).status_code == 200
    return cursor


async def test_a_removal_replayed_from_an_old_cursor_ends_the_session_while_go_would_still_hold_it(none_network):
    cursor = await register_then_remove("mira")
    # The node resumes from before the removal, inside the newest 256 events: kicked, as in Go.
    att = await Session.open()
    await att.identify("mira", cursor=cursor)
    assert await error_and_close(att) == "agent was removed from the network"


async def test_a_removal_older_than_the_replay_window_does_not_kick_the_agent_on_every_reconnect(none_network):
    cursor = await register_then_remove("nash")
    last = None
    for index in range(260):  # pushes the removal out of the 256 events Go's ring would hold
        last = await inprocess.send(room(), f"filler {index}")
    # The durable log still replays everything after the cursor, but the stale removal does not
    # end the session: this IDENTIFY registered the agent again.
    att = await Session.open()
    assert (await att.identify("nash", cursor=cursor))["op"] == "READY"
    # next_event raises on any non-EVENT frame (an ERROR would be the kick) and times out on a close.
    replayed = []
    seen = await att.next_event(timeout=10)
    while seen["event"]["id"] != last["event_id"]:
        replayed.append(seen["event"])
        seen = await att.next_event(timeout=10)
    fillers = [e["message"]["parts"][0]["text"] for e in replayed if e["type"] == "message.created"]
    assert fillers == [f"filler {index}" for index in range(259)]
    # Still attached after the replay: a new message arrives live.
    live = await inprocess.send(room(), "after the replay")
    assert (await att.event_of_type("message.created", timeout=10))["id"] == live["event_id"]
    await att.close()


async def test_open_mode_agent_sees_public_rooms_and_its_own_dms_only(open_network):
    luna = await Session.open()
    token = (await luna.identify("luna"))["agent_token"]
    await luna.close()
    luna = await Session.open(token)
    await luna.identify("luna")
    await inprocess.call("POST", "/v1/agents/register", {"requested_agent_id": "ops"}, token="ops-secret")
    await inprocess.send(room("vault"), "private", sender="ops", token="ops-secret")
    await inprocess.send(dm("ops", "vega"), "not for luna", sender="ops", token="ops-secret")
    mine = await inprocess.send(dm("ops", "luna"), "for luna", sender="ops", token="ops-secret")
    members = await inprocess.call("PATCH", "/v1/rooms/vault/members", {"add": ["orion"]}, token="ops-secret")
    assert members.status_code == 200  # a room.members.updated luna must not see
    public = await inprocess.send(room("atrium"), "public", sender="ops", token="ops-secret")
    seen = []
    while not seen or seen[-1]["id"] != public["event_id"]:
        seen.append((await luna.next_event())["event"])
    assert [(e["type"], e.get("message", {}).get("id")) for e in seen] == [
        ("dm.created", None), ("message.created", mine["message_id"]),
        ("message.created", public["message_id"])]
    await luna.close()


async def test_mode_none_with_public_read_filters_attachments(public_none_network):
    # Go's filtered variant without an auth context (docs/protocol/attach.md §11.2): every live room counts as
    # readable, DMs are limited to the agent's own, and agent.* events are withheld.
    observer = await Session.open()
    await observer.identify("luna")
    other = await Session.open()
    await other.identify("orion")  # its agent.connected must not reach luna
    private = await inprocess.send(room("vault"), "private")
    await inprocess.send(dm("orion", "vega"), "between others")
    mine = await inprocess.send(dm("orion", "luna"), "for luna")
    public = await inprocess.send(room("atrium"), "public")
    seen = []
    while not seen or seen[-1]["id"] != public["event_id"]:
        seen.append((await observer.next_event())["event"])
    assert [(e["type"], e.get("message", {}).get("id")) for e in seen] == [
        ("message.created", private["message_id"]), ("dm.created", None), ("message.created", mine["message_id"]),
        ("message.created", public["message_id"])]
    await other.close()
    await observer.close()


@pytest.mark.live
def test_server_shutdown_publishes_disconnect_and_frees_the_slot(tmp_path_factory):
    server = start_live(tmp_path_factory, NONE_CONFIG, "shutdown")
    try:
        att = Attachment(server.ws_url)
        att.identify("leaver")
        assert eventually(lambda: httpx.get(server.base_url + "/v1/agents/leaver").json().get("connected"))
        time.sleep(1)
        server.stop()
        server.start()
        events = []
        stream_att = Attachment(server.ws_url)
        stream_att.identify("after", cursor="evt_gap_")  # replays the newest window
        while True:
            event = stream_att.next_event()["event"]
            agent = event.get("agent", {})
            events.append((event["type"], agent.get("agent_id"), agent.get("reason")))
            if event["type"] == "agent.connected" and event["agent"]["agent_id"] == "after":
                break
        assert ("agent.disconnected", "leaver", "request_context_done") in events
        again = Attachment(server.ws_url)
        assert again.identify("leaver")["op"] == "READY"
        again.close()
        stream_att.close()
    finally:
        server.stop()
