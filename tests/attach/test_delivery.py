"""Event delivery, wakes, presence and removal (spec 05 §10–§12, §14; checklist 9–10, 15–16)."""

from __future__ import annotations

import time

import httpx
import pytest

from tests.support.attach import agent_event, dm, eventually, room, send
from tests.support.attachclient import Attachment, error_and_close

pytestmark = pytest.mark.live


def test_a_room_message_arrives_as_an_event_frame(none_server):
    att = Attachment(none_server.ws_url)
    att.identify("reader")
    accepted = send(none_server, room(), "hello room")
    frame = att.next_event()
    while frame["event"]["type"] != "message.created":
        frame = att.next_event()
    assert frame["op"] == "EVENT" and frame["version"] == "moltnet.attach.v1" and frame["capabilities"] == {}
    assert frame["network_id"] == "lab" and frame["cursor"] == frame["event"]["id"] == accepted["event_id"]
    assert frame["event"]["message"]["parts"] == [{"kind": "text", "text": "hello room"}]
    att.close()


def test_acking_a_mention_publishes_wake_delivered(none_server):
    observer = Attachment(none_server.ws_url)
    observer.identify("watcher-1")
    att = Attachment(none_server.ws_url)
    att.identify("vega", name="Vega")
    accepted = send(none_server, room(), "@vega look", mentions=["vega"])
    event = att.event_of_type("message.created")  # next_event ACKs it
    assert event["id"] == accepted["event_id"]
    delivered = agent_event(observer, "agent.wake.delivered", "vega")
    assert delivered["agent"] == {"agent_id": "vega", "network_id": "lab", "fqid": "molt://lab/agents/vega",
                                  "name": "Vega", "message_id": accepted["message_id"], "reason": "mention",
                                  "target": {"kind": "room", "room_id": "atrium"}}
    att.close()
    observer.close()


def test_closing_with_an_unacked_dm_publishes_wake_failed_then_disconnected(none_server):
    observer = Attachment(none_server.ws_url)
    observer.identify("watcher-2")
    att = Attachment(none_server.ws_url)
    att.identify("deneb")
    accepted = send(none_server, dm("altair", "deneb"), "psst", sender="altair")
    frame = att.next_event(ack=False, skip_types=("dm.created",))
    assert frame["event"]["id"] == accepted["event_id"]
    att.close()
    failed = agent_event(observer, "agent.wake.failed", "deneb")
    assert failed["agent"]["reason"] == "dm" and failed["agent"]["message_id"] == accepted["message_id"]
    assert failed["agent"]["error"] == "websocket: close 1000 (normal)"
    gone = agent_event(observer, "agent.disconnected", "deneb")
    assert gone["agent"]["reason"] == "client_closed" and "error" not in gone["agent"]
    observer.close()


def test_presence_follows_the_attachment(none_server):
    def connected() -> bool:
        return httpx.get(none_server.base_url + "/v1/agents/lyra").json().get("connected", False)

    att = Attachment(none_server.ws_url)
    att.identify("lyra")
    assert eventually(connected)
    att.close()
    assert eventually(lambda: not connected())


def test_removing_the_agent_ends_its_attachment(none_server):
    observer = Attachment(none_server.ws_url)
    observer.identify("watcher-3")
    att = Attachment(none_server.ws_url)
    att.identify("rigel")
    assert httpx.delete(none_server.base_url + "/v1/agents/rigel").status_code in (200, 204)
    assert error_and_close(att) == "agent was removed from the network"
    gone = agent_event(observer, "agent.disconnected", "rigel")
    assert gone["agent"]["reason"] == "agent_removed"
    observer.close()


def register_then_remove(server, agent_id: str) -> str:
    """Attach once (registering the agent), remove it, and return a cursor from before the removal."""
    first = Attachment(server.ws_url)
    first.identify(agent_id)
    first.close()
    cursor = send(server, room(), "before the removal")["event_id"]
    assert httpx.delete(f"{server.base_url}/v1/agents/{agent_id}").status_code == 200
    return cursor


