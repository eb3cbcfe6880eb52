"""The /v1/events/stream SSE observer stream (docs/protocol/events.md §6): framing, keep-alive, replay, filtering,
caps."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from urllib.parse import parse_qsl

from channels.consumer import get_handler_name
from channels.exceptions import StopConsumer
from channels.generic.http import AsyncHttpConsumer

from attach import db, replay, transport
from attach.handshake import authenticate_stream, header_map, json_denial, request_id, send_denial
from attach.hub import get_hub, room_state_of
from attach.replay import LogEvent
from attach.visibility import Audience
from moltnet import logformat, metrics, state
from moltnet.errors import ApiError
from moltnet.ids import EVENT_TYPE_PATTERN, ID_PATTERN

log = logging.getLogger("moltnet.sse")
KEEPALIVE_SECONDS = 15.0
MAX_TOTAL = 128
MAX_PER_IDENTITY = 16
ROUTE = "GET /v1/events/stream"


class Limiter:
    """Concurrent-stream caps: 128 per process, 16 per identity (06 §6.2)."""

    def __init__(self) -> None:
        self.total = 0
        self.by_identity: dict[str, int] = {}

    def acquire(self, identity: str) -> bool:
        if self.total >= MAX_TOTAL or self.by_identity.get(identity, 0) >= MAX_PER_IDENTITY:
            return False
        self.total += 1
        self.by_identity[identity] = self.by_identity.get(identity, 0) + 1
        return True

    def release(self, identity: str) -> None:
        self.total -= 1
        left = self.by_identity.get(identity, 1) - 1
        if left:
            self.by_identity[identity] = left
        else:
            self.by_identity.pop(identity, None)


limiter = Limiter()
_open: set[EventStreamConsumer] = set()  # streams being served, for shutdown


def shutdown_streams() -> None:
    """Server shutdown: end every stream's connection (clients reconnect with Last-Event-ID)."""
    for stream in list(_open):
        stream.transport.drop()


def valid_cursor(value: str | None) -> str:
    value = (value or "").strip()
    return value if value and ID_PATTERN.fullmatch(value) else ""


def resume_cursor(scope: dict) -> str:
    """`Last-Event-ID`, else (absent or invalid) `?last_event_id=`; the first value of each, as Go reads them."""
    header = next((v.decode("latin1") for k, v in scope.get("headers", []) if k.lower() == b"last-event-id"), "")
    if cursor := valid_cursor(header):
        return cursor
    query = parse_qsl(scope.get("query_string", b"").decode("latin1"), keep_blank_values=True)
    return valid_cursor(next((v for k, v in query if k == "last_event_id"), ""))


def sse_frame(event: LogEvent) -> bytes | None:
    """`id:`/`event:`/`data:` lines, or None for an event the safety filter skips (built once per
    event and kept on it, so every observer writes the same bytes)."""
    cached = event.__dict__.get("_sse", False)
    if cached is not False:
        return cached
    event_id, event_type = event.id.strip(), event.type.strip()
    frame = None
    if ID_PATTERN.fullmatch(event_id) and EVENT_TYPE_PATTERN.fullmatch(event_type):
        frame = f"id: {event_id}\nevent: {event_type}\ndata: {event.body}\n\n".encode()
    event.__dict__["_sse"] = frame
    return frame


