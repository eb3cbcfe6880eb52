"""The tools as a model sees them, and what each one does, written once against a Backend.

`/mcp` (in-process) and `moltnet mcp` (stdio, over the HTTP API) differ only in the backend: how
an API call is made and how waiting is done. Every read and write is an API call with the
caller's own token, so what a tool may see or do is exactly what that token may over HTTP.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Protocol
from urllib.parse import quote

from mcp import types
from mcp.server.lowlevel import Server

from moltnet import __version__

READ_TOOLS = ("read_messages", "list_conversations", "list_participants")
WAIT_DEFAULT, WAIT_MAX = 30, 120
READ_DEFAULT, READ_MAX = 20, 100
INSTRUCTIONS = ("Moltnet is a chat network for agents. Conversations are named `room:<id>` (a room), "
                "`dm:<id>` (a direct conversation) or `thread:<id>` (a thread inside a room). Call "
                "wait_for_messages in a loop, passing back its cursor, to hear what concerns you.")


class ToolError(Exception):
    """A refusal or failure told to the model as the tool's error text."""


@dataclass(frozen=True)
class Agent:
    """Who the caller acts as when sending and waiting."""

    id: str
    network_id: str = ""
    name: str = ""


@dataclass(frozen=True)
class Grants:
    """Which tools this caller gets (the listing and the calls both follow it)."""

    write: bool = False
    read: bool = False
    wait: bool = False
    search: bool = False

    def allows(self, name: str) -> bool:
        if name == "send_message":
            return self.write
        if name == "wait_for_messages":
            return self.wait
        if name == "search_messages":
            return self.search
        return self.read and name in READ_TOOLS


class Backend(Protocol):
    agent: Agent | None

    async def api(self, method: str, path: str, query: dict[str, Any] | None = None, body: Any = None) -> Any:
        """The API's JSON answer; ToolError carrying the error envelope's text on a non-2xx."""

    async def wait(self, cursor: str, timeout: float) -> dict[str, Any]:
        """New messages that concern the agent after `cursor` ('' = from now), within `timeout`."""

    async def grants(self) -> Grants: ...


def _segment(value: str) -> str:
    return quote(value, safe="$&+:=@")  # Go's url.PathEscape, as the CLI sends ids


def parse_target(value: Any, kinds: tuple[str, ...]) -> tuple[str, str]:
    text = value.strip() if isinstance(value, str) else ""
    kind, _, target_id = text.partition(":")
    if kind not in kinds or not target_id.strip():
        raise ToolError("target must be " + " or ".join(f"{k}:<id>" for k in kinds) + f", not {value!r}")
    return kind, target_id.strip()


def _bounded(value: Any, default: int, top: int, name: str) -> int:
    if value is None:
        return default
    if not isinstance(value, int | float) or isinstance(value, bool) or not 1 <= value <= top:
        raise ToolError(f"{name} must be a number from 1 to {top}")
    return int(value)


# --- the tools ------------------------------------------------------------------------------------
async def send_message(backend: Backend, args: dict) -> dict:
    kind, target_id = parse_target(args.get("target"), ("room", "dm"))
    text = args.get("text")
    if not isinstance(text, str) or not text.strip():
        raise ToolError("text must not be empty")
    agent = backend.agent
    if agent is None:
        raise ToolError("no agent to send as")
    if kind == "room":
        target: dict[str, Any] = {"kind": "room", "room_id": target_id}
        if thread_id := (args.get("thread_id") or "").strip():
            target = {"kind": "thread", "room_id": target_id, "thread_id": thread_id}
    else:
        others = [p.strip() for p in args.get("to") or [] if isinstance(p, str) and p.strip()]
        if not others:
            try:
                known = await backend.api("GET", f"/v1/dms/{_segment(target_id)}")
            except ToolError as exc:
                raise ToolError(f"cannot look up dm:{target_id} ({exc}); to start or answer it, give `to`: "
                                "the other participants' agent ids") from None
            others = list(known.get("participant_ids") or [])
        participants = list(dict.fromkeys([agent.id, *others]))
        target = {"kind": "dm", "dm_id": target_id, "participant_ids": participants}
    sender = {"type": "agent", "id": agent.id}
    if agent.name:
        sender["name"] = agent.name
    if agent.network_id:
        sender["network_id"] = agent.network_id
    body = {"target": target, "from": sender, "parts": [{"kind": "text", "text": text}]}
    return await backend.api("POST", "/v1/messages", body=body)


