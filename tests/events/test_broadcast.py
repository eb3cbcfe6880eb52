"""The cross-process wake-up (events.broadcast) over a real Redis channel layer."""

from __future__ import annotations

import asyncio
import logging

from channels.layers import channel_layers

from events import broadcast


async def test_an_append_announced_on_the_event_loop_reaches_other_processes_without_blocking_it(
        redis_server, settings, caplog):
    """The WAL sync runs the announcement on the event loop that answers the sends: the
    notification is sent from there as a task (a blocking send there would fail)."""
    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
                                           "CONFIG": {"hosts": [redis_server.url]}}}
    channel_layers.backends.clear()
    layer = channel_layers["default"]
    try:
        other_process = await layer.new_channel()
        await layer.group_add(broadcast.GROUP, other_process)
        with caplog.at_level(logging.WARNING, logger="moltnet.events"):
            broadcast.announce_appended(7)
            message = await asyncio.wait_for(layer.receive(other_process), 5)
        assert message == {"type": "log.appended"}
        # (An earlier in-process test's hub may still be listening on its closed loop; that is its own line.)
        assert not [r for r in caplog.records if "channel layer notification failed" in r.getMessage()]
    finally:
        await layer.flush()
        channel_layers.backends.clear()
