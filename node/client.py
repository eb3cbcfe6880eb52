"""The attachment client: /v1/attach handshake, ACK-after-delivery, heartbeats, back-off (docs/protocol/node.md
§7.3-§7.9).

The compatibility preflight that runs before it lives in `node.preflight` (re-exported here for callers).
"""

from __future__ import annotations

import asyncio
import json
import logging
import random
from collections import deque
from collections.abc import Awaitable, Callable, Mapping
from urllib.parse import urlsplit, urlunsplit

import websockets
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidStatus

from moltnet.config import ConfigError
from moltnet.gocompat import quote
from node import logs
from node.config import BridgeConfig
from node.preflight import MAX_FRAME, PROTOCOL, api_url, json_object, preflight, redact
from node.state import CursorStore, now
from node.tokens import prepare_first_claim, write_token_file

__all__ = ["AttachError", "AttachmentClient", "api_url", "backoff", "preflight", "redact"]

BASE_DELAY, MAX_DELAY = 0.5, 15.0
log = logging.getLogger("moltnet.node")


class AttachError(Exception):
    """A stream failure: the runner logs it, backs off and reconnects."""


def backoff(attempt: int, rand: Callable[[int, int], int] = random.randint) -> float:
    """Spec 09 §7.9: 0.5 s doubling to 15 s, ±20 % jitter, clamped to [0.5 s, 15 s]."""
    d = int(BASE_DELAY * 1e9)
    cap = int(MAX_DELAY * 1e9)
    for _ in range(max(attempt - 1, 0)):
        if d >= cap:
            break
        d = min(2 * d, cap)
    j = d // 5
    delay = d - j + rand(0, 2 * j)
    return max(min(delay, cap), int(BASE_DELAY * 1e9)) / 1e9


def attach_url(base_url: str) -> str:
    parts = urlsplit(base_url)
    scheme = {"http": "ws", "https": "wss"}.get(parts.scheme)
    if scheme is None:
        raise AttachError(f'unsupported moltnet base url scheme "{parts.scheme}"')
    return urlunsplit((scheme, parts.netloc, parts.path.rstrip("/") + "/v1/attach", "", ""))


# ---- the attachment (docs/protocol/node.md §7.3–§7.7)
# --------------------------------------------------------------------------

Handler = Callable[[dict], Awaitable[asyncio.Future | None]]


