"""The per-process event hub: one reader of the durable log, fanning out to local subscribers.

Wake-ups come from in-process appends (events.broadcast local listeners), from other processes
through ONE channel-layer group subscription per process, and from a poll as a safety net; each
wake reads the new rows once (seq > last) and offers them to every subscriber.

Per event, not per subscriber: the room state visibility depends on is resolved once (`prepare`)
and the attachment EVENT frame is encoded once (`event_frame`), so fan-out to K sockets is K
in-memory checks and K writes of the same bytes. Attachments take events synchronously (`push`);
SSE streams use a bounded queue. A full queue drops the event for that subscriber only
(moltnet_events_dropped_total), so a slow consumer costs bounded memory and never delays the others.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from collections.abc import Awaitable, Callable
from operator import itemgetter

from channels.layers import InMemoryChannelLayer, get_channel_layer

from attach import db, frames, presence, replay, transport
from attach.replay import LogEvent
from attach.visibility import ROOM_EVENT_TYPES, Audience, names_someone, room_of
from events import broadcast, retention
from events.broadcast import AppendedRow
from moltnet import metrics
from rooms.models import Room

log = logging.getLogger("moltnet.hub")
POLL_SECONDS = 1.0
QUEUE_CAPACITY = 1024
ROOM_CACHE_SECONDS = 1.0
RECENT_EVENTS = 1024  # the newest events offered, kept to replay to attachments that just joined
RETENTION_EVERY_SECONDS = 60.0


def room_state_of(event: LogEvent) -> tuple[bool, bool] | None:
    """(live, public) of the room the event's visibility depends on, as `Hub.prepare` resolved it."""
    return event.__dict__.get("_room")


def event_frame(event: LogEvent, network_id: str) -> bytes:
    """The attachment EVENT frame as WebSocket frame bytes; built once per event and kept on it
    (like `LogEvent.data`), so every subscriber writes the same bytes."""
    cached = event.__dict__.get("_frame")
    if cached is None:
        text = frames.event_frame(network_id, event.id, event.body)
        cached = event.__dict__["_frame"] = transport.text_frame(text.encode())
    return cached


class Subscriber:
    """Live events with seq > `after`: handed to `push` at once, or kept in a bounded queue."""

    def __init__(self, hub: Hub, after: int, capacity: int = QUEUE_CAPACITY,
                 push: Callable[[LogEvent], None] | None = None, audience: Audience | None = None) -> None:
        self.hub = hub
        self.audience = audience  # when given, the hub offers only events it allows
        self.after = after
        self.capacity = capacity
        self.push = push
        self.queue: deque[LogEvent] = deque()
        self.ready = asyncio.Event()
        self.closed = False

    def offer(self, event: LogEvent) -> None:
        if event.seq <= self.after or self.closed:
            return
        if self.push is not None:
            self.push(event)
            return
        if len(self.queue) >= self.capacity:
            metrics.events_dropped.inc()
            return
        self.queue.append(event)
        self.ready.set()

    async def next_batch(self) -> list[LogEvent]:
        while not self.queue:
            if self.closed:
                return []
            self.ready.clear()
            await self.ready.wait()
        batch = list(self.queue)
        self.queue.clear()
        return batch

    def close(self) -> None:
        self.closed = True
        self.hub.unsubscribe(self)
        self.ready.set()