def test_a_removal_replayed_from_an_old_cursor_ends_the_session_while_go_would_still_hold_it(none_server):
    cursor = register_then_remove(none_server, "mira")
    # The node resumes from before the removal, inside the newest 256 events: kicked, as in Go.
    att = Attachment(none_server.ws_url)
    att.identify("mira", cursor=cursor)
    assert error_and_close(att) == "agent was removed from the network"


def test_a_removal_older_than_the_replay_window_does_not_kick_the_agent_on_every_reconnect(none_server):
    cursor = register_then_remove(none_server, "nash")
    last = None
    for index in range(260):  # pushes the removal out of the 256 events Go's ring would hold
        last = send(none_server, room(), f"filler {index}")
    # The durable log still replays everything after the cursor, but the stale removal does not
    # end the session: this IDENTIFY registered the agent again.
    att = Attachment(none_server.ws_url)
    assert att.identify("nash", cursor=cursor)["op"] == "READY"
    # next_event raises on any non-EVENT frame (an ERROR would be the kick) and times out on a close.
    replayed = []
    seen = att.next_event(timeout=10)
    while seen["event"]["id"] != last["event_id"]:
        replayed.append(seen["event"])
        seen = att.next_event(timeout=10)
    fillers = [e["message"]["parts"][0]["text"] for e in replayed if e["type"] == "message.created"]
    assert fillers == [f"filler {index}" for index in range(259)]
    # Still attached after the replay: a new message arrives live.
    live = send(none_server, room(), "after the replay")
    assert att.event_of_type("message.created", timeout=10)["id"] == live["event_id"]
    att.close()


def test_open_mode_agent_sees_public_rooms_and_its_own_dms_only(open_server):
    luna = Attachment(open_server.ws_url)
    token = luna.identify("luna")["agent_token"]
    luna.close()
    luna = Attachment(open_server.ws_url, token)
    luna.identify("luna")
    ops = {"Authorization": "Bearer ops-secret"}
    httpx.post(open_server.base_url + "/v1/agents/register", json={"requested_agent_id": "ops"}, headers=ops)
    send(open_server, room("vault"), "private", sender="ops", token="ops-secret")
    send(open_server, dm("ops", "vega"), "not for luna", sender="ops", token="ops-secret")
    mine = send(open_server, dm("ops", "luna"), "for luna", sender="ops", token="ops-secret")
    members = httpx.patch(open_server.base_url + "/v1/rooms/vault/members", json={"add": ["orion"]}, headers=ops)
    assert members.status_code == 200  # a room.members.updated luna must not see
    public = send(open_server, room("atrium"), "public", sender="ops", token="ops-secret")
    seen = []
    while not seen or seen[-1]["id"] != public["event_id"]:
        seen.append(luna.next_event()["event"])
    assert [(e["type"], e.get("message", {}).get("id")) for e in seen] == [
        ("dm.created", None), ("message.created", mine["message_id"]),
        ("message.created", public["message_id"])]
    luna.close()


def test_server_shutdown_publishes_disconnect_and_frees_the_slot(tmp_path_factory):
    from tests.support.attach import NONE_CONFIG, start_live

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


def test_mode_none_with_public_read_filters_attachments(public_none_server):
    # Go's filtered variant without an auth context (05 §11.2): every live room counts as
    # readable, DMs are limited to the agent's own, and agent.* events are withheld.
    observer = Attachment(public_none_server.ws_url)
    observer.identify("luna")
    other = Attachment(public_none_server.ws_url)
    other.identify("orion")  # its agent.connected must not reach luna
    private = send(public_none_server, room("vault"), "private")
    send(public_none_server, dm("orion", "vega"), "between others")
    mine = send(public_none_server, dm("orion", "luna"), "for luna")
    public = send(public_none_server, room("atrium"), "public")
    seen = []
    while not seen or seen[-1]["id"] != public["event_id"]:
        seen.append(observer.next_event()["event"])
    assert [(e["type"], e.get("message", {}).get("id")) for e in seen] == [
        ("message.created", private["message_id"]), ("dm.created", None), ("message.created", mine["message_id"]),
        ("message.created", public["message_id"])]
    other.close()
    observer.close()
