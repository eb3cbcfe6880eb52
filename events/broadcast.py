"""Cross-process wake-up for log readers, over the Channels layer.

The message carries no event: each process's hub reads new rows from the log itself, so a
lost notification costs latency (the hub also polls), never an event.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import InMemoryChannelLayer, get_channel_layer

log = logging.getLogger("moltnet.events")
GROUP = "moltnet.events"
_local_listeners: list = []
_publisher: Callable[[], None] | None = None

# A committed event as the appending process hands it to its own readers: (seq, event id, type,
# body as stored, the event as a dict, which they would otherwise parse back from the body).
AppendedRow = tuple[int, str, str, str, dict[str, Any]]


def add_local_listener(callback) -> None:
    """Register an in-process callback (the hub) invoked on every local append."""
    _local_listeners.append(callback)


def set_publisher(publish: Callable[[], None] | None) -> None:
    """Hand the cross-process notification to `publish` (the hub, which sends one channel-layer
    message per wake-up from its event loop) instead of one blocking send per event here."""
    global _publisher
    _publisher = publish


def remove_local_listener(callback) -> None:
    if callback in _local_listeners:
        _local_listeners.remove(callback)


def announce_appended(seq: int | None = None, row: AppendedRow | None = None) -> None:
    """Wake this process's listeners (told the new `seq` and the committed row when known) and the
    other processes."""
    for callback in list(_local_listeners):
        try:
            callback(seq, row)
        except Exception:  # a broken listener must not fail the send that committed
            log.exception("local event listener failed")
    layer = get_channel_layer()
    if layer is None or isinstance(layer, InMemoryChannelLayer):
        return  # in-memory fan-out never leaves this process: the local listeners already woke the hub
    if _publisher is not None:
        _publisher()
        return
    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:  # a thread of its own (the writer's, a management command's): block on it
        try:
            async_to_sync(layer.group_send)(GROUP, {"type": "log.appended"})
        except Exception:
            log.warning("channel layer notification failed; readers will catch up by polling", exc_info=True)
        return
    # On an event loop (the WAL sync announces there): send without blocking it.
    task = loop.create_task(layer.group_send(GROUP, {"type": "log.appended"}))
    _sending.add(task)
    task.add_done_callback(_sent)


_sending: set[asyncio.Task] = set()  # held until done: the loop keeps only weak references to tasks


def _sent(task: asyncio.Task) -> None:
    _sending.discard(task)
    if not task.cancelled() and task.exception() is not None:
        log.warning("channel layer notification failed; readers will catch up by polling",
                    exc_info=task.exception())
