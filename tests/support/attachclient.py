"""A test attachment speaking docs/protocol/attach.md over a real WebSocket (the `websockets` sync client)."""

from __future__ import annotations

import json
import time
from typing import Any

from websockets.exceptions import ConnectionClosed
from websockets.sync.client import ClientConnection, connect

VERSION = "moltnet.attach.v1"


class Attachment:
    """One socket to /v1/attach; `frames()` reads JSON frames, `identify()` does the handshake."""

    def __init__(self, ws_url: str, token: str | None = None, *, headers: dict[str, str] | None = None,
                 max_size: int | None = 4 << 20) -> None:
        extra = dict(headers or {})
        if token:
            extra["Authorization"] = f"Bearer {token}"
        self.ws: ClientConnection = connect(ws_url + "/v1/attach", additional_headers=extra, max_size=max_size,
                                            open_timeout=10, ping_interval=None, close_timeout=2)
        self.hello = self.recv()

    def send(self, frame: dict | str) -> None:
        self.ws.send(frame if isinstance(frame, str) else json.dumps(frame))

    def recv(self, timeout: float = 5) -> dict[str, Any]:
        return json.loads(self.ws.recv(timeout=timeout))

    def identify(self, agent_id: str, network_id: str = "lab", *, name: str = "", cursor: str = "",
                 **extra: Any) -> dict[str, Any]:
        frame = {"op": "IDENTIFY", "version": VERSION, "network_id": network_id,
                 "agent": {"type": "agent", "id": agent_id, "name": name}, "cursor": cursor, **extra}
        self.send(frame)
        return self.recv()

    def next_event(self, timeout: float = 5, *, ack: bool = True, skip_types: tuple[str, ...] = ()) -> dict:
        """The next EVENT frame (PINGs skipped), ACKed unless told otherwise."""
        deadline = time.monotonic() + timeout
        while True:
            frame = self.recv(timeout=max(0.01, deadline - time.monotonic()))
            if frame["op"] == "PING":
                continue
            if frame["op"] != "EVENT":
                raise AssertionError(f"expected EVENT, got {frame}")
            if ack:
                self.ack(frame["cursor"])
            if frame["event"]["type"] in skip_types:
                continue
            return frame

    def event_of_type(self, event_type: str, timeout: float = 5) -> dict:
        deadline = time.monotonic() + timeout
        while True:
            frame = self.next_event(max(0.01, deadline - time.monotonic()))
            if frame["event"]["type"] == event_type:
                return frame["event"]

    def ack(self, cursor: str) -> None:
        self.send({"op": "ACK", "version": VERSION, "cursor": cursor})

    def until_closed(self, timeout: float = 5) -> tuple[list[dict], ConnectionClosed]:
        """Frames received until the server ends the connection, and how it ended."""
        seen: list[dict] = []
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                seen.append(json.loads(self.ws.recv(timeout=max(0.01, deadline - time.monotonic()))))
            except ConnectionClosed as closed:
                return seen, closed
        raise AssertionError(f"connection still open after {timeout}s; got {seen}")

    def close(self) -> None:
        self.ws.close()


def error_and_close(att: Attachment, timeout: float = 5) -> str:
    """The ERROR text the server sent right before ending the connection."""
    frames, _ = att.until_closed(timeout)
    errors = [f["error"] for f in frames if f["op"] == "ERROR"]
    assert errors, f"no ERROR frame before close: {frames}"
    assert frames[-1]["op"] == "ERROR", f"frames after ERROR: {frames}"
    return errors[-1]
