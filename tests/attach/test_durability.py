"""Kill -9 while messages flow: nothing accepted is lost or doubled, and a cursor replays it all
in order (issue 4 item 7)."""

from __future__ import annotations

import threading
import time

import httpx
import pytest
from websockets.exceptions import ConnectionClosed

from tests.support.attach import NONE_CONFIG, room, start_live
from tests.support.attachclient import Attachment

pytestmark = pytest.mark.live

COUNT = 60
INTERVAL = 0.02


def steady_sender(server, accepted: list[str], stop: threading.Event) -> None:
    """Post COUNT messages with client-chosen ids, retrying each until the server answers 202."""
    with httpx.Client(timeout=3) as client:
        for i in range(COUNT):
            body = {"id": f"msg_steady_{i:03d}", "target": room(), "from": {"type": "agent", "id": "orion"},
                    "parts": [{"kind": "text", "text": f"steady {i}"}]}
            while not stop.is_set():
                try:
                    if client.post(server.base_url + "/v1/messages", json=body).status_code == 202:
                        accepted.append(body["id"])
                        break
                except httpx.HTTPError:
                    pass  # the server is down: retry the same id (idempotent) until it is back
                time.sleep(INTERVAL)
            time.sleep(INTERVAL)


def drain(att: Attachment, received: list[str], cursor: list[str]) -> None:
    """Collect message ids until the socket dies, remembering the last cursor."""
    try:
        while True:
            frame = att.next_event(timeout=30)
            cursor[0] = frame["cursor"]
            if frame["event"]["type"] == "message.created":
                received.append(frame["event"]["message"]["id"])
    except (ConnectionClosed, TimeoutError):
        pass


def history(server) -> list[str]:
    ids, before = [], ""
    while True:
        page = httpx.get(server.base_url + "/v1/rooms/atrium/messages",
                         params={"limit": 500, **({"before": before} if before else {})}).json()
        ids = [m["id"] for m in page["messages"]] + ids
        if not page["page"].get("has_more"):
            return ids
        before = page["page"]["next_before"]


def test_sigkill_during_steady_sends_loses_and_duplicates_nothing(tmp_path_factory):
    server = start_live(tmp_path_factory, NONE_CONFIG, "durable")
    try:
        att = Attachment(server.ws_url)
        att.identify("keeper")
        received: list[str] = []
        cursor = [""]
        reader = threading.Thread(target=drain, args=(att, received, cursor), daemon=True)
        reader.start()
        accepted: list[str] = []
        stop = threading.Event()
        sender = threading.Thread(target=steady_sender, args=(server, accepted, stop), daemon=True)
        sender.start()
        while len(accepted) < 15:
            time.sleep(0.01)
        server.kill()
        reader.join(timeout=15)
        before_kill = list(received)
        server.start()
        sender.join(timeout=60)
        stop.set()
        assert len(accepted) == COUNT

        stored = [m for m in history(server) if m.startswith("msg_steady_")]
        assert sorted(stored) == sorted(accepted) and len(set(stored)) == len(stored)

        resumed = Attachment(server.ws_url)
        assert resumed.identify("keeper", cursor=cursor[0])["op"] == "READY"
        after: list[str] = []
        while len(before_kill) + len(after) < COUNT:
            event = resumed.next_event(timeout=10)["event"]
            if event["type"] == "message.created":
                after.append(event["message"]["id"])
        assert before_kill + after == accepted  # every accepted message, in order, exactly once
        resumed.close()
    finally:
        server.stop()
