"""Outbound frames of one attachment: serialized, each with a 10 s write deadline (docs/protocol/attach.md §15).

Frames are written straight to the transport while the peer keeps reading; once it holds more
than transport.MAX_BACKLOG unread, later frames wait in a bounded backlog drained by a task that
exists only for that wait. A write that does not drain within the deadline ends the session with
what that write was (`event_write_failed`, `heartbeat_write_failed`). On plain ASGI, where frames
cannot be written directly, every frame goes through the drain task, awaited in order.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

from attach import frames
from attach.transport import Transport, frame_text, text_frame

log = logging.getLogger("moltnet.attach")

TIMEOUT_TEXT = "write tcp: i/o timeout"
# An outbound frame: its WebSocket bytes, and what a failed write ends the session as.
Item = tuple[bytes, str]
PING_ITEM: Item = (text_frame(frames.PING.encode()), "heartbeat_write_failed")
PONG_ITEM: Item = (text_frame(frames.PONG.encode()), "read_error")

_background: set[asyncio.Task] = set()  # keeps fire-and-forget tasks referenced until done


def spawn(coro: Coroutine[Any, Any, Any]) -> asyncio.Task:
    task = asyncio.ensure_future(coro)
    _background.add(task)
    task.add_done_callback(_background.discard)
    return task


class Outbox:
    def __init__(self, transport: Transport, send_text: Callable[[str], Awaitable[None]],
                 alive: Callable[[], bool], timed_out: Callable[[str, str], Awaitable[None]]) -> None:
        self.transport = transport
        self.send_text = send_text
        self.alive = alive
        self.timed_out = timed_out  # fail(reason, error)
        self.backlog: deque[Item] | None = None  # None: nothing waits, write at once
        self.drain_task: asyncio.Task | None = None
        self.in_flight = "event_write_failed"  # what the last write ends as if it never drains

    def waiting(self) -> int:
        return len(self.backlog) if self.backlog is not None else 0

    def holds(self, item: Item) -> bool:
        return self.backlog is not None and item in self.backlog

    def put(self, item: Item) -> None:
        if self.backlog is None and self.transport.write_frame(item[0]):
            self.in_flight = item[1]
            if self.transport.congested():  # that write now waits for the peer
                self._start()
            return
        if self.backlog is None:
            self._start()
        self.backlog.append(item)

    async def drained(self) -> None:
        """Wait until nothing is queued (replay waits for the reader rather than dropping)."""
        while self.drain_task is not None and self.alive():
            await asyncio.shield(self.drain_task)

    def clear(self) -> None:
        """The session ended: queued frames are never written (no EVENT after an ERROR)."""
        if self.backlog is not None:
            self.backlog.clear()

    def _start(self) -> None:
        self.backlog = deque()
        self.drain_task = spawn(self._drain())

    async def _drain(self) -> None:
        try:
            while self.alive():
                if not await self.transport.wait_writable(self.alive):
                    await self.timed_out(self.in_flight, TIMEOUT_TEXT)
                    return
                if not self.backlog or not self.alive():
                    return
                frame, self.in_flight = self.backlog.popleft()
                if not self.transport.write_frame(frame):
                    await self.send_text(frame_text(frame))  # plain ASGI: the rare path decodes
        except Exception:  # the peer went away mid-write: its disconnect ends the session
            log.debug("attachment write failed", exc_info=True)
        finally:
            self.backlog = None
            self.drain_task = None
