"""In-process protocol tests: Channels' WebsocketCommunicator on AttachConsumer and ApplicationCommunicator
on EventStreamConsumer, with the same calls as the live clients (tests/support/attachclient.py, sse.py).

Each test runs its own hub on its event loop (the `*_network` fixtures in tests/attach/conftest.py);
sends go through Django's AsyncClient, so the whole path (view → event log → hub → consumer) is the
server's own code.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
import uuid
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import urlencode

import yaml
from channels.testing import ApplicationCommunicator, WebsocketCommunicator
from django.test import AsyncClient

from attach.consumers import AttachConsumer
from attach.sse import EventStreamConsumer
from tests.support.attachclient import VERSION


class ClosedError(Exception):
    """The server ended the socket; `code` is its close code (None: dropped without a close frame)."""

    def __init__(self, code: int | None) -> None:
        super().__init__(code)
        self.code = code


class Session:
    """One in-process socket to /v1/attach; `open()` reads HELLO, `identify()` does the handshake."""

    def __init__(self, communicator: WebsocketCommunicator) -> None:
        self.communicator = communicator
        self.hello: dict[str, Any] = {}
        self.closed = False

    @classmethod
    async def open(cls, token: str | None = None, *, headers: dict[str, str] | None = None) -> Session:
        extra = dict(headers or {})
        if token:
            extra["Authorization"] = f"Bearer {token}"
        encoded = [(k.lower().encode(), v.encode()) for k, v in extra.items()]
        communicator = WebsocketCommunicator(AttachConsumer.as_asgi(), "/v1/attach", headers=encoded)
        connected, _ = await communicator.connect(timeout=10)
        assert connected, "upgrade refused"
        session = cls(communicator)
        session.hello = await session.recv()
        return session

    async def send(self, frame: dict | str) -> None:
        await self.communicator.send_to(text_data=frame if isinstance(frame, str) else json.dumps(frame))

    async def recv(self, timeout: float = 5) -> dict[str, Any]:
        if self.closed:
            raise ClosedError(None)
        message = await self.communicator.receive_output(timeout)
        if message["type"] == "websocket.close":
            self.closed = True
            raise ClosedError(message.get("code"))
        assert message["type"] == "websocket.send", message
        return json.loads(message["text"])

    async def identify(self, agent_id: str, network_id: str = "lab", *, name: str = "", cursor: str = "",
                       **extra: Any) -> dict[str, Any]:
        await self.send({"op": "IDENTIFY", "version": VERSION, "network_id": network_id,
                         "agent": {"type": "agent", "id": agent_id, "name": name}, "cursor": cursor, **extra})
        return await self.recv()

    async def next_event(self, timeout: float = 5, *, ack: bool = True, skip_types: tuple[str, ...] = ()) -> dict:
        """The next EVENT frame (PINGs skipped), ACKed unless told otherwise."""
        deadline = time.monotonic() + timeout
        while True:
            frame = await self.recv(timeout=max(0.01, deadline - time.monotonic()))
            if frame["op"] == "PING":
                continue
            if frame["op"] != "EVENT":
                raise AssertionError(f"expected EVENT, got {frame}")
            if ack:
                await self.ack(frame["cursor"])
            if frame["event"]["type"] in skip_types:
                continue
            return frame

    async def event_of_type(self, event_type: str, timeout: float = 5) -> dict:
        deadline = time.monotonic() + timeout
        while True:
            frame = await self.next_event(max(0.01, deadline - time.monotonic()))
            if frame["event"]["type"] == event_type:
                return frame["event"]

    async def ack(self, cursor: str) -> None:
        await self.send({"op": "ACK", "version": VERSION, "cursor": cursor})

    async def until_closed(self, timeout: float = 5) -> tuple[list[dict], int | None]:
        """Frames received until the server ends the socket, and its close code."""
        seen: list[dict] = []
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                seen.append(await self.recv(timeout=max(0.01, deadline - time.monotonic())))
            except ClosedError as closed:
                return seen, closed.code
            except TimeoutError:
                break
        raise AssertionError(f"connection still open after {timeout}s; got {seen}")

    async def close(self) -> None:
        if not self.closed:
            self.closed = True
            await self.communicator.disconnect(timeout=5)


async def error_and_close(session: Session, timeout: float = 5) -> str:
    """The ERROR text the server sent right before ending the socket."""
    frames, _ = await session.until_closed(timeout)
    errors = [f["error"] for f in frames if f["op"] == "ERROR"]
    assert errors, f"no ERROR frame before close: {frames}"
    assert frames[-1]["op"] == "ERROR", f"frames after ERROR: {frames}"
    return errors[-1]


async def agent_event(observer: Session, event_type: str, agent_id: str, timeout: float = 5) -> dict:
    """The next `event_type` event about `agent_id` seen by an observing session."""
    deadline = time.monotonic() + timeout
    while True:
        event = await observer.event_of_type(event_type, timeout=max(0.01, deadline - time.monotonic()))
        if event["agent"]["agent_id"] == agent_id:
            return event


async def send(target: dict, text: str = "hello", *, sender: str = "orion", token: str | None = None,
               mentions: list[str] | None = None, message_id: str | None = None) -> dict:
    """POST /v1/messages through Django (in this process); asserts the 202."""
    body: dict[str, Any] = {"id": message_id or "msg_" + uuid.uuid4().hex, "target": target,
                            "from": {"type": "agent", "id": sender}, "parts": [{"kind": "text", "text": text}]}
    if mentions:
        body["mentions"] = mentions
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    response = await AsyncClient().post("/v1/messages", json.dumps(body), content_type="application/json",
                                        headers=headers)
    assert response.status_code == 202, response.content
    return response.json()


def network(config_text: str) -> dict:
    """A live config's YAML as the document `configure` applies (storage is the test database's)."""
    document = yaml.safe_load(config_text)
    document.pop("storage", None)
    return document



async def call(method: str, path: str, body: Any = None, *, token: str | None = None) -> Any:
    """Any API request through Django's AsyncClient (JSON body, optional bearer token)."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    request = getattr(AsyncClient(), method.lower())
    if body is None:
        return await request(path, headers=headers)
    return await request(path, json.dumps(body), content_type="application/json", headers=headers)


