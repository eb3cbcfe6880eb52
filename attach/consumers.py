"""The /v1/attach gateway (spec 05): HELLO → IDENTIFY → READY → EVENT/ACK → PING/PONG → ERROR."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import uuid
from collections import OrderedDict

from channels.consumer import get_handler_name
from channels.exceptions import StopConsumer
from channels.generic.websocket import AsyncWebsocketConsumer

from attach import db, frames, identify, presence, replay, transport
from attach.frames import VERSION, FrameError, go_quote
from attach.hub import get_hub
from attach.replay import LogEvent
from attach.visibility import Audience, lists_agent
from attach.wakes import AgentRef, Wake, publish, publish_wake, publish_wake_failures, wake_of
from moltnet import metrics, state

log = logging.getLogger("moltnet.attach")

IDENTIFY_TIMEOUT = 10.0
PING_SECONDS = frames.HEARTBEAT_INTERVAL_MS / 2000
READ_DEADLINE = 2 * frames.HEARTBEAT_INTERVAL_MS / 1000
PENDING_WINDOW = 1024
# Durable replay can be far longer than the window: while replaying, wait (bounded) for ACKs
# instead of evicting cursors the client is about to ACK. Live delivery never waits (spec 05 §11.3).
REPLAY_ACK_WAIT = 2.0
REPLAY_RESUME_BELOW = PENDING_WINDOW - 256
REMOVED = "agent was removed from the network"
CLOSE_POLICY = 1008  # never 1000/1001: Go nodes treat those as a deliberate, permanent end
CLOSE_TOO_BIG = 1009
UNVERSIONED_OK = ("ACK", "PONG")


class AttachConsumer(AsyncWebsocketConsumer):
    """One socket = one attachment; background tasks for the identify timer, heartbeat and events."""

    channel_layer_alias = "moltnet.no-per-connection-channel"  # the hub owns the only layer channel

    async def __call__(self, scope, receive, send) -> None:
        try:
            await super().__call__(scope, receive, send)
        except asyncio.CancelledError:
            # Server shutdown (Daphne cancels every application and waits for it): publish
            # agent.disconnected and release the slot, without wake failures (05 §14.1).
            if getattr(self, "phase", "closed") != "closed":
                await self.fail("request_context_done", "", wake_failures=False, close_code=None)
            raise

    async def dispatch(self, message: dict) -> None:
        # Channels' dispatch hops to the shared sync thread (close_old_connections) before every
        # inbound message; our ORM work runs in attach.db, which manages connections itself, so
        # ACK/PONG handling stays on the event loop.
        handler = getattr(self, get_handler_name(message), None)
        if handler is None:
            raise ValueError(f"No handler for message type {message['type']}")
        await handler(message)

    async def websocket_connect(self, message: dict) -> None:
        self.started = time.perf_counter()
        self.phase = "hello"  # hello → identifying → ready → closed
        self.counted = False
        self.accepted = False
        self.ready_sent = False
        self.session_id = ""
        self.ref: AgentRef | None = None
        self.removal_floor = 0  # see replay.window_floor
        self.pending: OrderedDict[str, None] = OrderedDict()
        self.wakes: dict[str, Wake] = {}
        self.tasks: list[asyncio.Task] = []
        self.last_read = time.monotonic()
        self.acked = asyncio.Event()
        self.write_lock = asyncio.Lock()
        self.cfg = state.config()
        self.protocol = transport.daphne_protocol(self.base_send)
        await get_hub().ensure_started()
        caller, denial, _ = await db.run(identify.authenticate, self.scope)
        if denial is not None:
            self.phase = "closed"
            if not transport.deny(self.protocol, denial):
                await self.close()
            # Refused upgrades are ordinary requests for the metrics (08 §6), like Go's middleware.
            metrics.observe_request("GET", "GET /v1/attach", denial.status, time.perf_counter() - self.started)
            return
        self.caller = caller
        await self.accept()
        self.accepted = True
        transport.limit_message_size(self.protocol, frames.MAX_FRAME_BYTES)
        metrics.active_attachments.inc()
        self.counted = True
        await self.send(text_data=frames.HELLO)
        self.tasks.append(asyncio.ensure_future(self._identify_timer()))

    # --- inbound frames --------------------------------------------------------------------
    async def websocket_receive(self, message: dict) -> None:
        if self.phase in ("closed", "identifying"):
            return
        text = message.get("text")
        if text is None:
            await self.fail("read_error", frames.ERR_BINARY, send_error=frames.ERR_BINARY)
            return
        if len(text.encode()) > frames.MAX_FRAME_BYTES:
            await self.fail("read_error", "websocket: read limit exceeded", close_code=CLOSE_TOO_BIG)
            return
        self.last_read = time.monotonic()
        try:
            frame = frames.decode(text)
        except FrameError as exc:
            await self.fail("read_error", str(exc), send_error=str(exc))
            return
        if self.phase == "hello":
            await self._identify(frame)
        else:
            await self._after_ready(frame)

    async def _identify(self, frame: frames.Frame) -> None:
        self.phase = "identifying"
        for task in self.tasks:
            task.cancel()
        self.tasks = []
        self.session_id = "att_" + uuid.uuid4().hex
        result = await db.run(identify.identify, self.caller, frame, self.session_id)
        if result.error:
            await self.fail("identify_failed", result.error, send_error=result.error)
            return
        self.ref = AgentRef(self.cfg.network_id, result.agent_id, result.name)
        self.removal_floor = result.removal_floor
        self.audience = Audience.for_attachment(self.cfg, self.caller, result.agent_id)
        self.cursor = (frame.cursor or "").strip()
        await self.send(text_data=result.ready_frame)
        self.ready_sent = True
        self.phase = "ready"
        self.last_read = time.monotonic()
        await db.run(presence.mark_ready, self.session_id)
        await db.run(publish, "agent.connected", self.ref,
                      reason="attachment_ready" if self.cfg.debug_events else "")
        self.tasks = [asyncio.ensure_future(self._heartbeat()), asyncio.ensure_future(self._pump())]

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
                text = f'attachment {label} version {go_quote(frame.version)} does not match "{VERSION}"'
                await self.fail("read_error", text, send_error=text)
                return
        if op == "ACK":
            await self._ack(frame.cursor.strip())
        elif op == "PONG":
            return
        elif op == "PING":
            await self.send(text_data=frames.PONG)
        elif op == "ERROR":
            text = frame.error.strip()
            detail = f"attachment client error: {text}" if text else "attachment client error"
            await self.fail("client_error", detail)
        else:
            await self.fail("read_error", f"unexpected attachment frame op {go_quote(op)}",
                            send_error=f"unexpected frame op {go_quote(op)}")

    async def _ack(self, cursor: str) -> None:
        if not cursor or cursor not in self.pending:
            await self.fail("read_error", f"unexpected ACK cursor {go_quote(cursor)}",
                            send_error="unexpected ACK cursor")
            return
        del self.pending[cursor]
        self.acked.set()
        wake = self.wakes.pop(cursor, None)
        if wake is not None and self.ref is not None:
            await db.run(publish_wake, "agent.wake.delivered", self.ref, wake)

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

    # --- background tasks ------------------------------------------------------------------
    async def _identify_timer(self) -> None:
        await asyncio.sleep(IDENTIFY_TIMEOUT)
        if self.phase == "hello":
            await self.fail("identify_timeout", "")

    async def _heartbeat(self) -> None:
        # A ticker, as in Go: the first PING one period after READY, then every period (05 §2).
        next_ping = time.monotonic() + PING_SECONDS
        while self.phase == "ready":
            await asyncio.sleep(min(0.25, max(0.0, next_ping - time.monotonic())))
            now = time.monotonic()
            if now - self.last_read > READ_DEADLINE:
                await self.fail("read_error", "read tcp: i/o timeout")
                return
            if now >= next_ping:
                next_ping += PING_SECONDS
                if next_ping <= now:  # fell behind (a slow write): ticks are dropped, not queued
                    next_ping = now + PING_SECONDS
                if not await self._write(frames.PING):
                    await self.fail("heartbeat_write_failed", "write tcp: i/o timeout")
                    return

    async def _pump(self) -> None:
        hub = get_hub()
        sub = None
        try:
            await hub.ensure_started()
            plan = await db.run(identify.replay_plan, self.cursor)
            if plan.gap is not None:
                await self._deliver(plan.gap)
            # Live only = from what is committed now (the hub may not have read it yet).
            after = plan.after if plan.after is not None else await db.run(replay.newest_seq)
            sub = await hub.replay_then_subscribe(after, self._replay)
            self.subscriber = sub
            while self.phase == "ready":
                for event in await sub.next_batch():
                    if self.phase != "ready":
                        break
                    await self._deliver(event)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("attachment event delivery failed")
            await self.fail("event_stream_closed", "", wake_failures=False, close_code=1011)
        finally:
            if sub is not None:
                sub.close()

    async def _replay(self, event: LogEvent) -> None:
        if len(self.pending) >= PENDING_WINDOW:
            deadline = time.monotonic() + REPLAY_ACK_WAIT
            while len(self.pending) > REPLAY_RESUME_BELOW and self.phase == "ready":
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    break  # a client that does not ACK gets the spec's silent eviction
                self.acked.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self.acked.wait(), remaining)
        await self._deliver(event)

    async def _deliver(self, event: LogEvent) -> None:
        if self.phase != "ready" or self.ref is None:
            return
        data = event.data
        if data.get("type") == "agent.removed" and event.seq > self.removal_floor:
            agent = data.get("agent") or {}
            if lists_agent([agent.get("agent_id", "")], self.ref.network_id, self.ref.agent_id):
                await self.fail("agent_removed", "", send_error=REMOVED, wake_failures=False)
                return
        if not await self.audience.allows(data, get_hub()):
            return
        if event.id not in self.pending:
            self.pending[event.id] = None
            if len(self.pending) > PENDING_WINDOW:
                evicted, _ = self.pending.popitem(last=False)
                self.wakes.pop(evicted, None)
        wake = wake_of(data, self.ref.network_id, self.ref.agent_id, self.ref.name)
        if wake is not None:
            self.wakes[event.id] = wake
        if not await self._write(frames.event_frame(self.cfg.network_id, event.id, event.body)):
            await self.fail("event_write_failed", "write tcp: i/o timeout")

    async def _write(self, text: str) -> bool:
        """Send one frame; False when the peer stopped reading for longer than the write deadline.

        Writes are serialized as in Go: a PING waits behind a blocked EVENT write (without a deadline
        of its own), so a peer that stops reading ends with `event_write_failed` (05 §15).
        """
        async with self.write_lock:
            if not await transport.wait_writable(self.protocol, lambda: self.phase == "ready"):
                return False
            if self.phase != "ready":
                return True
            await self.send(text_data=text)
            return True

    # --- termination (05 §14) --------------------------------------------------------------
    async def fail(self, reason: str, error: str, *, send_error: str = "", transport_error: str = "",
                   wake_failures: bool = True, close_code: int | None = CLOSE_POLICY) -> None:
        """End the session once: ERROR frame → wake failures → agent.disconnected → release → close."""
        if self.phase == "closed":
            return
        was_ready = self.phase == "ready"
        self.phase = "closed"
        current = asyncio.current_task()
        for task in self.tasks:
            if task is not current:
                task.cancel()
        if send_error:
            with contextlib.suppress(Exception):
                await self.send(text_data=frames.error_frame(send_error))
        ref = self.ref
        try:
            if was_ready and ref is not None:
                if wake_failures and self.wakes:
                    await db.run(publish_wake_failures, ref, list(self.wakes.values()), error or transport_error)
                self.wakes.clear()
                debug = self.cfg.debug_events
                await db.run(publish, "agent.disconnected", ref, reason=reason if debug else "",
                             error=error if debug else "")
            if self.session_id:
                await db.run(presence.release, self.session_id)
        except Exception:
            log.exception("attachment teardown failed")
        if self.counted:
            metrics.active_attachments.dec()
            self.counted = False
        if close_code is not None and not transport.drop(self.protocol, close_code if close_code == CLOSE_TOO_BIG
                                                          else None):
            # Not Daphne: an ASGI close (1008/1011/1009 are still "reconnect" codes for Go clients).
            with contextlib.suppress(Exception):
                await self.close(code=close_code)
