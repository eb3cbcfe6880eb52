"""What ASGI does not expose about the socket, reached through Daphne's protocol object when present:
raw HTTP refusals before the upgrade, the inbound message size limit, and outbound backpressure.

Every helper degrades to plain ASGI behaviour when the server is not Daphne.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any

from attach.handshake import Denial, raw_response

WRITE_DEADLINE = 10.0
# What the gateway needs from the Daphne server `moltnet start` runs. Daphne's default
# websocket_timeout (86400 s) ends every socket after a day with close 1000, which the Go node and
# bridge take as a deliberate, permanent stop (spec 05 §14.3); Go sets no session time limit.
SERVER_OPTIONS: dict[str, Any] = {"websocket_timeout": -1}
# Bytes the kernel/Twisted may hold for a socket before we treat the peer as not reading.
MAX_BACKLOG = 1 << 20


def daphne_protocol(send: Any) -> Any | None:
    """Daphne passes `partial(server.handle_reply, protocol)` as the ASGI send callable."""
    args = getattr(send, "args", None)
    if args and hasattr(args[0], "transport"):
        return args[0]
    return None


def deny(protocol: Any | None, denial: Denial) -> bool:
    """Answer the pending upgrade with an HTTP error response; False if that is not possible here."""
    if protocol is None or getattr(protocol, "transport", None) is None:
        return False
    protocol.transport.write(raw_response(denial))
    protocol.transport.loseConnection()
    return True


def limit_message_size(protocol: Any | None, limit: int) -> None:
    """Let autobahn refuse larger messages with close 1009 before buffering them."""
    if protocol is not None and hasattr(protocol, "maxMessagePayloadSize"):
        protocol.maxMessagePayloadSize = limit
        # Fail with a close frame (1009) rather than silently dropping TCP.
        protocol.failByDrop = False


def backlog(protocol: Any | None) -> int:
    """Bytes written to the socket but not yet accepted by the kernel (0 when unknown)."""
    tr = getattr(protocol, "transport", None)
    if tr is None:
        return 0
    try:
        return len(tr.dataBuffer) - tr.offset + tr._tempDataLen
    except AttributeError:
        return 0


async def wait_writable(protocol: Any | None, alive: Callable[[], bool]) -> bool:
    """Wait (up to the write deadline) until the peer has drained its backlog."""
    if backlog(protocol) <= MAX_BACKLOG:
        return True
    deadline = time.monotonic() + WRITE_DEADLINE
    while time.monotonic() < deadline:
        await asyncio.sleep(0.05)
        if not alive():
            return True
        if backlog(protocol) <= MAX_BACKLOG:
            return True
    return False


CLOSE_TEXT = {1000: "(normal)", 1001: "(going away)", 1002: "(protocol error)", 1003: "(unsupported data)",
              1005: "(no status)", 1006: "(abnormal closure): unexpected EOF", 1007: "(invalid payload data)",
              1008: "(policy violation)", 1009: "(message too big)", 1011: "(internal server error)"}


def close_text(code: int) -> str:
    return f"websocket: close {code} {CLOSE_TEXT.get(code, '')}".rstrip()


def drop(protocol: Any | None, close_code: int | None = None, *, flush: bool = True) -> bool:
    """End the connection the way Go does: no close handshake, just the TCP connection closed
    (clients see 1006), optionally after a bare close frame (1009 for oversize messages).

    `flush` lets frames already written (the ERROR) reach the peer first; a peer that stopped
    reading is aborted instead. False when the server is not Daphne (caller falls back to ASGI close).
    """
    tr = getattr(protocol, "transport", None)
    if tr is None:
        return False
    if close_code is not None and hasattr(protocol, "sendCloseFrame"):
        protocol.sendCloseFrame(code=close_code, isReply=False)
    if flush and backlog(protocol) <= MAX_BACKLOG:
        tr.loseConnection()
    else:
        tr.abortConnection()
    return True
