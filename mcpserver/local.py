"""The in-process backend behind `/mcp`: API calls through the route views, waiting on the event hub.

An API call is a Django request built here and served by the same dispatcher, auth class,
ApiMiddleware and thread as over HTTP (moltnet.hotpath.serve_in_process): a send goes through
the group-commit writer like POST /v1/messages, so its durability and fan-out are the same.
"""

from __future__ import annotations

import asyncio
import io
import json
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote, urlencode

from django.core.handlers.asgi import ASGIRequest

from agents.auth import Caller
from attach import db
from attach.hub import Subscriber, get_hub, room_state_of
from attach.replay import LogEvent
from attach.visibility import Audience, lists_agent
from events.models import Event
from mcpserver.tools import Agent, Grants, ToolError
from moltnet import routing, state
from moltnet.hotpath import serve_in_process
from rooms.services import live_room, members_of

FORWARDED_HEADERS = (b"authorization", b"x-forwarded-for", b"x-forwarded-proto", b"forwarded")
MAX_RETURNED = 100  # messages per wait: the rest wait for the next call (the cursor stops before them)
_waiting: set[Subscriber] = set()


def shutdown_waits() -> None:
    """Server shutdown: every pending wait answers now with what it has (none), so no request
    holds the exit up and the client gets a clean `timed_out` answer with its cursor."""
    for subscription in list(_waiting):
        subscription.close()


def search_available() -> bool:
    """Full-text search is served by this server (the search app registers GET /v1/search)."""
    return "GET" in routing.ROUTES.get("/v1/search", {})


def grants_for(caller: Caller, agent: Agent | None) -> Grants:
    """The tools a caller gets: what its token may do over HTTP, in the terms of the tools."""
    if caller.privileged_none:
        return Grants(write=agent is not None, read=True, wait=True, search=search_available())
    read = caller.can_observe or caller.public_read
    own = caller.claims is not None and caller.claims.is_agent_token  # searches its own conversations
    return Grants(write=agent is not None and caller.has_any("write"), read=read,
                  wait=read or caller.has_any("attach"), search=(read or own) and search_available())


def error_text(status: int, body: bytes) -> str:
    try:
        message = json.loads(body).get("error") or ""
    except (ValueError, AttributeError):
        message = ""
    return f"{status} {message}".strip()


def _position(cursor: str) -> tuple[int, str]:
    """The log position after which to look: the cursor's row, or (no cursor) the newest row."""
    rows = Event.objects.filter(event_id=cursor) if cursor else Event.objects.order_by("-seq")
    found = rows.values_list("seq", "event_id").first()
    if found is None and cursor:
        raise ToolError(f"unknown cursor {cursor!r} (not in the event log, or no longer retained); "
                        "call again without a cursor to start from now")
    return found or (0, "")


def _room_members(room_id: str) -> list[str]:
    room = live_room(room_id)
    return members_of(room) if room is not None else []


@dataclass
class LocalBackend:
    caller: Caller
    agent: Agent | None
    scope: dict  # the /mcp request's ASGI scope: client address and Authorization header are reused
    request_id: str = ""  # the /mcp request's: its tools' API calls are logged under it
    _members: dict[str, list[str]] = field(default_factory=dict)

    async def grants(self) -> Grants:
        return grants_for(self.caller, self.agent)

    async def api(self, method: str, path: str, query: dict[str, Any] | None = None, body: Any = None) -> Any:
        # Compact UTF-8, as a client would send it: the API's 1 MiB body limit applies to these bytes.
        content = json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode() if body is not None else b""
        # The credential, and what tells the client's address behind a trusted proxy (rate limits, audit).
        headers = [(k, v) for k, v in self.scope.get("headers", []) if k.lower() in FORWARDED_HEADERS]
        headers += [(b"content-type", b"application/json"), (b"x-request-id", self.request_id.encode())]
        scope = {"type": "http", "method": method, "path": unquote(path), "raw_path": path.encode(), "root_path": "",
                 "query_string": urlencode(query or {}).encode(), "headers": headers,
                 "client": self.scope.get("client"), "server": self.scope.get("server"),
                 "scheme": self.scope.get("scheme", "http"), "http_version": "1.1"}
        response = await serve_in_process(ASGIRequest(scope, io.BytesIO(content)))
        if not 200 <= response.status_code < 300:
            raise ToolError(error_text(response.status_code, response.content))
        return json.loads(response.content)

    # --- waiting ----------------------------------------------------------------------------------
    def _audience(self) -> Audience:
        """What this caller would receive on the wire: /v1/attach for attach tokens, else the SSE stream."""
        cfg = state.config()
        agent_id = self.agent.id if self.agent else ""
        if self.caller.privileged_none or self.caller.has_any("attach"):
            return Audience.for_attachment(cfg, self.caller, agent_id)
        return Audience.for_stream(cfg, self.caller)

    async def _concerns(self, row: LogEvent, audience: Audience) -> bool:
        if row.type != "message.created" or not audience.allows(row.data, room_state_of(row)):
            return False
        if self.agent is None:
            return True  # an observer waits for every message it may see
        message = row.data.get("message") or {}
        me, network = self.agent.id, audience.network_id
        sender = message.get("from") or {}
        if sender.get("type") == "agent" and sender.get("id") == me and sender.get("network_id") in ("", network):
            return False
        target = message.get("target") or {}
        if target.get("kind") == "dm":
            return lists_agent(target.get("participant_ids"), network, me)
        if lists_agent(message.get("mentions"), network, me):
            return True
        room_id = target.get("room_id") or ""
        if room_id not in self._members:
            self._members[room_id] = await db.run(_room_members, room_id)
        return lists_agent(self._members[room_id], network, me)

    async def wait(self, cursor: str, timeout: float) -> dict[str, Any]:
        hub = get_hub()
        await hub.ensure_started()
        after, position = await db.run(_position, cursor)
        audience = self._audience()
        found: list[dict] = []

        async def consider(row: LogEvent) -> None:
            nonlocal position
            if len(found) >= MAX_RETURNED:
                return
            position = row.id
            if await self._concerns(row, audience):
                found.append(row.data["message"])

        # Replay from the log, then live with no gap; each wake-up reads the log once for every waiter.
        subscription = await hub.replay_then_subscribe(after, consider)
        _waiting.add(subscription)
        deadline = asyncio.get_running_loop().time() + timeout
        try:
            while not found and not subscription.closed:
                remaining = deadline - asyncio.get_running_loop().time()
                if remaining <= 0:
                    break
                try:
                    batch = await asyncio.wait_for(subscription.next_batch(), remaining)
                except TimeoutError:
                    break
                for row in batch:
                    await consider(await hub.prepare(row))
        finally:
            _waiting.discard(subscription)
            subscription.close()
        return {"messages": found, "cursor": position, "timed_out": not found}
