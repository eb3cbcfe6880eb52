"""`moltnet start` serves on uvicorn (uvloop, httptools, websockets' sans-I/O protocol), one process.

An entry point, above the transports it serves: import it only once Django is set up.

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
- the HTTP front door (attach/frontdoor.py): bare-LF line ends read, Go's read timeouts and
  header limit, refusals with the error envelope;
- SIGINT/SIGTERM exit 0 (uvicorn re-raises the signal after a graceful stop).
"""

from __future__ import annotations

import contextlib
import logging
import signal
import threading
from collections.abc import Generator
from typing import Any

import uvicorn
from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol

from attach import consumers, frames, sse
from attach.frontdoor import MAX_HEADER_BYTES, MoltnetHttpProtocol
from mcpserver.local import shutdown_waits

__all__ = ["MAX_HEADER_BYTES", "AttachWebSocketProtocol", "MoltnetServer", "build_server"]

SHUTDOWN_GRACE = 5.0
IDLE_TIMEOUT = 60  # Go's idle keep-alive


class AttachWebSocketProtocol(WebSocketsSansIOProtocol):
    def shutdown(self) -> None:
        # The application was told first (MoltnetServer.shutdown); what is left is closed like Go:
        # TCP only, no close frame.
        if self.handshake_complete and self.initial_response is None and not self.close_sent:
            self.stop_keepalive()
            self.transport.close()
            return
        super().shutdown()


class MoltnetServer(uvicorn.Server):
    async def shutdown(self, sockets: Any = None) -> None:
        for server in getattr(self, "servers", []):
            server.close()  # no new connections while the open ones are told
        await consumers.shutdown_attachments()
        sse.shutdown_streams()
        shutdown_waits()  # MCP wait_for_messages calls answer at once (timed_out) instead of holding the exit
        await super().shutdown(sockets)

    @contextlib.contextmanager
    def capture_signals(self) -> Generator[None, None, None]:
        # uvicorn's own version re-raises the signal after the graceful stop, which would end the
        # process with -SIGTERM instead of exit 0 (docs/protocol/cli.md §8.3).
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