class EventStreamConsumer(AsyncHttpConsumer):
    """Streams in a background task so the consumer still sees `http.disconnect`."""

    channel_layer_alias = "moltnet.no-per-connection-channel"
    # Who is asking (scope → caller, denial, request id, credentials). The console's stream for
    # password sessions substitutes its own (console/stream.py); everything else is shared.
    authenticate = staticmethod(authenticate_stream)

    async def dispatch(self, message: dict) -> None:
        # No per-message hop to the shared sync thread: ORM work goes through attach.db.
        handler = getattr(self, get_handler_name(message), None)
        if handler is None:
            raise ValueError(f"No handler for message type {message['type']}")
        await handler(message)

    async def http_request(self, message: dict) -> None:
        if message.get("more_body"):
            return
        self.started = time.perf_counter()
        self.identity = ""
        self.task: asyncio.Task | None = None
        self.status = 200
        self.transport = transport.for_connection(self.base_send)
        self.method = self.scope.get("method", "GET")
        if self.method not in ("GET", "HEAD"):
            # Matched no route: labelled with the raw path in the request metrics (08 §6.3).
            rid = request_id(header_map(self.scope))
            await self._refuse(json_denial(ApiError(405, "method not allowed", {"Allow": "GET, HEAD"}), rid),
                               route=self.scope.get("path", ""))
            return
        caller, denial, rid, creds = await db.run(self.authenticate, self.scope)
        logformat.request_id.set(rid)  # lines logged for this stream (and its task) carry its id
        if denial is not None:
            await self._refuse(denial)
            return
        claims = caller.claims
        if claims is not None and claims.is_static:
            identity = f"token:{claims.token_id}"
        else:
            identity = f"addr:{creds.remote_addr}" if creds.remote_addr else "anonymous"
        if not limiter.acquire(identity):
            await self._refuse(json_denial(ApiError(503, "too many event streams"), rid))
            return
        self.identity = identity
        cursor = resume_cursor(self.scope)
        # Live only = after what is committed before the stream opens: read later, an event that
        # lands in between (the client already reading) would be lost.
        live_from = None if cursor.strip() else await db.run(replay.newest_seq)
        await self.send_headers(status=200, headers=[
            (b"content-type", b"text/event-stream"), (b"cache-control", b"no-cache"),
            (b"connection", b"keep-alive"), (b"x-request-id", rid.encode()), (b"x-accel-buffering", b"no")])
        await self.send_body(b": stream-open\n\n", more_body=True)
        # Past MAX_BACKLOG unread, live events are dropped rather than buffered or waited on.
        self.transport.accepted()
        _open.add(self)
        metrics.active_sse.inc()
        audience = Audience.for_stream(state.config(), caller)
        self.task = asyncio.ensure_future(self._stream(audience, cursor, live_from))

    async def _refuse(self, denial, route: str = ROUTE) -> None:
        self.status = denial.status
        await send_denial(self.send, denial)
        metrics.observe_request(self.method, route, denial.status, time.perf_counter() - self.started)
        raise StopConsumer()

    async def _write(self, payload: bytes) -> None:
        await self.send_body(payload, more_body=True)

    async def _deliver(self, event: LogEvent, audience: Audience) -> None:
        await self._deliver_all([event], audience)

    async def _deliver_all(self, events: list[LogEvent], audience: Audience) -> None:
        """The frames of the events this observer may see, written together (one chunk)."""
        frames = [frame for event in events
                  if audience.allows(event.data, room_state_of(event)) and (frame := sse_frame(event)) is not None]
        if not frames:
            return
        if self.transport.congested():
            metrics.events_dropped.inc(len(frames))  # a stalled reader loses live events, not server memory
            return
        await self._write(b"".join(frames))

    async def _stream(self, audience: Audience, cursor: str, live_from: int | None = None) -> None:
        hub = get_hub()
        sub = None
        keepalive = asyncio.ensure_future(self._keepalive())
        try:
            await hub.ensure_started()
            plan = await db.run(replay.plan, cursor)
            if plan.gap is not None:
                await self._deliver(plan.gap, audience)

            async def deliver(event: LogEvent) -> None:
                await self._deliver(event, audience)

            after = plan.after if plan.after is not None else live_from or 0
            sub = await hub.replay_then_subscribe(after, deliver, include_hidden=audience.admin)
            while True:
                await self._deliver_all(await sub.next_batch(), audience)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("event stream failed")
        finally:
            keepalive.cancel()
            if sub is not None:
                sub.close()

    async def _keepalive(self) -> None:
        while True:
            await asyncio.sleep(KEEPALIVE_SECONDS)
            if not self.transport.congested():  # a stalled reader needs no keep-alive
                await self._write(b": keep-alive\n\n")

    async def http_disconnect(self, message: dict) -> None:
        _open.discard(self)
        task = getattr(self, "task", None)
        if task is not None:
            task.cancel()
            with contextlib.suppress(BaseException):
                await task
            metrics.active_sse.dec()
            metrics.observe_request(self.method, ROUTE, 200, time.perf_counter() - self.started)
        if getattr(self, "identity", ""):
            limiter.release(self.identity)
            self.identity = ""
        raise StopConsumer()