class Hub:
    def __init__(self) -> None:
        # Subscribers by what their audience shares (None: no audience, offered everything); a
        # group leaves when its last subscriber does, so an empty dict means nobody listens.
        self.subscribers: dict[tuple | None, set[Subscriber]] = {}
        self.last_seq = 0
        self.loop: asyncio.AbstractEventLoop | None = None
        self.wake: asyncio.Event | None = None
        self.local_seq = 0  # the newest seq this process's own commits reported
        self.remote_wake = True  # the log may hold rows we were not told about: read it
        self._wake_pending = False
        self._publish_pending = False
        self.layer = None
        self._local_rows: deque[AppendedRow] = deque()
        self.tasks: list[asyncio.Task] = []
        self._starting: asyncio.Future | None = None
        self._rooms: dict[str, tuple[float, bool, bool]] = {}
        self._recent: deque[LogEvent] = deque(maxlen=RECENT_EVENTS)  # every one offered, in order

    # --- lifecycle --------------------------------------------------------------------
    async def ensure_started(self) -> None:
        if self._starting is None:
            self._starting = asyncio.ensure_future(self._start())
        await asyncio.shield(self._starting)

    async def _start(self) -> None:
        self.loop = asyncio.get_running_loop()
        self.wake = asyncio.Event()
        self.last_seq = await db.run(replay.newest_seq)
        await db.run(presence.forget_other_processes)
        broadcast.add_local_listener(self._on_local_append)
        self.layer = get_channel_layer()
        if self.layer is not None and not isinstance(self.layer, InMemoryChannelLayer):
            broadcast.set_publisher(self._publish_soon)
        self.tasks = [asyncio.ensure_future(self._reader()), asyncio.ensure_future(self._listen()),
                      asyncio.ensure_future(self._maintenance())]

    def _on_local_append(self, seq: int | None = None, row: AppendedRow | None = None) -> None:
        # Called from the sending thread after commit, once per event: one wake-up is enough for
        # all the events committed before it runs, so no more are queued while one is pending.
        if row is not None:
            self._local_rows.append(row)  # deque.append: safe from another thread
        if seq is not None and seq > self.local_seq:
            self.local_seq = seq
        elif seq is None:
            self.remote_wake = True  # an append whose position we were not told: read the log
        self._schedule_wake()

    def _publish_soon(self) -> None:
        """Tell the other processes (from the sending thread): one channel-layer message per
        wake-up, sent from the event loop, however many events the wake-up covers."""
        self._publish_pending = True
        self._schedule_wake()

    def _schedule_wake(self) -> None:
        if self.loop is not None and self.wake is not None and not self._wake_pending:
            self._wake_pending = True
            self.loop.call_soon_threadsafe(self._wake_now)

    def _wake_now(self) -> None:
        self._wake_pending = False
        if self._publish_pending:
            self._publish_pending = False
            self.tasks.append(asyncio.ensure_future(self._publish()))
            self.tasks = [task for task in self.tasks if not task.done()]
        if self.wake is not None:
            self.wake.set()

    async def _publish(self) -> None:
        try:
            await self.layer.group_send(broadcast.GROUP, {"type": "log.appended"})
        except Exception:
            log.warning("channel layer notification failed; readers will catch up by polling", exc_info=True)

    # --- subscriptions ----------------------------------------------------------------
    def subscribe(self, after: int, capacity: int = QUEUE_CAPACITY,
                  push: Callable[[LogEvent], None] | None = None, audience: Audience | None = None) -> Subscriber:
        """Register for live events with seq > after. Synchronous: nothing is dispatched meanwhile."""
        sub = Subscriber(self, after, capacity, push, audience)
        self.subscribers.setdefault(audience.shared if audience else None, set()).add(sub)
        return sub

    def unsubscribe(self, sub: Subscriber) -> None:
        key = sub.audience.shared if sub.audience else None
        group = self.subscribers.get(key)
        if group is not None:
            group.discard(sub)
            if not group:
                del self.subscribers[key]

    async def replay_then_subscribe(self, after: int, deliver: Callable[[LogEvent], Awaitable[None]],
                                    capacity: int = QUEUE_CAPACITY,
                                    push: Callable[[LogEvent], None] | None = None,
                                    include_hidden: bool = False, audience: Audience | None = None) -> Subscriber:
        """Replay rows with seq > after from the log, then go live with no gap and no duplicate.

        Loops until the replay has caught up with what the hub dispatched; the final check and
        the registration happen without an await in between, so they are atomic on the loop.
        Replayed events are prepared like live ones. Messages a moderator hid are replayed only
        with `include_hidden` (admin observers). With `audience`, live events it does not allow are
        not offered (replayed ones are: `deliver` filters them).
        """
        position = after
        while True:
            if position >= self.last_seq:
                # The hub has offered nothing past `position` yet: it will offer all that follows.
                return self.subscribe(position, capacity, push, audience)
            rows = self._recent_after(position)
            if rows is None:
                rows = await db.run(replay.read_after, position, replay.PAGE)
            for row in rows:
                if row.hidden and not include_hidden:
                    continue
                await self.prepare(row)
                await deliver(row)
            if rows:
                position = rows[-1].seq
            if len(rows) < replay.PAGE and position >= self.last_seq:
                return self.subscribe(position, capacity, push, audience)

    # --- reading the log --------------------------------------------------------------
    async def _reader(self) -> None:
        assert self.wake is not None
        while True:
            try:
                await asyncio.wait_for(self.wake.wait(), POLL_SECONDS)
            except TimeoutError:
                self.remote_wake = True  # the safety-net poll reads the log
            self.wake.clear()
            try:
                await self._drain()
            except Exception:
                log.exception("reading the event log failed; retrying")
                await asyncio.sleep(POLL_SECONDS)

    async def _drain(self) -> None:
        while True:
            if not self.remote_wake:
                # Only this process appended since the last read: its commits handed us their rows.
                rows = self._local_rows_in_order()
                if rows is not None:
                    if not self.subscribers:
                        self._recent.clear()  # skipped, not offered: the memory no longer follows the log
                        self.last_seq = max(self.last_seq, self.local_seq)
                    else:
                        await self._offer_all(rows)
                    return
            self.remote_wake = False
            self._local_rows.clear()  # the log is read instead; it holds them all
            if not self.subscribers:
                # Nobody to deliver to: skip ahead, unless someone subscribed during the await
                # (they registered at the old position and must get the rows in between).
                newest = await db.run(replay.newest_seq)
                if not self.subscribers:
                    self._recent.clear()
                    self.last_seq = max(self.last_seq, newest)
                    return
            rows = await db.run(replay.read_after, self.last_seq, replay.PAGE)
            await self._offer_all(rows)
            if len(rows) < replay.PAGE:
                return

    def _local_rows_in_order(self) -> list[LogEvent] | None:
        """The rows local commits handed over, if they continue the log exactly where the hub is;
        None when one is missing (another process's or thread's commit not announced yet): then
        the log is read instead."""
        handed = sorted((self._local_rows.popleft() for _ in range(len(self._local_rows))), key=itemgetter(0))
        expected, rows = self.last_seq + 1, []
        for seq, event_id, event_type, body, data in handed:
            if seq < expected:
                continue  # offered already (read from the log)
            if seq != expected:
                return None
            rows.append(LogEvent.committed(seq, event_id, event_type, body, data))
            expected += 1
        return rows

    def _recent_after(self, position: int) -> list[LogEvent] | None:
        """The events after `position` up to the newest offered, from memory: an attachment that
        joins during an attach storm replays the others' presence without a read of the log (or a
        parse: the events are the ones already offered). None when the memory does not hold them
        all, or when one is a message: a moderator may have hidden it since, so the log decides."""
        recent = self._recent
        if not recent or recent[0].seq > position + 1 or recent[-1].seq != self.last_seq:
            return None
        rows = [row for row in recent if row.seq > position]
        if not rows or any(row.type == "message.created" for row in rows):
            return None
        return rows

    async def _offer_all(self, rows: list[LogEvent]) -> None:
        for row in rows:
            if row.seq <= self.last_seq:
                continue
            await self.prepare(row)
            self._offer(row)
            self._recent.append(row)
            self.last_seq = row.seq

    def _offer(self, row: LogEvent) -> None:
        # Most events name nobody in particular: whether an audience may see one is then decided
        # once per kind of audience, not once per subscriber (a thousand anonymous attachments
        # skip another agent's presence in one check). Subscribers still filter what they get.
        personal = names_someone(row.type, lambda: row.data)
        for key, group in list(self.subscribers.items()):
            if key is not None and not personal:
                audience = next(iter(group)).audience
                allowed = audience.allows_type(row.type)
                if allowed is None:
                    allowed = audience.allows(row.data, room_state_of(row))
                if not allowed:
                    continue
            for sub in list(group):
                try:
                    sub.offer(row)
                except Exception:  # one subscriber's failure is not the others'
                    log.exception("offering an event to a subscriber failed")

    async def _listen(self) -> None:
        """One channel-layer group subscription per process: other processes' appends wake us."""
        layer = get_channel_layer()
        if layer is None:
            return
        while True:
            try:
                channel = await layer.new_channel()
                await layer.group_add(broadcast.GROUP, channel)
                while True:
                    await layer.receive(channel)
                    self.remote_wake = True
                    if self.wake is not None:
                        self.wake.set()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.warning("channel layer receive failed; relying on polling until it recovers", exc_info=True)
                await asyncio.sleep(POLL_SECONDS)

    async def _maintenance(self) -> None:
        last_prune = 0.0
        while True:
            await asyncio.sleep(presence.HEARTBEAT_SECONDS)
            try:
                await db.run(presence.heartbeat)
                if time.monotonic() - last_prune >= RETENTION_EVERY_SECONDS:
                    last_prune = time.monotonic()
                    await db.run(retention.prune)
            except Exception:
                log.exception("presence heartbeat / retention failed")

    # --- room readability (shared short cache) -----------------------------------------
    async def prepare(self, event: LogEvent) -> LogEvent:
        """Resolve, once per event, the room state its visibility depends on (`room_state_of`)."""
        if "_room" not in event.__dict__:
            room_id = room_of(event.data) if event.type in ROOM_EVENT_TYPES else ""
            event.__dict__["_room"] = await self.room_state(room_id) if room_id else None
        return event

    async def room_state(self, room_id: str) -> tuple[bool, bool]:
        """(exists and not removed, visibility public), cached for ROOM_CACHE_SECONDS."""
        cached = self._rooms.get(room_id)
        stamp = time.monotonic()
        if cached is not None and stamp - cached[0] < ROOM_CACHE_SECONDS:
            return cached[1], cached[2]
        live, public = await db.run(_room_state, room_id)
        if len(self._rooms) > 10000:
            self._rooms.clear()
        self._rooms[room_id] = (stamp, live, public)
        return live, public


def _room_state(room_id: str) -> tuple[bool, bool]:
    room = Room.objects.filter(id=room_id).values_list("deleted_at", "visibility").first()
    if room is None or room[0] is not None:
        return False, False
    return True, room[1] == "public"


_hub: Hub | None = None


def get_hub() -> Hub:
    global _hub
    if _hub is None:
        _hub = Hub()
    return _hub
