"""Small helpers shared by the attachment tests: sending messages and waiting for agent events."""

from __future__ import annotations

import time
import uuid

import httpx

from tests.support.attachclient import Attachment


def send(server, target: dict, text: str = "hello", *, sender: str = "orion", token: str | None = None,
         mentions: list[str] | None = None, message_id: str | None = None) -> dict:
    body = {"id": message_id or "msg_" + uuid.uuid4().hex, "target": target,
            "from": {"type": "agent", "id": sender}, "parts": [{"kind": "text", "text": text}]}
    if mentions:
        body["mentions"] = mentions
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    response = httpx.post(server.base_url + "/v1/messages", json=body, headers=headers, timeout=10)
    assert response.status_code == 202, response.text
    return response.json()


def room(room_id: str = "atrium") -> dict:
    return {"kind": "room", "room_id": room_id}


def dm(*participants: str) -> dict:
    return {"kind": "dm", "dm_id": "dm_" + uuid.uuid4().hex[:10], "participant_ids": list(participants)}


def agent_event(observer: Attachment, event_type: str, agent_id: str, timeout: float = 5) -> dict:
    """The next `event_type` event about `agent_id` seen by an observing attachment."""
    deadline = time.monotonic() + timeout
    while True:
        event = observer.event_of_type(event_type, timeout=max(0.01, deadline - time.monotonic()))
        if event["agent"]["agent_id"] == agent_id:
            return event


def eventually(check, timeout: float = 5, interval: float = 0.1):
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(interval)
