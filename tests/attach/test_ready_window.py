"""A session without a cursor gets every event committed after it opened, however soon: an
attachment after its READY, an SSE observer after `: stream-open` (in-process, under Channels'
communicators)."""

from __future__ import annotations

import json
import uuid

import pytest
from channels.testing import ApplicationCommunicator, WebsocketCommunicator
from django.test import Client

from attach import consumers, replay
from attach.consumers import AttachConsumer
from attach.sse import EventStreamConsumer

pytestmark = pytest.mark.django_db(transaction=True)

IDENTIFY = {"op": "IDENTIFY", "version": "moltnet.attach.v1", "network_id": "local", "agent": {"id": "vega"}}


def post_dm_to_vega() -> str:
    target = {"kind": "dm", "dm_id": "dm_orion_vega", "participant_ids": ["orion", "vega"]}
    body = {"id": "msg_" + uuid.uuid4().hex, "target": target,
            "from": {"type": "agent", "id": "orion"}, "parts": [{"kind": "text", "text": "are you there?"}]}
    response = Client().post("/v1/messages", json.dumps(body), content_type="application/json")
    assert response.status_code == 202, response.content
    return response.json()["event_id"]


async def events_until_a_message(communicator: WebsocketCommunicator) -> list[dict]:
    events = []
    while not events or events[-1]["event"]["type"] != "message.created":
        frame = json.loads(await communicator.receive_from(timeout=10))
        if frame["op"] == "EVENT":
            events.append(frame)
    return events


async def test_a_message_sent_as_ready_arrives_is_delivered(monkeypatch, configure, own_hub):
    configure({"auth": {"mode": "none"}, "server": {"network_id": "local"}})
    sent: list[str] = []
    start_delivery_plan = consumers._delivery_plan

    def plan_after_a_send(*args):
        # Another client, having seen READY, posts before this session's delivery has started.
        sent.append(post_dm_to_vega())
        return start_delivery_plan(*args)

    monkeypatch.setattr(consumers, "_delivery_plan", plan_after_a_send)
    communicator = WebsocketCommunicator(AttachConsumer.as_asgi(), "/v1/attach")
    connected, _ = await communicator.connect(timeout=10)
    assert connected
    assert json.loads(await communicator.receive_from(timeout=10))["op"] == "HELLO"
    await communicator.send_to(json.dumps(IDENTIFY))
    assert json.loads(await communicator.receive_from(timeout=10))["op"] == "READY"
    events = await events_until_a_message(communicator)
    assert events[-1]["cursor"] == sent[0]
    # The DM's creation comes first; the session's own agent.connected is not delivered (docs/protocol/attach.md §10).
    assert [frame["event"]["type"] for frame in events] == ["dm.created", "message.created"]
    await communicator.disconnect()


async def test_a_message_sent_as_the_stream_opens_is_streamed(monkeypatch, configure, own_hub):
    configure({"auth": {"mode": "none"}, "server": {"network_id": "local"}})
    sent: list[str] = []
    stream_plan = replay.plan

    def plan_after_a_send(cursor):
        # The observer has read ": stream-open"; a message lands before the stream has subscribed.
        sent.append(post_dm_to_vega())
        return stream_plan(cursor)

    monkeypatch.setattr(replay, "plan", plan_after_a_send)
    scope = {"type": "http", "method": "GET", "path": "/v1/events/stream", "query_string": b"", "headers": [],
             "client": ("127.0.0.1", 50000), "server": ("127.0.0.1", 8787), "scheme": "http",
             "http_version": "1.1", "root_path": ""}
    communicator = ApplicationCommunicator(EventStreamConsumer.as_asgi(), scope)
    await communicator.send_input({"type": "http.request", "body": b"", "more_body": False})
    assert (await communicator.receive_output(10))["status"] == 200
    streamed = b""
    while b"event: message.created" not in streamed:
        streamed += (await communicator.receive_output(10))["body"]
    assert streamed.startswith(b": stream-open")
    assert f"id: {sent[0]}".encode() in streamed
    await communicator.send_input({"type": "http.disconnect"})
    await communicator.wait(5)
