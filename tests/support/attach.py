"""Attachment test helpers: the networks the live attach tests run, sending messages, waiting for agent events."""

from __future__ import annotations

import textwrap
import time
import uuid

import httpx

from tests.support.attachclient import Attachment
from tests.support.live import REPO, LiveServer

NONE_CONFIG = """
version: moltnet.v1
network: {id: lab, name: Lab}
server: {debug_events: true}
auth: {mode: none}
storage: {kind: sqlite, sqlite: {path: ./data/moltnet.db}}
rooms:
  - {id: atrium, name: Atrium, visibility: public, members: [vega, orion, luna]}
  - {id: vault, name: Vault, visibility: private}
"""


OPEN_CONFIG = """
version: moltnet.v1
network: {id: lab, name: Lab}
server: {debug_events: true}
auth:
  mode: open
  tokens:
    - {id: ops, value: ops-secret, scopes: [admin, observe, write, attach]}
    - {id: watcher, value: watch-secret, scopes: [observe]}
    - {id: writer, value: write-secret, scopes: [write]}
    - {id: pinned, value: pinned-secret, scopes: [attach, write], agents: [pinned]}
  rate_limits: {attach_per_minute: 1000, register_per_minute: 1000}
storage: {kind: sqlite, sqlite: {path: ./data/moltnet.db}}
rooms:
  - {id: atrium, name: Atrium, visibility: public, write_policy: registered_agents}
  - {id: vault, name: Vault, visibility: private, members: [luna]}
"""


BEARER_CONFIG = """
version: moltnet.v1
network: {id: lab, name: Lab}
server: {debug_events: true}
auth:
  mode: bearer
  tokens:
    - {id: ops, value: ops-secret, scopes: [admin, observe, write, attach]}
    - {id: watcher, value: watch-secret, scopes: [observe]}
    - {id: attacher, value: attach-secret, scopes: [attach]}
storage: {kind: sqlite, sqlite: {path: ./data/moltnet.db}}
rooms:
  - {id: atrium, name: Atrium, visibility: public}
"""


# Accepted by config validation: no auth is performed, yet `public_read` changes what attachments
# receive (docs/protocol/attach.md §11.2 edge case), while the SSE stream stays full (docs/protocol/events.md §6.1).
PUBLIC_NONE_CONFIG = """
version: moltnet.v1
network: {id: lab, name: Lab}
auth: {mode: none, public_read: true}
storage: {kind: sqlite, sqlite: {path: ./data/moltnet.db}}
rooms:
  - {id: atrium, name: Atrium, visibility: public}
  - {id: vault, name: Vault, visibility: private}
"""


# The server processes import the repository's packages directly (independent of how the
# editable install was last built).
LIVE_ENV = {"PYTHONPATH": str(REPO)}


def start_live(tmp_path_factory, config: str, name: str, env: dict | None = None) -> LiveServer:
    workdir = tmp_path_factory.mktemp(name)
    return LiveServer(workdir, textwrap.dedent(config), {**LIVE_ENV, **(env or {})}).start()



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