class AttachmentClient:
    """One agent's /v1/attach session loop state: token, resume cursor, serialised writes."""

    def __init__(self, cfg: BridgeConfig, environ: Mapping[str, str] | None = None,
                 store: CursorStore | None = None) -> None:
        self.cfg = cfg
        self.token: str | None = None
        self.token_error: Exception | None = None
        try:
            self.token = cfg.moltnet.resolve_token(environ)
        except ConfigError as exc:
            self.token_error = exc
        self.store = store
        self.cursor = store.load() if store else ""
        self._write_lock = asyncio.Lock()
        # ACKed cursors in arrival order with "finished" flags: the persisted cursor only moves past an event
        # once the runtime has really run it, so wakes still queued in a CLI runtime survive a node restart.
        self._unfinished: deque[list] = deque()

    async def _send(self, ws: ClientConnection, frame: dict) -> None:
        async with self._write_lock:
            await asyncio.wait_for(ws.send(json.dumps(frame, separators=(",", ":"))), 10)

    async def _read(self, ws: ClientConnection, timeout: float) -> dict:
        try:
            raw = await asyncio.wait_for(ws.recv(), timeout)
        except TimeoutError:
            raise AttachError("read attachment frame: i/o timeout") from None
        if isinstance(raw, bytes):
            raise AttachError("attachment protocol only accepts text JSON frames")
        try:
            return json_object(raw, "frame is not a JSON object")
        except ValueError as exc:
            raise AttachError(f"decode attachment frame: {exc}") from None

    @staticmethod
    def _check_version(frame: dict, op: str, optional: bool = False) -> None:
        version = frame.get("version") or ""
        if not version:
            if optional:
                return
            raise AttachError(f"attachment {op} version is required")
        if version != PROTOCOL:
            raise AttachError(f'attachment {op} version {quote(str(version))} does not match "{PROTOCOL}"')

    def identify_frame(self) -> dict:
        cfg = self.cfg
        caps = {"rooms": bool(cfg.rooms), "threads": any(r.wake != "never" for r in cfg.rooms),
                "dms": bool(cfg.dms and cfg.dms.enabled), "artifacts": True}
        frame = {"op": "IDENTIFY", "version": PROTOCOL, "network_id": cfg.moltnet.network_id,
                 "agent": {"type": "agent", "id": cfg.agent_id, "name": cfg.display_name},
                 "capabilities": {k: v for k, v in caps.items() if v}}
        if self.cursor:
            frame["cursor"] = self.cursor
        return frame

    async def _dial(self) -> ClientConnection:
        cfg = self.cfg
        if self.token_error is not None:
            raise AttachError(str(self.token_error))
        if self.token is None and cfg.moltnet.mode == "open":
            if not cfg.moltnet.write_back_path:
                raise AttachError("open auth first claim requires moltnet.token_path")
            try:
                prepare_first_claim(cfg.moltnet.write_back_path)
            except ConfigError as exc:
                raise AttachError(str(exc)) from None
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        try:
            return await connect(attach_url(cfg.moltnet.base_url), additional_headers=headers, max_size=MAX_FRAME,
                                 compression=None, ping_interval=None, open_timeout=15, close_timeout=2,
                                 user_agent_header="moltnet-node")
        except InvalidStatus as exc:
            response = exc.response
            raise AttachError(f"request moltnet attach: {response.status_code} {response.reason_phrase}") from None
        except (OSError, TimeoutError, websockets.InvalidHandshake) as exc:
            raise AttachError(f"dial moltnet attachment: {exc}") from None

    async def _handshake(self, ws: ClientConnection) -> float:
        hello = await self._read(ws, 10)
        if hello.get("op") != "HELLO":
            raise AttachError(f"expected HELLO frame, got {hello.get('op') or ''}")
        self._check_version(hello, "HELLO")
        interval = hello.get("heartbeat_interval_ms")
        interval = interval / 1000 if isinstance(interval, (int, float)) and interval > 0 else 30.0
        timeout = max(2 * interval, 10.0)
        await self._send(ws, self.identify_frame())
        ready = await self._read(ws, timeout)
        if ready.get("op") == "ERROR":
            raise AttachError(f"attachment gateway error: {str(ready.get('error') or '').strip()}")
        if ready.get("op") != "READY":
            raise AttachError(f"expected READY frame, got {ready.get('op') or ''}")
        self._check_version(ready, "READY")
        got = str(ready.get("network_id") or "").strip()
        if got != self.cfg.moltnet.network_id.strip():
            raise AttachError(f"attachment READY network_id {quote(got)} does not match "
                              f"{quote(self.cfg.moltnet.network_id)}")
        agent_token = str(ready.get("agent_token") or "").strip()
        if agent_token:
            # The generated token is saved before any event is processed or any runtime is woken. Without a
            # configured token_path it goes to the node's state directory: a shown-once token is never dropped.
            path = self.cfg.moltnet.write_back_path
            if not path:
                raise AttachError("attachment returned an agent token but moltnet.token_path is not configured")
            try:
                write_token_file(path, agent_token)
            except ConfigError as exc:
                raise AttachError(str(exc)) from None
            logs.info("agent token saved", component="node", agent_id=self.cfg.agent_id, path=path)
            self.token = agent_token
        return timeout

    async def _reader(self, ws: ClientConnection, timeout: float, queue: asyncio.Queue) -> None:
        """Answers PINGs at once (even mid-delivery) and queues EVENT/ERROR frames for the handler."""
        try:
            while True:
                try:
                    frame = await self._read(ws, timeout)
                except ConnectionClosed as exc:
                    if exc.rcvd is not None and exc.rcvd.code in (1000, 1001):
                        await queue.put(("end", None))
                        return
                    raise AttachError(f"read attachment frame: {exc}") from None
                op = frame.get("op") or ""
                self._check_version(frame, op or "frame", optional=op in ("ACK", "PONG"))
                if op == "PING":
                    try:
                        await self._send(ws, {"op": "PONG", "version": PROTOCOL})
                    except (ConnectionClosed, TimeoutError) as exc:
                        raise AttachError(f"write attachment pong: {exc}") from None
                elif op in ("EVENT", "ERROR"):
                    await queue.put(("frame", frame))
                else:
                    raise AttachError(f"unexpected attachment frame op {quote(str(op))}")
        except AttachError as exc:
            await queue.put(("error", exc))

    async def stream(self, handler: Handler, on_ready: Callable[[], asyncio.Task | None] | None = None) -> None:
        """One session: returns on a clean end (close 1000/1001), raises AttachError otherwise.

        `on_ready` may return a background task (a bootstrap); its failure ends the stream with its error.
        """
        ws = await self._dial()
        reader: asyncio.Task | None = None
        getter: asyncio.Future | None = None
        try:
            timeout = await self._handshake(ws)
            self._record(connected=True, connected_at=now(), last_error="")
            watch = on_ready() if on_ready else None
            queue: asyncio.Queue = asyncio.Queue(64)
            reader = asyncio.create_task(self._reader(ws, timeout, queue))
            while True:
                getter = getter or asyncio.ensure_future(queue.get())
                waiting = {getter} | ({watch} if watch is not None else set())
                done, _ = await asyncio.wait(waiting, return_when=asyncio.FIRST_COMPLETED)
                if watch is not None and watch in done:
                    if not watch.cancelled() and watch.exception() is not None:
                        getter.cancel()
                        raise AttachError(str(watch.exception()))
                    watch = None
                if getter not in done:
                    continue
                kind, item = getter.result()
                getter = None
                if kind == "end":
                    return
                if kind == "error":
                    raise item
                await self._process(ws, item, handler)
        except ConnectionClosed as exc:
            raise AttachError(f"read attachment frame: {exc}") from None
        except (OSError, TimeoutError) as exc:  # e.g. a frame write missing its 10 s deadline
            raise AttachError(f"write attachment frame: {exc or 'i/o timeout'}") from None
        finally:
            for task in (reader, getter):
                if task is not None:
                    task.cancel()
            self._record(connected=False)
            await ws.close()

    async def _process(self, ws: ClientConnection, frame: dict, handler: Handler) -> None:
        if frame.get("op") == "ERROR":
            raise AttachError(f"attachment gateway error: {str(frame.get('error') or '').strip()}")
        event = frame.get("event")
        if not isinstance(event, dict):
            raise AttachError("attachment event frame is missing event payload")
        self._record(last_event={"id": event.get("id") or "", "type": event.get("type") or "", "at": now()})
        try:
            completion = await handler(event)
        except (asyncio.CancelledError, KeyboardInterrupt):
            raise
        except Exception as exc:  # noqa: BLE001 - any runtime failure is reported to the server
            text = str(exc).strip() or "bridge handler failed"
            try:
                await self._send(ws, {"op": "ERROR", "version": PROTOCOL, "error": text})
            except (ConnectionClosed, TimeoutError) as write_error:
                raise AttachError(f"{text}; report attachment error: {write_error}") from None
            raise AttachError(text) from exc
        cursor = str(frame.get("cursor") or "")
        await self._send(ws, {"op": "ACK", "version": PROTOCOL, "cursor": cursor})
        # A replay-gap id is not a resume point: resuming from it would replay the whole buffer again.
        if cursor and not cursor.startswith("evt_gap_"):
            self.cursor = cursor
            entry = [cursor, completion is None]
            self._unfinished.append(entry)
            if completion is not None:
                completion.add_done_callback(lambda f, entry=entry: self._finished(entry, f))
            self._persist()

    def _record(self, **fields: object) -> None:
        if self.store is not None:
            self.store.record(**fields)

    def _finished(self, entry: list, future: asyncio.Future) -> None:
        if not future.cancelled():  # cancelled = shutdown before the runtime ran it: replay after restart
            entry[1] = True
            self._persist()

    def _persist(self) -> None:
        """Save the newest cursor before which every event has been fully handled."""
        last = ""
        while self._unfinished and self._unfinished[0][1]:
            last = self._unfinished.popleft()[0]
        if last and self.store:
            self.store.save(last)