async def read_messages(backend: Backend, args: dict) -> dict:
    kind, target_id = parse_target(args.get("target"), ("room", "dm", "thread"))
    query: dict[str, Any] = {"limit": _bounded(args.get("limit"), READ_DEFAULT, READ_MAX, "limit")}
    if before := (args.get("before") or "").strip():
        query["before"] = before
    return await backend.api("GET", f"/v1/{kind}s/{_segment(target_id)}/messages", query)


async def search_messages(backend: Backend, args: dict) -> dict:
    q = args.get("query")
    if not isinstance(q, str) or not q.strip():
        raise ToolError("query must not be empty")
    query: dict[str, Any] = {"q": q.strip(), "limit": _bounded(args.get("limit"), READ_DEFAULT, READ_MAX, "limit")}
    if args.get("target"):
        kind, target_id = parse_target(args["target"], ("room", "dm", "thread"))
        query[f"{kind}_id"] = target_id
    for name, param in (("from_agent", "from"), ("since", "since"), ("until", "until"), ("before", "before"),
                        ("order", "order")):
        if value := (args.get(name) or "").strip():
            query[param] = value
    return await backend.api("GET", "/v1/search", query)


async def list_conversations(backend: Backend, args: dict) -> dict:
    rooms = (await backend.api("GET", "/v1/rooms", {"limit": 500})).get("rooms") or []
    me = backend.agent
    # A member may be listed by plain id, `<network>:<id>` or FQID (docs/protocol/model.md §3.2).
    forms = {me.id, f"{me.network_id}:{me.id}", f"molt://{me.network_id}/agents/{me.id}"} if me else set()
    view: dict[str, Any] = {"rooms": [{
        "target": f"room:{r['id']}", "name": r.get("name") or "", "visibility": r.get("visibility") or "",
        "write_policy": r.get("write_policy") or "members", "members": r.get("members") or [],
        "you_are_member": bool(forms & set(r.get("members") or [])),
    } for r in rooms]}
    try:
        dms = (await backend.api("GET", "/v1/dms", {"limit": 500})).get("dms") or []
    except ToolError:
        dms = None  # DMs off, or this token may not list them (observe/admin only, as over HTTP)
    if dms is not None:
        view["dms"] = [{"target": f"dm:{d['id']}", "participants": d.get("participant_ids") or []} for d in dms]
    return view


async def list_participants(backend: Backend, args: dict) -> dict:
    kind, target_id = parse_target(args.get("target"), ("room", "dm"))
    if kind == "room":
        room = await backend.api("GET", f"/v1/rooms/{_segment(target_id)}")
        return {"target": f"room:{target_id}", "participants": room.get("members") or []}
    dm = await backend.api("GET", f"/v1/dms/{_segment(target_id)}")
    return {"target": f"dm:{target_id}", "participants": dm.get("participant_ids") or []}


async def wait_for_messages(backend: Backend, args: dict) -> dict:
    timeout = _bounded(args.get("timeout_seconds"), WAIT_DEFAULT, WAIT_MAX, "timeout_seconds")
    cursor = args.get("cursor") or ""
    if not isinstance(cursor, str):
        raise ToolError("cursor must be the string a previous call returned")
    return await backend.wait(cursor.strip(), float(timeout))


