"""Outbound frames of one attachment (attach/outbox.py): order, backpressure, the write deadline."""

from __future__ import annotations

import asyncio

from attach import frames, outbox, transport
from attach.outbox import PING_ITEM, Outbox


class Stalled(transport.Transport):
    """A direct-write transport whose peer stopped reading after the first frame."""

    def __init__(self) -> None:
        self.written: list[bytes] = []

    def write_frame(self, frame: bytes) -> bool:
        self.written.append(frame)
        return True

    def congested(self) -> bool:
        return bool(self.written)

    async def wait_writable(self, alive) -> bool:
        await asyncio.sleep(0.01)
        return False  # the write deadline passed


def test_plain_asgi_frames_are_sent_in_order_as_text():
    sent: list[str] = []

    async def scenario() -> None:
        async def send_text(text: str) -> None:
            await asyncio.sleep(0)
            sent.append(text)

        box = Outbox(transport.Transport(), send_text, lambda: True, None)
        box.put(PING_ITEM)
        box.put((transport.text_frame(b'{"op":"EVENT"}'), "event_write_failed"))
        await box.drained()

    asyncio.run(scenario())
    assert sent == [frames.PING, '{"op":"EVENT"}']


def test_a_write_that_never_drains_ends_the_session_as_that_write():
    ended: list[tuple[str, str]] = []

    async def scenario() -> None:
        async def timed_out(reason: str, error: str) -> None:
            ended.append((reason, error))

        stalled = Stalled()
        box = Outbox(stalled, None, lambda: not ended, timed_out)
        box.put((b"event", "event_write_failed"))  # written, but the peer does not read it
        box.put(PING_ITEM)  # waits behind it, as in Go
        assert box.holds(PING_ITEM) and box.waiting() == 1
        await box.drained()
        assert stalled.written == [b"event"]  # the PING never went out

    asyncio.run(scenario())
    assert ended == [("event_write_failed", outbox.TIMEOUT_TEXT)]