async def eventually(check: Callable[[], Awaitable[Any]], timeout: float = 5, interval: float = 0.05) -> Any:
    """Await `check()` until it is truthy or `timeout` passes; its last value."""
    deadline = time.monotonic() + timeout
    while True:
        value = await check()
        if value or time.monotonic() > deadline:
            return value
        await asyncio.sleep(interval)


class EventStream:
    """One in-process GET /v1/events/stream: Channels' ApplicationCommunicator on EventStreamConsumer,
    with the calls of the raw-socket reader in tests/support/sse.py."""

    def __init__(self, communicator: ApplicationCommunicator) -> None:
        self.communicator = communicator
        self.status_code = 0
        self.headers: dict[str, str] = {}
        self.body = b""
        self.raw: list[str] = []
        self.buffer = ""
        self.blocks: list[str] = []

    @classmethod
    async def open(cls, token: str | None = None, *, headers: dict[str, str] | None = None,
                   params: dict | list | None = None) -> EventStream:
        extra = dict(headers or {})
        if token:
            extra["Authorization"] = f"Bearer {token}"
        # Repeated header names are kept (a dict built from them in the live test may have two cases).
        raw_headers = [(b"accept", b"text/event-stream"), *((k.lower().encode(), v.encode()) for k, v in extra.items())]
        scope = {"type": "http", "method": "GET", "path": "/v1/events/stream",
                 "query_string": urlencode(params or {}).encode(), "headers": raw_headers,
                 "client": ("127.0.0.1", 50000), "server": ("127.0.0.1", 8787), "scheme": "http",
                 "http_version": "1.1", "root_path": ""}
        stream = cls(ApplicationCommunicator(EventStreamConsumer.as_asgi(), scope))
        await stream.communicator.send_input({"type": "http.request", "body": b"", "more_body": False})
        start = await stream.communicator.receive_output(10)
        assert start["type"] == "http.response.start", start
        stream.status_code = start["status"]
        stream.headers = {k.decode().lower(): v.decode() for k, v in start["headers"]}
        if stream.status_code != 200:
            body = await stream.communicator.receive_output(10)
            stream.body = body.get("body", b"")
        return stream

    def json(self) -> dict:
        return json.loads(self.body)

    async def block(self, timeout: float = 5) -> str:
        """The next blank-line-terminated block; TimeoutError when none comes in time."""
        deadline = time.monotonic() + timeout
        while "\n\n" not in self.buffer:
            message = await self.communicator.receive_output(max(0.01, deadline - time.monotonic()))
            chunk = message.get("body", b"").decode()
            if chunk:
                self.raw.append(chunk)
                self.buffer += chunk
        block, self.buffer = self.buffer.split("\n\n", 1)
        return block

    async def event(self, timeout: float = 5) -> tuple[str, str, dict]:
        """The next event block as (id, type, data), skipping comments."""
        deadline = time.monotonic() + timeout
        while True:
            block = await self.block(max(0.01, deadline - time.monotonic()))
            if block.startswith(":"):
                continue
            lines = block.split("\n")
            assert [line.split(": ", 1)[0] for line in lines] == ["id", "event", "data"], block
            return lines[0][4:], lines[1][7:], json.loads(lines[2][6:])

    async def events_until(self, event_id: str, timeout: float = 5) -> list[tuple[str, str, dict]]:
        seen: list[tuple[str, str, dict]] = []
        while not seen or seen[-1][0] != event_id:
            seen.append(await self.event(timeout))
        return seen

    async def close(self) -> None:
        if self.communicator.future.done():  # ended already (a refusal, or a receive that timed out)
            return
        await self.communicator.send_input({"type": "http.disconnect"})
        with contextlib.suppress(Exception):
            await self.communicator.wait(5)
