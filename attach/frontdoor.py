"""The HTTP/1.1 front door of `moltnet start`: httptools, read with Go's rules and bounded in time.

Every connection gets an answer or a clean close within a bounded time, whatever a client sends:
- request lines and headers ending in a bare LF are read (Go's textproto accepts them);
- the request head must arrive within READ_HEADER_TIMEOUT of the connection (or of the first byte
  of a kept-alive request), else the connection is closed without a response, as Go does;
- the whole request, body included, must arrive within READ_TIMEOUT of its first byte, else 400
  (Go's ReadTimeout: 15 s, then 400) and the connection is closed;
- a request head over MAX_HEADER_BYTES (Go's MaxHeaderBytes) is answered 431, a request target
  over MAX_URL_BYTES 414 (httptools cannot split a longer URL; Go would read up to 1 MiB);
- a request httptools cannot parse is answered 400;
- a response the peer stops reading for WRITE_STALL_TIMEOUT is aborted (not SSE streams).
These answers carry the spec's error envelope (02 §1.4) and `Connection: close`; after one, the
socket is half-closed and drained for LINGER before it is closed, so a client still sending reads
the answer instead of a reset. Nothing here logs: a client's mistake is not the server's error.

The keep-alive fast path (a whole request in one read) arms no timer: one is armed only while a
request is incomplete after a read.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
from http import HTTPStatus
from typing import Any

import httptools
from uvicorn.protocols.http.httptools_impl import STATUS_LINE, HttpToolsProtocol, RequestResponseCycle

from moltnet import jsonshape
from moltnet.errors import error_envelope
from moltnet.hotpath import ANSWER_NOW
from moltnet.ids import new_request_id, trim
from moltnet.middleware import REQUEST_ID

# Go's http.Server default (MaxHeaderBytes, 1 MiB): above it, 431.
MAX_HEADER_BYTES = 1 << 20
# httptools.parse_url (http_parser_url) keeps 16-bit offsets: a longer target cannot be served.
MAX_URL_BYTES = 0xFFFF
# Go's server timeouts (docs/protocol/http-api.md §9): request head 5 s, whole request 15 s.
READ_HEADER_TIMEOUT = 5.0
READ_TIMEOUT = 15.0
# Go's WriteTimeout is 30 s from the end of the request read; here a response may take as long as
# it needs while the peer reads it, but one the peer stops reading for 30 s is aborted (SSE streams
# excepted: they handle a stalled reader themselves, docs/protocol/events.md).
WRITE_STALL_TIMEOUT = 30.0
STREAM_SUFFIX = "/events/stream"
LINGER = 0.5
HEAD_TOO_LARGE = f"request line and headers larger than {MAX_HEADER_BYTES} bytes"
# Timers may fire up to the clock resolution early; do not re-arm for less than this.
SLACK = 0.01


def envelope_response(status: int, message: str, request_id: str) -> bytes:
    """A complete `Connection: close` response carrying the error envelope and its request id."""
    body = (jsonshape.dumps(error_envelope(status, message, request_id)) + "\n").encode()
    head = (f"HTTP/1.1 {status} {HTTPStatus(status).phrase}\r\nContent-Type: application/json\r\n"
            f"X-Content-Type-Options: nosniff\r\nX-Request-Id: {request_id}\r\nContent-Length: {len(body)}\r\n"
            "Connection: close\r\n\r\n")
    return head.encode("ascii") + body


def answer_now(cycle: RequestResponseCycle, status: int, headers: list[tuple[bytes, bytes]], body: bytes) -> bool:
    """Write a whole response in one go from a plain callback (the hot path's `ANSWER_NOW`): the
    bytes uvicorn's `send` writes for `http.response.start` and a last `http.response.body` with a
    Content-Length, and the same bookkeeping, without waiting for the request's task to run.

    False, with nothing written, when it cannot go out at once: the peer is gone or not reading
    (the app's own `send` then waits or drops it, as usual), or a response was begun already.
    """
    if cycle.response_started or cycle.disconnected or cycle.flow.write_paused:
        return False
    cycle.response_started = True
    cycle.waiting_for_100_continue = False
    content = [STATUS_LINE[status]]
    for name, value in (*cycle.default_headers, *headers):
        content += (name.lower(), b": ", value, b"\r\n")
    if not cycle.keep_alive:
        content.append(b"connection: close\r\n")
    content += (b"\r\n", body)
    cycle.transport.write(b"".join(content))
    cycle.response_complete = True
    cycle.message_event.set()
    if not cycle.keep_alive:
        cycle.transport.close()
    cycle.on_response()
    return True


class RefusedError(Exception):
    """Raised from a parser callback (after setting `refusal`): httptools stops with a parser error."""


class MoltnetHttpProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol with the reading rules above."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.phase = "head"  # head → body → idle (between requests)
        self.started = 0.0  # loop time of the current request's first byte (or of the connection)
        self.head_fed = 0  # bytes received while the head is still incomplete
        self.chunk = 0  # size of the read being parsed
        self.refused = False
        self.refusal: tuple[int, str] | None = None  # what a parser error is answered with
        self.read_timer: asyncio.TimerHandle | None = None
        self.write_timer: asyncio.TimerHandle | None = None
        with contextlib.suppress(AttributeError, TypeError):  # httptools < 0.6.3
            # llhttp needs both flags for a bare LF after the request line; the second one also
            # lets a bare CR end a line, which Go would refuse (400): harmless for us.
            self.parser.set_dangerous_leniencies(lenient_optional_cr_before_lf=True,
                                                 lenient_optional_lf_after_cr=True)

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self.started = self.loop.time()
        self._arm()

    def connection_lost(self, exc: Exception | None) -> None:
        self._stop_timer()
        self._stop_write_timer()
        super().connection_lost(exc)

    # --- a peer that stops reading -----------------------------------------------------------
    def pause_writing(self) -> None:
        super().pause_writing()
        cycle = self.cycle
        streaming = cycle is not None and cycle.scope.get("path", "").endswith(STREAM_SUFFIX)
        if self.write_timer is None and not streaming:
            self.write_timer = self.loop.call_later(WRITE_STALL_TIMEOUT, self._write_stalled)

    def resume_writing(self) -> None:
        super().resume_writing()
        self._stop_write_timer()

    def _stop_write_timer(self) -> None:
        if self.write_timer is not None:
            self.write_timer.cancel()
            self.write_timer = None

    def _write_stalled(self) -> None:
        self.write_timer = None
        if self.flow.write_paused and not self.transport.is_closing():
            self.transport.abort()  # the response task sees a disconnect and ends

    # --- deadlines ---------------------------------------------------------------------------
    def _deadline(self) -> float:
        return self.started + (READ_HEADER_TIMEOUT if self.phase == "head" else READ_TIMEOUT)

    def _arm(self) -> None:
        self.read_timer = self.loop.call_at(self._deadline(), self._read_deadline)

    def _stop_timer(self) -> None:
        if self.read_timer is not None:
            self.read_timer.cancel()
            self.read_timer = None

    def _read_deadline(self) -> None:
        self.read_timer = None
        if self.phase == "idle" or self.refused or self.transport.is_closing() \
                or self.transport.get_protocol() is not self:
            return
        if self.pipeline:  # queued behind a request still running: we stopped reading, not the client
            self.started = self.loop.time()
        if self.loop.time() + SLACK < self._deadline():  # a later request, or the head is in: more time
            self._arm()
            return
        if self.phase == "head":
            self.transport.close()  # as Go: no response to a head that never came
            return
        if self.cycle is None or self.cycle.response_started:
            self.transport.close()
            return
        self.refuse(400, f"request body not received within {READ_TIMEOUT:g}s")

    # --- reading -----------------------------------------------------------------------------
    def data_received(self, data: bytes) -> None:
        if self.refused:
            return  # draining until the linger ends
        self._unset_keepalive_if_required()
        rest = data
        while rest:
            self.chunk = len(rest)
            try:
                self.parser.feed_data(rest)
                rest = b""
            except httptools.HttpParserUpgrade as exc:
                if self._should_upgrade():
                    self._stop_timer()
                    self.handle_websocket_upgrade()
                    return
                # Any other Upgrade (h2c, …) is served as a plain request, as Go does; llhttp stops
                # after its head, so the bytes after it are fed again (a body it declared included:
                # that is then refused as a malformed request).
                offset = exc.args[0] if exc.args and isinstance(exc.args[0], int) else len(rest)
                rest = rest[offset:]
            except httptools.HttpParserError:
                self.refuse(*(self.refusal or (400, "malformed HTTP request")))
                return
        if self.phase == "head":
            self.head_fed += len(data)  # a head that never ends: refuse it before it is all buffered
            if self.head_fed > MAX_HEADER_BYTES + 4096:
                self.refuse(431, HEAD_TOO_LARGE)
                return
        if self.phase != "idle" and self.read_timer is None and not self.transport.is_closing():
            self._arm()

    def on_message_begin(self) -> None:
        super().on_message_begin()
        if self.phase == "idle":  # a kept-alive request: its clock starts at its first byte
            self.phase, self.started, self.head_fed = "head", self.loop.time(), 0

    def on_url(self, url: bytes) -> None:
        super().on_url(url)
        if len(self.url) > MAX_URL_BYTES:
            self.refusal = (414, f"request target longer than {MAX_URL_BYTES} bytes")
            raise RefusedError

    def on_headers_complete(self) -> None:
        self.phase = "body"
        # The head is at most what was read while it was incomplete plus this read: only a large
        # one is measured (no per-header callback on the fast path).
        if self.head_fed + self.chunk > MAX_HEADER_BYTES and \
                len(self.url) + sum(len(n) + len(v) + 4 for n, v in self.headers) > MAX_HEADER_BYTES:
            self.refusal = (431, HEAD_TOO_LARGE)
            raise RefusedError
        super().on_headers_complete()
        cycle = self.cycle
        if cycle is not None and cycle.scope is self.scope and not cycle.access_log:  # this request's cycle
            self.scope.setdefault("extensions", {})[ANSWER_NOW] = functools.partial(answer_now, cycle)

    def on_message_complete(self) -> None:
        super().on_message_complete()
        self.phase = "idle"

    def send_400_response(self, msg: str) -> None:
        self.refuse(400, "malformed HTTP request")

    def _request_id(self) -> str:
        """The client's X-Request-Id when its head was read and the id is valid (docs/protocol/http-api.md §1.5), else
        a new one."""
        if self.phase == "body":
            for name, value in self.headers:
                if name == b"x-request-id":
                    incoming = trim(value.decode("latin-1"))
                    if REQUEST_ID.fullmatch(incoming):
                        return incoming
        return new_request_id()

    def refuse(self, status: int, message: str = "") -> None:
        """Answer with the envelope, half-close, and drain for LINGER before closing."""
        self.refused = True
        self._stop_timer()
        cycle = self.cycle
        if cycle is not None and not cycle.response_complete:
            # A request still in the application (waiting for its body, or pipelined before this
            # one) is told the client went away; uvicorn's cycle writes nothing once disconnected.
            cycle.disconnected = True
            cycle.message_event.set()
        if self.transport.is_closing():
            return
        self.transport.write(envelope_response(status, message, self._request_id()))
        if self.transport.can_write_eof():
            self.transport.write_eof()
        self.loop.call_later(LINGER, self.transport.close)
