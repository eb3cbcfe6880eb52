"""`moltnet start` serves on uvicorn (uvloop, httptools, websockets' sans-I/O protocol), one process.

Measured on these machines: a raw ASGI request costs ~50 µs of server CPU under uvicorn with
uvloop + httptools against ~270 µs under Daphne. The WebSocket protocol is websockets'
sans-I/O implementation: no task or timer per socket (the legacy one runs three tasks per
connection), and websockets is already a requirement. `runserver` stays on Daphne.

What Go does and uvicorn would not by default, set here:
- no server-initiated WebSocket pings and no session time limit (the attach protocol has its own
  PING/PONG; a 1000/1001 close would stop Go nodes for good, 05 §14.3);
- no permessage-deflate (Go does not offer it; it costs ~100 KB of zlib state per socket);
- shutdown ends attachments as Go does: `request_context_done`, then TCP closed without a
  close frame (uvicorn would send 1012), and SSE streams end instead of holding the exit;
- request lines and headers ending in a bare LF are read (Go's textproto accepts them);
- SIGINT/SIGTERM exit 0 (uvicorn re-raises the signal after a graceful stop).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import threading
from collections.abc import Generator
from typing import Any

import uvicorn
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol
from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol

from attach import frames

# Go's http.Server default (MaxHeaderBytes, 1 MiB): above it, 431.
MAX_HEADER_BYTES = 1 << 20
SHUTDOWN_GRACE = 5.0
# Go's server as measured: a request head must arrive within 5 s of the connection (or of its first
# byte on a kept-alive one), which is otherwise closed without a response; idle keep-alive: 60 s.
READ_HEADER_TIMEOUT = 5.0
IDLE_TIMEOUT = 60
TOO_LARGE = (b"HTTP/1.1 431 Request Header Fields Too Large\r\nContent-Type: text/plain; charset=utf-8\r\n"
             b"Connection: close\r\n\r\n431 Request Header Fields Too Large")


class AttachWebSocketProtocol(WebSocketsSansIOProtocol):
    def shutdown(self) -> None:
        # The application was told first (MoltnetServer.shutdown); what is left is closed like Go:
        # TCP only, no close frame.
        if self.handshake_complete and self.initial_response is None and not self.close_sent:
            self.stop_keepalive()
            self.transport.close()
            return
        super().shutdown()


class HeadTooLargeError(Exception):
    pass


class MoltnetHttpProtocol(HttpToolsProtocol):
    """httptools with Go's reading rules: bare-LF line ends, and 431 past MAX_HEADER_BYTES (httptools
    itself buffers a request head of any size)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.in_head = True
        self.head_fed = 0  # bytes received while the head is still incomplete
        self.head_bytes = 0  # request line and header bytes, as parsed
        self.too_large = False
        self.head_timer: asyncio.TimerHandle | None = None
        with contextlib.suppress(AttributeError, TypeError):  # httptools < 0.6.3
            # llhttp needs both flags for a bare LF after the request line; the second one also
            # lets a bare CR end a line, which Go would refuse (400): harmless for us.
            self.parser.set_dangerous_leniencies(lenient_optional_cr_before_lf=True,
                                                 lenient_optional_lf_after_cr=True)

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self.head_timer = self.loop.call_later(READ_HEADER_TIMEOUT, self._head_timed_out)

    def connection_lost(self, exc: Exception | None) -> None:
        self._stop_head_timer()
        super().connection_lost(exc)

    def _stop_head_timer(self) -> None:
        if self.head_timer is not None:
            self.head_timer.cancel()
            self.head_timer = None

    def _head_timed_out(self) -> None:
        self.head_timer = None
        if self.in_head and self.transport.get_protocol() is self and not self.transport.is_closing():
            self.transport.close()

    def on_url(self, url: bytes) -> None:
        self.head_bytes += len(url)
        super().on_url(url)

    def on_header(self, name: bytes, value: bytes) -> None:
        self.head_bytes += len(name) + len(value) + 4
        super().on_header(name, value)

    def on_headers_complete(self) -> None:
        self.in_head = False
        self._stop_head_timer()
        if self.head_bytes > MAX_HEADER_BYTES:
            self.too_large = True
            raise HeadTooLargeError  # httptools turns it into a parser error: send_400_response below
        super().on_headers_complete()

    def on_message_complete(self) -> None:
        super().on_message_complete()
        self.in_head, self.head_fed, self.head_bytes = True, 0, 0

    def send_400_response(self, msg: str) -> None:
        if not self.too_large:
            super().send_400_response(msg)
            return
        # As Go: answer, half-close, and keep reading (discarding) for a moment before closing, so
        # a client still sending its head reads the 431 instead of a connection reset.
        self.transport.write(TOO_LARGE)
        if self.transport.can_write_eof():
            self.transport.write_eof()
        self.loop.call_later(0.5, self.transport.close)

    def data_received(self, data: bytes) -> None:
        if self.too_large:
            return
        reading_head = self.in_head
        if reading_head and self.head_timer is None:  # the first byte of a kept-alive request
            self.head_timer = self.loop.call_later(READ_HEADER_TIMEOUT, self._head_timed_out)
        super().data_received(data)
        if not reading_head or not self.in_head or self.transport.get_protocol() is not self:
            return
        self.head_fed += len(data)  # a head that never ends: refuse it before it is all buffered
        if self.head_fed > MAX_HEADER_BYTES + 4096:
            self.too_large = True
            self.send_400_response("")


class MoltnetServer(uvicorn.Server):
    async def shutdown(self, sockets: Any = None) -> None:
        from attach import consumers, sse

        for server in getattr(self, "servers", []):
            server.close()  # no new connections while the open ones are told
        await consumers.shutdown_attachments()
        sse.shutdown_streams()
        await super().shutdown(sockets)

    @contextlib.contextmanager
    def capture_signals(self) -> Generator[None, None, None]:
        # uvicorn's own version re-raises the signal after the graceful stop, which would end the
        # process with -SIGTERM instead of exit 0 (spec 11 §8.3).
        if threading.current_thread() is not threading.main_thread():
            yield
            return
        handled = (signal.SIGINT, signal.SIGTERM)
        original = {sig: signal.signal(sig, self.handle_exit) for sig in handled}
        try:
            yield
        finally:
            for sig, handler in original.items():
                signal.signal(sig, handler)


def build_server(application: Any, host: str, port: int) -> MoltnetServer:
    """A uvicorn server for `moltnet start`: programmatic Config, one process, no reload."""
    config = uvicorn.Config(
        application,
        host=host,
        port=port,
        loop="uvloop",
        http=MoltnetHttpProtocol,
        ws=AttachWebSocketProtocol,
        ws_max_size=frames.MAX_FRAME_BYTES,
        ws_ping_interval=None,
        ws_ping_timeout=None,
        ws_per_message_deflate=False,
        lifespan="off",
        log_config=None,
        access_log=False,  # the app logs and counts its own requests
        server_header=False,  # Go's net/http sends none
        proxy_headers=False,  # forwarded headers are the app's decision (server.trust_forwarded_proto)
        timeout_graceful_shutdown=int(SHUTDOWN_GRACE),
        timeout_keep_alive=IDLE_TIMEOUT,
        backlog=2048,
    )
    # uvicorn logs every accepted WebSocket at INFO; the app logs what matters.
    logging.getLogger("uvicorn.error").setLevel(logging.WARNING)
    return MoltnetServer(config)
