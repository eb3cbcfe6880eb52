"""The caller access context shared by the discovery documents (docs/protocol/discovery-metrics.md §1)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from django.http import HttpRequest

from agents.auth import Caller
from moltnet.config import ServerConfig
from moltnet.runtimes import registry
from rooms import queries
from rooms.access import access_json, can_read
from rooms.services import members_by_room

ROOM_LIMIT = 100
BARE = re.compile(r"[A-Za-z0-9._:/,-]+")
# The runtime values the documents offer (docs/protocol/discovery-metrics.md §3.2: pi has no skill install and is not
# listed).
RUNTIMES = tuple(spec.name for spec, _snippet in registry.documented())
# The example texts of the generated send commands, as the Go documents spell them.
GREETING = '"Hello from <agent-id>."'
DM_TEXT = '"Can you review this?"'


def base_url(request: HttpRequest) -> str:
    """`<scheme>://<host>` from the request and X-Forwarded-* (docs/protocol/discovery-metrics.md §1.1)."""
    scheme = "https" if request._get_scheme() == "https" else ""
    if not scheme:
        forwarded = (request.headers.get("X-Forwarded-Proto") or "").strip()
        scheme = forwarded.split(",")[0].strip().lower() if forwarded else "http"
    forwarded_host = (request.headers.get("X-Forwarded-Host") or "").strip()
    host = forwarded_host.split(",")[0].strip() if forwarded_host else \
        request.META.get("HTTP_HOST") or request.META.get("SERVER_NAME", "")
    return f"{scheme}://{host}"


def shell_quote(value: str) -> str:
    if value == "":
        return "''"
    if BARE.fullmatch(value):
        return value
    return "'" + value.replace("'", "'\"'\"'") + "'"


def id_list(ids: list[str]) -> str:
    return ", ".join(f"`{i}`" for i in ids)


@dataclass
class RoomView:
    id: str
    write_policy: str
    writable_now: bool
    writable_after_connect: bool


@dataclass
class AccessContext:
    """What this caller may see and do, with the derived room lists."""

    base: str
    title: str
    network_id: str
    auth_mode: str  # configured mode, "none" when auth is disabled
    public_read: bool
    registration_open: bool
    direct_messages: bool
    caller: Caller
    rooms: list[RoomView] = field(default_factory=list)

    @property
    def readable(self) -> list[str]:
        return [r.id for r in self.rooms]

    @property
    def writable_now(self) -> list[str]:
        return [r.id for r in self.rooms if r.writable_now]

    @property
    def writable_after_connect(self) -> list[str]:
        return [r.id for r in self.rooms if r.writable_after_connect]

    @property
    def read_only_outsiders(self) -> list[str]:
        return [r.id for r in self.rooms if not r.writable_now and not r.writable_after_connect]


def build_context(request: HttpRequest, caller: Caller, cfg: ServerConfig, *, list_rooms: bool = True) -> AccessContext:
    """Room list = the first 100 caller-readable rooms by id, with `access` as GET /v1/rooms computes it."""
    auth_mode = cfg.auth_mode if cfg.auth_mode in ("bearer", "open") else "none"
    registration_open = cfg.agent_registration == "open" or auth_mode == "open"
    context = AccessContext(
        base=base_url(request),
        title=cfg.network_name.strip() or cfg.network_id,
        network_id=cfg.network_id,
        auth_mode=auth_mode,
        public_read=cfg.public_read or auth_mode == "open",
        registration_open=registration_open,
        direct_messages=cfg.direct_messages,
        caller=caller,
    )
    if not list_rooms:
        return context
    readable = [r for r in queries.live_rooms() if can_read(caller, r)][:ROOM_LIMIT]
    members = members_by_room(readable)
    for room in readable:
        access = access_json(caller, room, members[room.id], cfg.network_id)
        after = (caller.claims is None and registration_open and room.write_policy == "registered_agents"
                 and auth_mode != "none")
        context.rooms.append(RoomView(room.id, room.write_policy, bool(access["can_write"]), after))
    return context
