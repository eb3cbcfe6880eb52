"""The /v1/attach gateway (docs/protocol/attach.md): HELLO → IDENTIFY → READY → EVENT/ACK → PING/PONG → ERROR.

An idle attachment costs no task and no polling of its own: the identify timer, the 2.5 s PING
ticker and the 10 s read deadline are event-loop timers (the deadline re-armed lazily, only when it
fires), and live events are pushed by the hub synchronously, written as the hub's ready-made frame
bytes. A task exists only while there is waiting to do: the replay after READY, and a drain while
the peer is not reading (writes then queue, bounded, behind a 10 s write deadline).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import uuid
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

from channels.consumer import get_handler_name
from channels.exceptions import StopConsumer
from channels.generic.websocket import AsyncWebsocketConsumer

from attach import db, frames, identify, replay, serial, transport
from attach.frames import VERSION, FrameError
from attach.hub import QUEUE_CAPACITY, Subscriber, event_frame, get_hub, room_state_of
from attach.outbox import PING_ITEM, PONG_ITEM, Outbox, spawn
from attach.replay import LogEvent
from attach.serial import write
from attach.visibility import Audience, lists_agent
from attach.wakes import AgentRef, Wake, publish_wake, wake_of
from moltnet import logformat, metrics, state
from moltnet.gocompat import quote

log = logging.getLogger("moltnet.attach")

IDENTIFY_TIMEOUT = 10.0
PING_SECONDS = frames.HEARTBEAT_INTERVAL_MS / 2000
READ_DEADLINE = 2 * frames.HEARTBEAT_INTERVAL_MS / 1000
PENDING_WINDOW = 1024
# Durable replay can be far longer than the window: while replaying, wait (bounded) for ACKs
# instead of evicting cursors the client is about to ACK. Live delivery never waits (docs/protocol/attach.md §11.3).
REPLAY_ACK_WAIT = 2.0
REPLAY_RESUME_BELOW = PENDING_WINDOW - 256
REMOVED = "agent was removed from the network"
CLOSE_POLICY = 1008  # never 1000/1001: Go nodes treat those as a deliberate, permanent end
CLOSE_TOO_BIG = 1009
UNVERSIONED_OK = ("ACK", "PONG")

_live: set[AttachConsumer] = set()  # accepted sockets, for shutdown


async def shutdown_attachments() -> None:
    """Server shutdown: every session ends as `request_context_done` (no wake failures, 05 §14.1),
    then its TCP connection is closed without a close frame, as Go does."""
    sockets = list(_live)
    await asyncio.gather(*(c.fail("request_context_done", "", wake_failures=False, close_code=None)
                           for c in sockets), return_exceptions=True)
    for consumer in sockets:
        consumer.transport.drop()


class AttachConsumer(AsyncWebsocketConsumer):
    """One socket = one attachment."""

    channel_layer_alias = "moltnet.no-per-connection-channel"  # the hub owns the only layer channel

    async def __call__(self, scope: dict, receive: Callable[[], Awaitable[dict]],
                       send: Callable[[dict], Awaitable[None]]) -> None:
        # Channels' loop runs each receive() in a new task raced through asyncio.wait; one socket
        # needs only this plain loop. ORM work goes through attach.db, which manages connections
        # itself, so dispatch does not hop to the sync thread either.
        self.scope = scope
        self.channel_layer = None
        self.base_send = send
        try:
            while True:
                message = await receive()
                handler = getattr(self, get_handler_name(message), None)
                if handler is None:
                    raise ValueError(f"No handler for message type {message['type']}")
                await handler(message)
        except StopConsumer:
            pass
        except asyncio.CancelledError:
            # Server shutdown (Daphne cancels every application and waits for it): publish
            # agent.disconnected and release the slot, without wake failures (05 §14.1).
            if getattr(self, "phase", "closed") != "closed":
                await self.fail("request_context_done", "", wake_failures=False, close_code=None)
            raise

    async def websocket_connect(self, message: dict) -> None:
        self.started = time.perf_counter()
        self.loop = asyncio.get_running_loop()
        self.phase = "hello"  # hello → identifying → ready → closed
        self.counted = False
        self.accepted = False
        self.session_id = ""
        self.ref: AgentRef | None = None
        self.removal_floor = 0  # see replay.window_floor
        self.live_from = 0  # see identify.Identified.live_from
        self.own_connected: int | None = None  # this session's agent.connected: kept from live delivery
        self.pending: OrderedDict[str, None] = OrderedDict()
        self.wakes: dict[str, Wake] = {}
        self.timers: list[asyncio.TimerHandle] = []
        self.tasks: set[asyncio.Task] = set()
        self.sub: Subscriber | None = None
        self.acked: asyncio.Event | None = None
        self.cfg = state.config()
        self.transport = transport.for_connection(self.base_send)
        self.outbox = Outbox(self.transport, lambda text: self.send(text_data=text),
                             lambda: self.phase == "ready", self.fail)
        await get_hub().ensure_started()
        caller, denial, rid = await db.run(identify.authenticate, self.scope)
        # Every line logged for this attachment (its task and the tasks it starts) carries the id.
        logformat.request_id.set(rid)
        if denial is not None:
            self.phase = "closed"
            if not await self.transport.deny(self.scope, self.base_send, denial):
                await self.close()
            # Refused upgrades are ordinary requests for the metrics (08 §6), like Go's middleware.
            metrics.observe_request("GET", "GET /v1/attach", denial.status, time.perf_counter() - self.started)
            return
        self.caller = caller
        await self.accept()
        self.accepted = True
        self.transport.accepted(frames.MAX_FRAME_BYTES)
        _live.add(self)
        metrics.active_attachments.inc()
        self.counted = True
        await self._send_now(frames.HELLO)
        self.timers.append(self.loop.call_later(IDENTIFY_TIMEOUT, self._identify_expired))

    # --- inbound frames --------------------------------------------------------------------
    async def websocket_receive(self, message: dict) -> None:
        if self.phase in ("closed", "identifying"):
            return
        text = message.get("text")
        if text is None:
            await self.fail("read_error", frames.ERR_BINARY, send_error=frames.ERR_BINARY)
            return
        if len(text) * 4 > frames.MAX_FRAME_BYTES and len(text.encode()) > frames.MAX_FRAME_BYTES:
            await self.fail("read_error", "websocket: read limit exceeded", close_code=CLOSE_TOO_BIG)
            return
        self.last_read = self.loop.time()
        try:
            frame = frames.decode_cached(text)
        except FrameError as exc:
            await self.fail("read_error", str(exc), send_error=str(exc))
            return
        if self.phase == "hello":
            await self._identify(frame)
        else:
            await self._after_ready(frame)

    async def _identify(self, frame: frames.Frame) -> None:
        self.phase = "identifying"
        self._cancel_timers()
        self.session_id = "att_" + uuid.uuid4().hex
        try:
            result = await write(identify.identify, self.caller, frame, self.session_id)
        except Exception as exc:  # the commit holding the registration failed: storage's own text
            await self.fail("identify_failed", str(exc), send_error=str(exc) or "identify failed")
            return
        if result.error:
            await self.fail("identify_failed", result.error, send_error=result.error)
            return
        self.ref = AgentRef(self.cfg.network_id, result.agent_id, result.name)
        self.removal_floor = result.removal_floor
        self.live_from = result.live_from
        self.audience = Audience.for_attachment(self.cfg, self.caller, result.agent_id)
        self.cursor = (frame.cursor or "").strip()
        await self._send_now(result.ready_frame)
        if self.phase != "identifying":
            return
        self.phase = "ready"
        # A ticker, as in Go: the first PING one period after READY, then every period (05 §2).
        now = self.last_read = self.loop.time()
        self.next_ping = now + PING_SECONDS
        self.timers = [self.loop.call_at(self.next_ping, self._tick),
                       self.loop.call_at(now + READ_DEADLINE, self._check_deadline)]
        connected = await write(serial.ready, self.session_id, self.ref,
                                "attachment_ready" if self.cfg.debug_events else "")
        if not self.cursor:
            # Live from before READY, yet (as in Go, 05 §10) without the session's own agent.connected.
            self.own_connected = connected
        if self.phase == "ready":
            self._spawn(self._start_delivery())

    async def _after_ready(self, frame: frames.Frame) -> None:
        op = frame.op
        version = frame.version.strip()
        if op not in UNVERSIONED_OK or version:
            label = op.strip() or "frame"
            if not version:
                text = f"attachment {label} version is required"
                await self.fail("read_error", text, send_error=text)
                return
            if version != VERSION:
                text = f'attachment {label} version {quote(frame.version)} does not match "{VERSION}"'
                await self.fail("read_error", text, send_error=text)
                return
        if op == "ACK":
            await self._ack(frame.cursor.strip())
        elif op == "PONG":
            return
        elif op == "PING":
            self.outbox.put(PONG_ITEM)
        elif op == "ERROR":
            text = frame.error.strip()
            detail = f"attachment client error: {text}" if text else "attachment client error"
            await self.fail("client_error", detail)
        else:
            await self.fail("read_error", f"unexpected attachment frame op {quote(op)}",
                            send_error=f"unexpected frame op {quote(op)}")

    async def _ack(self, cursor: str) -> None:
        if not cursor or cursor not in self.pending:
            await self.fail("read_error", f"unexpected ACK cursor {quote(cursor)}",
                            send_error="unexpected ACK cursor")
            return
        del self.pending[cursor]
        if self.acked is not None:
            self.acked.set()
        wake = self.wakes.pop(cursor, None)
        if wake is not None and self.ref is not None:
            await write(publish_wake, "agent.wake.delivered", self.ref, wake)

    async def websocket_disconnect(self, message: dict) -> None:
        code = message.get("code") or 1006
        if self.phase != "closed":
            if code == 1000:
                await self.fail("client_closed", "", transport_error="websocket: close 1000 (normal)", close_code=None)
            elif code == 1001:
                await self.fail("client_going_away", "", transport_error="websocket: close 1001 (going away)",
                                close_code=None)
            else:
                text = transport.close_text(code)
                await self.fail("read_error", text, close_code=None)
        if self.accepted:
            metrics.observe_request("GET", "GET /v1/attach", 200, time.perf_counter() - self.started)
        raise StopConsumer()

    # --- timers (no task per socket) -------------------------------------------------------
    def _identify_expired(self) -> None:
        if self.phase == "hello":
            self._fail_soon("identify_timeout", "")

    def _tick(self) -> None:
        if self.phase != "ready":
            return
        now = self.loop.time()
        self.next_ping += PING_SECONDS
        if self.next_ping <= now:  # fell behind: ticks are dropped, not queued
            self.next_ping = now + PING_SECONDS
        self.timers[0] = self.loop.call_at(self.next_ping, self._tick)
        if self.outbox.holds(PING_ITEM):
            return  # a PING still waits behind a blocked write: Go's ticker drops this tick
        self.outbox.put(PING_ITEM)

    def _check_deadline(self) -> None:
        # Armed for last_read + 10 s; a frame read meanwhile moved last_read, so re-arm from it.
        if self.phase != "ready":
            return
        due = self.last_read + READ_DEADLINE
        if self.loop.time() >= due:
            self._fail_soon("read_error", "read tcp: i/o timeout")
        else:
            self.timers[1] = self.loop.call_at(due, self._check_deadline)

    def _cancel_timers(self) -> None:
        for timer in self.timers:
            timer.cancel()
        self.timers = []

    def _spawn(self, coro: Coroutine[Any, Any, Any]) -> None:
        task = spawn(coro)
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    # --- events ----------------------------------------------------------------------------
    async def _start_delivery(self) -> None:
        hub = get_hub()
        try:
            await hub.ensure_started()
            plan, after = await db.run(_delivery_plan, self.cursor, self.live_from)
            if plan.gap is not None:
                await self._replay(plan.gap)
            self.sub = await hub.replay_then_subscribe(after, self._replay, push=self._offer,
                                                       include_hidden=self.audience.admin, audience=self.audience)
            if self.phase != "ready":
                self.sub.close()
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("attachment event delivery failed")
            await self.fail("event_stream_closed", "", wake_failures=False, close_code=1011)

    async def _replay(self, event: LogEvent) -> None:
        if len(self.pending) >= PENDING_WINDOW:
            deadline = time.monotonic() + REPLAY_ACK_WAIT
            if self.acked is None:
                self.acked = asyncio.Event()
            while len(self.pending) > REPLAY_RESUME_BELOW and self.phase == "ready":
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    break  # a client that does not ACK gets the spec's silent eviction
                self.acked.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self.acked.wait(), remaining)
        await self.outbox.drained()  # replay waits for the reader; it never drops
        self._deliver(event)

    def _offer(self, event: LogEvent) -> None:
        """Live events, pushed by the hub: written now, or queued (bounded) behind a slow reader."""
        if self.phase != "ready":
            return
        if self.outbox.waiting() >= QUEUE_CAPACITY:
            metrics.events_dropped.inc()
            return
        self._deliver(event)

    def _deliver(self, event: LogEvent) -> None:
        if self.phase != "ready" or self.ref is None or event.seq == self.own_connected:
            return
        if self.audience.allows_type(event.type) is False:  # decided by the type: the body is not parsed
            return
        data = event.data
        if data.get("type") == "agent.removed" and event.seq > self.removal_floor:
            agent = data.get("agent") or {}
            if lists_agent([agent.get("agent_id", "")], self.ref.network_id, self.ref.agent_id):
                self._fail_soon("agent_removed", "", send_error=REMOVED, wake_failures=False)
                return
        if not self.audience.allows(data, room_state_of(event)):
            return
        if event.id not in self.pending:
            self.pending[event.id] = None
            if len(self.pending) > PENDING_WINDOW:
                evicted, _ = self.pending.popitem(last=False)
                self.wakes.pop(evicted, None)
        wake = wake_of(data, self.ref.network_id, self.ref.agent_id, self.ref.name)
        if wake is not None:
            self.wakes[event.id] = wake
        self.outbox.put((event_frame(event, self.cfg.network_id), "event_write_failed"))

    async def _send_now(self, text: str) -> None:
        if not self.transport.write_frame(transport.text_frame(text.encode())):
            await self.send(text_data=text)

    # --- termination (05 §14) --------------------------------------------------------------
    def _begin_fail(self) -> bool | None:
        """The synchronous half of `fail`: no frame may follow once it returns. None if already closed."""
        if self.phase == "closed":
            return None
        was_ready = self.phase == "ready"
        self.phase = "closed"
        self._cancel_timers()
        current = asyncio.current_task()
        for task in list(self.tasks):
            if task is not current:
                task.cancel()
        if self.sub is not None:
            self.sub.close()
        self.outbox.clear()
        _live.discard(self)
        return was_ready

    def _fail_soon(self, reason: str, error: str, **options: Any) -> None:
        was_ready = self._begin_fail()
        if was_ready is not None:
            spawn(self._finish_fail(was_ready, reason, error, **options))

    async def fail(self, reason: str, error: str, **options: Any) -> None:
        """End the session once: ERROR frame → wake failures → agent.disconnected → release → close."""
        was_ready = self._begin_fail()
        if was_ready is not None:
            await self._finish_fail(was_ready, reason, error, **options)

    async def _finish_fail(self, was_ready: bool, reason: str, error: str, *, send_error: str = "",
                           transport_error: str = "", wake_failures: bool = True,
                           close_code: int | None = CLOSE_POLICY) -> None:
        if send_error:
            with contextlib.suppress(Exception):
                await self._send_now(frames.error_frame(send_error))
        wakes = list(self.wakes.values()) if wake_failures else []
        self.wakes.clear()
        try:
            debug = self.cfg.debug_events
            await write(serial.teardown, self.session_id, self.ref if was_ready else None, wakes,
                        error or transport_error, reason if debug else "", error if debug else "")
        except Exception:
            log.exception("attachment teardown failed")
        if self.counted:
            metrics.active_attachments.dec()
            self.counted = False
        if close_code is not None and not self.transport.drop(close_code if close_code == CLOSE_TOO_BIG
                                                               else None):
            # Not Daphne/uvicorn: an ASGI close (1008/1011/1009 are still "reconnect" codes for Go clients).
            with contextlib.suppress(Exception):
                await self.close(code=close_code)


def _delivery_plan(cursor: str, live_from: int) -> tuple[replay.Plan, int]:
    """Where delivery starts: after the cursor, or (live only) after what was committed before READY."""
    plan = identify.replay_plan(cursor)
    return plan, plan.after if plan.after is not None else live_from
