"""The attachment client: preflight, /v1/attach handshake, ACK-after-delivery, heartbeats, back-off (spec 09 §7)."""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import random
from collections import deque
from collections.abc import Awaitable, Callable, Mapping
from urllib.parse import urlsplit, urlunsplit

import httpx
import websockets
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidStatus

from moltnet.config import ConfigError
from moltnet.gourl import go_quote
from node import logs
from node.config import BridgeConfig
from node.state import CursorStore, now
from node.tokens import prepare_first_claim, write_token_file

PROTOCOL = "moltnet.attach.v1"
MAX_FRAME = 1 << 20
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


def redact(url: str) -> str:
    """Hide user-info credentials in URLs shown in errors and logs."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return url
    if "@" not in parts.netloc:
        return url
    return urlunsplit(parts._replace(netloc="***@" + parts.netloc.rsplit("@", 1)[1]))


def api_url(base_url: str, path: str) -> str:
    return base_url.rstrip("/") + path


def attach_url(base_url: str) -> str:
    parts = urlsplit(base_url)
    scheme = {"http": "ws", "https": "wss"}.get(parts.scheme)
    if scheme is None:
        raise AttachError(f'unsupported moltnet base url scheme "{parts.scheme}"')
    return urlunsplit((scheme, parts.netloc, parts.path.rstrip("/") + "/v1/attach", "", ""))


def status_line(response: httpx.Response) -> str:
    return f"{response.status_code} {response.reason_phrase}".strip()


# ---- compatibility preflight (spec 09 §7.2) ----------------------------------------------------------------------

def _protocol_issue(document: dict, key: str, want: str, hint_key: str, hint_value: str, legacy: bool) -> str | None:
    """Reported protocol names are compared and listed trimmed; a list of blanks is reported as `none`."""
    reported = _list(_dict(document.get("protocols")).get(key))
    if reported:
        names = [p.strip() for p in reported if isinstance(p, str) and p.strip()]
        if want in names:
            return None
        return f"required protocol {want} in protocols.{key}, reported {','.join(names) or 'none'}"
    if not legacy:
        return f"required protocol {want} in protocols.{key}, reported none"
    if _text(_dict(document.get("capabilities")).get(hint_key)).strip() != hint_value:
        return (f"required protocol {want} in protocols.{key}, reported none; "
                f"legacy hint {hint_key}={hint_value} is missing")
    return None


def _dict(value: object) -> dict:
    return value if isinstance(value, dict) else {}


def _list(value: object) -> list:
    return value if isinstance(value, list) else []


def _text(value: object) -> str:
    return value if isinstance(value, str) else ""


def compatibility_issues(cfg: BridgeConfig, document: dict) -> list[str]:
    issues = []
    expected = cfg.moltnet.network_id.strip()
    reported = _text(document.get("id")).strip()
    if reported != expected:
        issues.append(f"network_id mismatch: expected {go_quote(expected)}, reported {go_quote(reported)}")
    protocols = _dict(document.get("protocols"))
    legacy = not any(_list(protocols.get(k)) for k in ("http", "attach", "pair"))
    for key, want, hint_key, hint_value in (("http", "moltnet.http.v1", "message_pagination", "cursor"),
                                            ("attach", PROTOCOL, "attachment_protocol", "websocket")):
        issue = _protocol_issue(document, key, want, hint_key, hint_value, legacy)
        if issue:
            issues.append(issue)
    caps = _dict(document.get("capabilities"))
    attachment_protocol = _text(caps.get("attachment_protocol")).strip()
    if attachment_protocol != "websocket":
        issues.append(f"required capability attachment_protocol=websocket, reported {go_quote(attachment_protocol)}")
    if cfg.dms is not None and cfg.dms.enabled and caps.get("direct_messages") is not True:
        issues.append("required capability direct_messages=true, reported false")
    return issues


async def fetch_network(cfg: BridgeConfig, token: str | None) -> dict:
    url = api_url(cfg.moltnet.base_url, "/v1/network")
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    try:
        async with httpx.AsyncClient(timeout=15, trust_env=True) as http:
            response = await http.get(url, headers=headers)
    except httpx.HTTPError as exc:
        raise ConfigError(f"request moltnet compatibility metadata from {redact(url)}: {exc}") from None
    body = response.content[:MAX_FRAME]
    if response.status_code in (401, 403):
        raise ConfigError(f"moltnet compatibility preflight {redact(url)} returned {status_line(response)}: configured "
                          "credentials cannot read network compatibility metadata; required scopes: observe, pair, "
                          "or attach")
    if not 200 <= response.status_code < 300:
        text = body.decode(errors="replace").strip()
        raise ConfigError(f"moltnet compatibility preflight {redact(url)} returned {status_line(response)}"
                          + (f": {text}" if text else ""))
    try:
        document = json.loads(body)
        if not isinstance(document, dict):
            raise ValueError("network document is not an object")
    except ValueError as exc:
        raise ConfigError(f"decode moltnet compatibility metadata: {exc}") from None
    return document


async def preflight(cfg: BridgeConfig, environ: Mapping[str, str] | None = None,
                    cache: dict | None = None) -> None:
    """Check the server before any runtime is touched; `cache` shares results between a node's attachments."""
    try:
        token = cfg.moltnet.resolve_token(environ)
    except ConfigError as exc:
        raise ConfigError(f"resolve moltnet token for compatibility preflight: {exc}") from None
    key = (cfg.moltnet.base_url.rstrip("/"), cfg.moltnet.network_id,
           hashlib.sha256(token.encode()).hexdigest() if token else "none")
    if cache is not None and key in cache:
        document = cache[key]
    else:
        document = await fetch_network(cfg, token)
        if cache is not None:
            cache[key] = document
    issues = compatibility_issues(cfg, document)
    if issues:
        raise ConfigError(f"moltnet compatibility check failed for {redact(cfg.moltnet.base_url)}: "
                          + "; ".join(issues))


# ---- the attachment (spec 09 §7.3–§7.7) --------------------------------------------------------------------------

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
            frame = json.loads(raw)
            if not isinstance(frame, dict):
                raise ValueError("frame is not a JSON object")
        except ValueError as exc:
            raise AttachError(f"decode attachment frame: {exc}") from None
        return frame

    @staticmethod
    def _check_version(frame: dict, op: str, optional: bool = False) -> None:
        version = frame.get("version") or ""
        if not version:
            if optional:
                return
            raise AttachError(f"attachment {op} version is required")
        if version != PROTOCOL:
            raise AttachError(f'attachment {op} version {go_quote(str(version))} does not match "{PROTOCOL}"')

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
            raise AttachError(f"attachment READY network_id {go_quote(got)} does not match "
                              f"{go_quote(self.cfg.moltnet.network_id)}")
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
                    raise AttachError(f"unexpected attachment frame op {go_quote(str(op))}")
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
