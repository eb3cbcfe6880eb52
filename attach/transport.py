"""What ASGI does not expose about a socket, reached through the server's own connection object.

Three implementations behind one small interface (`Transport`), picked per connection from the
ASGI `send` callable:

- `UvicornTransport`: `moltnet start` (uvicorn, websockets-sansio / httptools protocols).
- `DaphneTransport`: `python manage.py runserver` (Daphne/Twisted/autobahn).
- `Transport`: any other ASGI server; every extra degrades to plain ASGI behaviour.

What the gateway needs beyond ASGI: an HTTP refusal of an upgrade (Daphne lacks the ASGI
`websocket.http.response` extension), the inbound size limit, outbound backpressure with a write
deadline, pre-encoded frames written as they are (one encoding shared by every subscriber), and
dropping TCP without a close handshake, as Go does (clients see 1006).
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Awaitable, Callable
from typing import Any

from attach.handshake import Denial, raw_response

WRITE_DEADLINE = 10.0
# Bytes the server may hold for a socket before we treat the peer as not reading.
MAX_BACKLOG = 1 << 20
# What the gateway needs from the Daphne server `runserver` runs. Daphne's default
# websocket_timeout (86400 s) ends every socket after a day with close 1000, which the Go node and
# bridge take as a deliberate, permanent stop (docs/protocol/attach.md §14.3); Go sets no session time limit.
SERVER_OPTIONS: dict[str, Any] = {"websocket_timeout": -1}

CLOSE_TEXT = {1000: "(normal)", 1001: "(going away)", 1002: "(protocol error)", 1003: "(unsupported data)",
              1005: "(no status)", 1006: "(abnormal closure): unexpected EOF", 1007: "(invalid payload data)",
              1008: "(policy violation)", 1009: "(message too big)", 1011: "(internal server error)"}


def close_text(code: int) -> str:
    return f"websocket: close {code} {CLOSE_TEXT.get(code, '')}".rstrip()


def text_frame(payload: bytes) -> bytes:
    """An unmasked, unfragmented server→client text frame (RFC 6455 §5.2), without extensions."""
    size = len(payload)
    if size < 126:
        return bytes((0x81, size)) + payload
    if size < 1 << 16:
        return bytes((0x81, 126)) + size.to_bytes(2, "big") + payload
    return bytes((0x81, 127)) + size.to_bytes(8, "big") + payload


def frame_text(frame: bytes) -> str:
    """The payload of a frame made by `text_frame`, as text."""
    size = frame[1] & 0x7F
    return frame[2 if size < 126 else 4 if size == 126 else 10:].decode()


class Transport:
    """Plain ASGI: nothing beyond the messages themselves."""

    kind = "asgi"

    def deny_message(self, scope: dict) -> bool:
        return "websocket.http.response" in (scope.get("extensions") or {})

    async def deny(self, scope: dict, send: Callable[[dict], Awaitable[None]], denial: Denial) -> bool:
        """Answer the pending upgrade with an HTTP error response; False if that is not possible here."""
        if not self.deny_message(scope):
            return False
        headers = [(b"content-type", denial.content_type.encode()), (b"x-content-type-options", b"nosniff")]
        headers += [(k.lower().encode(), v.encode("latin1")) for k, v in denial.headers]
        await send({"type": "websocket.http.response.start", "status": denial.status, "headers": headers})
        await send({"type": "websocket.http.response.body", "body": denial.body})
        return True

    def accepted(self, max_message: int = 0) -> None:
        """The upgrade (or stream) went through: apply the inbound message size limit (WebSocket,
        when given) and the outbound backlog bound."""

    def backlog(self) -> int:
        """Bytes written to the socket but not yet accepted by the kernel (0 when unknown)."""
        return 0

    def congested(self) -> bool:
        """True when the peer holds more than MAX_BACKLOG unread: a write now would wait."""
        return self.backlog() > MAX_BACKLOG

    async def wait_writable(self, alive: Callable[[], bool]) -> bool:
        """Wait (up to the write deadline) until the peer has drained its backlog; False on timeout."""
        return True

    def write_frame(self, frame: bytes) -> bool:
        """Write a ready-made WebSocket frame (see `text_frame`); False when the caller must use ASGI."""
        return False

    def drop(self, close_code: int | None = None, *, flush: bool = True) -> bool:
        """End the connection the way Go does: no close handshake, just TCP closed (clients see 1006),
        optionally after a bare close frame. `flush` lets frames already written (the ERROR) reach
        the peer first; a peer that stopped reading is aborted instead. False: use an ASGI close."""
        return False


class UvicornTransport(Transport):
    """uvicorn's protocol objects: `WebSocketsSansIOProtocol` (ws) or `RequestResponseCycle` (http).

    Backpressure is asyncio's: the transport's high-water mark is set to MAX_BACKLOG, past it the
    protocol's `pause_writing` clears its `writable` event (ws) or pauses its FlowControl (http).
    """

    kind = "uvicorn"

    def __init__(self, owner: Any) -> None:
        self.owner = owner
        self.transport: asyncio.Transport = owner.transport

    def accepted(self, max_message: int = 0) -> None:
        self.transport.set_write_buffer_limits(high=MAX_BACKLOG)
        conn = getattr(self.owner, "conn", None)
        if conn is not None and max_message:
            conn.max_size = max_message  # websockets fails larger messages with close 1009

    def backlog(self) -> int:
        return self.transport.get_write_buffer_size()

    def congested(self) -> bool:
        writable = getattr(self.owner, "writable", None)
        if writable is not None:
            return not writable.is_set()
        flow = getattr(self.owner, "flow", None)
        return bool(flow is not None and flow.write_paused) or self.backlog() > MAX_BACKLOG

    async def wait_writable(self, alive: Callable[[], bool]) -> bool:
        writable = getattr(self.owner, "writable", None)
        if writable is None or writable.is_set():
            return True
        try:  # set again by resume_writing, or by connection_lost
            await asyncio.wait_for(writable.wait(), WRITE_DEADLINE)
        except TimeoutError:
            return not alive()
        return True

    def open(self) -> bool:
        owner = self.owner
        return bool(owner.handshake_complete and not owner.close_sent and not owner.disconnected
                    and owner.initial_response is None and not self.transport.is_closing())

    def write_frame(self, frame: bytes) -> bool:
        if not hasattr(self.owner, "conn"):
            return False
        if self.open():
            self.transport.write(frame)
        return True  # a socket on its way out takes no more frames, like a failed ASGI send

    def drop(self, close_code: int | None = None, *, flush: bool = True) -> bool:
        conn = getattr(self.owner, "conn", None)
        if close_code is not None and conn is not None and self.open():
            with contextlib.suppress(Exception):
                conn.send_close(close_code)
                self.transport.write(b"".join(conn.data_to_send()))
        if flush and self.backlog() <= MAX_BACKLOG:
            self.transport.close()
        else:
            self.transport.abort()
        return True


class DaphneTransport(Transport):
    """Daphne's `WebSocketProtocol` (autobahn over Twisted) or `WebRequest`; Twisted has no
    high-water callback, so the backlog is read from its buffers and polled while too large."""

    kind = "daphne"

    def __init__(self, protocol: Any) -> None:
        self.protocol = protocol

    async def deny(self, scope: dict, send: Callable[[dict], Awaitable[None]], denial: Denial) -> bool:
        if getattr(self.protocol, "transport", None) is None:
            return False
        self.protocol.transport.write(raw_response(denial))
        self.protocol.transport.loseConnection()
        return True

    def accepted(self, max_message: int = 0) -> None:
        if max_message and hasattr(self.protocol, "maxMessagePayloadSize"):
            self.protocol.maxMessagePayloadSize = max_message
            # Fail with a close frame (1009) rather than silently dropping TCP.
            self.protocol.failByDrop = False

    def backlog(self) -> int:
        tr = getattr(self.protocol, "transport", None)
        if tr is None:
            return 0
        try:
            return len(tr.dataBuffer) - tr.offset + tr._tempDataLen
        except AttributeError:
            return 0

    async def wait_writable(self, alive: Callable[[], bool]) -> bool:
        if self.backlog() <= MAX_BACKLOG:
            return True
        deadline = time.monotonic() + WRITE_DEADLINE
        while time.monotonic() < deadline:
            await asyncio.sleep(0.05)
            if not alive() or self.backlog() <= MAX_BACKLOG:
                return True
        return False

    def write_frame(self, frame: bytes) -> bool:
        protocol = self.protocol
        if not hasattr(protocol, "sendCloseFrame"):
            return False
        if protocol.state == protocol.STATE_OPEN and protocol.transport is not None:
            protocol.transport.write(frame)
        return True

    def drop(self, close_code: int | None = None, *, flush: bool = True) -> bool:
        tr = getattr(self.protocol, "transport", None)
        if tr is None:
            return False
        if close_code is not None and hasattr(self.protocol, "sendCloseFrame"):
            self.protocol.sendCloseFrame(code=close_code, isReply=False)
        if flush and self.backlog() <= MAX_BACKLOG:
            tr.loseConnection()
        else:
            tr.abortConnection()
        return True


def for_connection(send: Any) -> Transport:
    """The transport behind an ASGI `send` callable, recognised by what the server passes:
    uvicorn a bound method of its protocol (ws) or request cycle (http), Daphne
    `partial(server.handle_reply, protocol)`."""
    owner = getattr(send, "__self__", None)
    if owner is not None and getattr(owner, "transport", None) is not None and \
            any(cls.__module__.startswith("uvicorn.") for cls in type(owner).__mro__):
        return UvicornTransport(owner)
    args = getattr(send, "args", None)
    if args and hasattr(args[0], "transport"):
        return DaphneTransport(args[0])
    return Transport()