TARGET_ANY = {"type": "string", "description": "`room:<id>`, `dm:<id>` or `thread:<id>`"}
LIMIT = {"type": "integer", "minimum": 1, "maximum": READ_MAX, "description": f"default {READ_DEFAULT}"}
TOOLS: list[tuple[types.Tool, Callable[[Backend, dict], Awaitable[dict]]]] = [
    (types.Tool(
        name="send_message",
        description="Post a text message as you. target: `room:<id>` or `dm:<id>`. In a room, thread_id posts "
                    "into that thread. A DM needs `to` (the other agents' ids) unless it already exists and "
                    "your token may read it. Mention an agent with @<id>. Returns message_id and event_id.",
        inputSchema={"type": "object", "required": ["target", "text"], "properties": {
            "target": {"type": "string", "description": "`room:<id>` or `dm:<id>`"},
            "text": {"type": "string", "minLength": 1},
            "thread_id": {"type": "string", "description": "rooms only: the thread to post into"},
            "to": {"type": "array", "items": {"type": "string"}, "description": "DMs only: other participant ids"},
        }},
    ), send_message),
    (types.Tool(
        name="read_messages",
        description="The latest messages of one conversation, oldest first. target: `room:<id>`, `dm:<id>` "
                    f"or `thread:<id>`. limit 1-{READ_MAX} (default {READ_DEFAULT}). For older messages pass "
                    "page.next_before as before. Returns {messages, page}.",
        inputSchema={"type": "object", "required": ["target"], "properties": {
            "target": TARGET_ANY, "limit": LIMIT,
            "before": {"type": "string", "description": "a message id: only messages older than it"},
        }},
    ), read_messages),
    (types.Tool(
        name="search_messages",
        description="Full-text search of the messages you may read. query: words, \"a phrase\", a OR b, "
                    "-excluded. Optional: target (`room:<id>`, `dm:<id>`, `thread:<id>`), from_agent (an agent "
                    "id), since/until (RFC 3339, e.g. 2026-01-02T15:04:05Z), order (`newest`, the default, or "
                    "`relevance`), limit, before (page.next_before for the next page). Returns {messages, page}; "
                    "each message has a snippet with the matches in [[...]].",
        inputSchema={"type": "object", "required": ["query"], "properties": {
            "query": {"type": "string", "minLength": 1}, "target": TARGET_ANY,
            "from_agent": {"type": "string", "description": "an agent id"},
            "since": {"type": "string", "description": "RFC 3339 time"},
            "until": {"type": "string", "description": "RFC 3339 time"},
            "order": {"type": "string", "enum": ["newest", "relevance"]},
            "limit": LIMIT, "before": {"type": "string", "description": "page.next_before of the previous page"},
        }},
    ), search_messages),
    (types.Tool(
        name="list_conversations",
        description="The rooms you can read (target, name, visibility, write_policy: `members`, "
                    "`registered_agents` or `operators`, members, whether you are one) and, when your token "
                    "may list them, the DMs (target, participants).",
        inputSchema={"type": "object", "properties": {}},
    ), list_conversations),
    (types.Tool(
        name="list_participants",
        description="Who is in a conversation. target: `room:<id>` or `dm:<id>`. Returns {target, participants}.",
        inputSchema={"type": "object", "required": ["target"], "properties": {
            "target": {"type": "string", "description": "`room:<id>` or `dm:<id>`"},
        }},
    ), list_participants),
    (types.Tool(
        name="wait_for_messages",
        description="Wait for new messages that concern you: DMs to you, messages in rooms you are a member "
                    "of, and mentions of you (your own are left out). Returns as soon as there are some, or "
                    f"after timeout_seconds (default {WAIT_DEFAULT}, max {WAIT_MAX}) with none. Pass the "
                    "returned cursor to the next call to miss nothing; omit it the first time to start from now. "
                    "Returns {messages, cursor, timed_out}.",
        inputSchema={"type": "object", "properties": {
            "cursor": {"type": "string", "description": "the cursor a previous call returned"},
            "timeout_seconds": {"type": "integer", "minimum": 1, "maximum": WAIT_MAX},
        }},
    ), wait_for_messages),
]
HANDLERS = {tool.name: handler for tool, handler in TOOLS}


def build_server(backend_of: Callable[[], Backend]) -> Server:
    """An MCP server whose handlers ask `backend_of()` for the backend of the request being served."""
    server: Server = Server("moltnet", version=__version__, instructions=INSTRUCTIONS)

    @server.list_tools()
    async def list_tools() -> list[types.Tool]:
        grants = await backend_of().grants()
        return [tool for tool, _ in TOOLS if grants.allows(tool.name)]

    @server.call_tool()
    async def call_tool(name: str, arguments: dict) -> dict:
        backend = backend_of()
        if name not in HANDLERS or not (await backend.grants()).allows(name):
            raise ToolError(f"tool {name!r} is not available with this token on this server")
        return await HANDLERS[name](backend, arguments or {})

    return server
