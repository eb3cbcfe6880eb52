"""Which events a subscriber receives (docs/protocol/events.md §5.4, §7; docs/protocol/attach.md §11.2)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from agents.auth import Caller
from moltnet.config import ServerConfig


def lists_agent(values: list | None, network_id: str, agent_id: str) -> bool:
    """A participant/mention string naming this agent: plain id, `<net>:<id>` or its FQID."""
    forms = {agent_id, f"{network_id}:{agent_id}", f"molt://{network_id}/agents/{agent_id}"}
    return any(isinstance(v, str) and v.strip() in forms for v in values or ())


def names_someone(event_type: str, data: Callable[[], dict]) -> bool:
    """Whether who the subscriber is matters to this event (a DM, an agent's removal): then each
    subscriber decides; for every other event, audiences with the same `shared` key decide alike.
    `data()` gives the event's body, parsed only when the type does not settle it."""
    if event_type.startswith("agent."):
        return not _agent_event_for_all(event_type)
    return event_type == "dm.created" or carries_dm(data())


def _agent_event_for_all(event_type: str) -> bool:
    """An `agent.*` event whose visibility its type decides: presence and wakes (only a removal
    names the agent it ends)."""
    return event_type.startswith("agent.") and event_type != "agent.removed"


def carries_dm(data: dict) -> bool:
    if "dm" in data:
        return True
    message = data.get("message")
    return isinstance(message, dict) and (message.get("target") or {}).get("kind") == "dm"


@dataclass(frozen=True)
class Audience:
    """Decided once per subscription from the server policy and the caller's claims."""

    full: bool
    dms_enabled: bool
    network_id: str
    agent_id: str = ""  # attachments: their own DMs pass the public filter
    all_rooms_readable: bool = False  # auth.mode none + public_read: every live room counts
    admin: bool = False  # an admin-scope caller: replay includes messages a moderator hid

    @classmethod
    def for_attachment(cls, cfg: ServerConfig, caller: Caller, agent_id: str) -> Audience:
        """05 §11.2; with `auth.mode: none` + `public_read` Go filters, counting every live room readable."""
        if cfg.auth_mode == "none":
            full = not cfg.public_read
        else:
            full = not cfg.public_read or caller.has_any("observe", "admin")
        return cls(full, cfg.direct_messages, cfg.network_id, agent_id,
                   all_rooms_readable=cfg.auth_mode == "none" and cfg.public_read, admin=caller.has_any("admin"))

    @classmethod
    def for_stream(cls, cfg: ServerConfig, caller: Caller) -> Audience:
        """06 §6.1: with `auth.mode: none` no auth is performed and the SSE stream is always full."""
        full = cfg.auth_mode == "none" or not cfg.public_read or caller.has_any("observe", "admin")
        return cls(full, cfg.direct_messages, cfg.network_id, admin=caller.has_any("admin"))

    @property
    def shared(self) -> tuple[bool, bool, bool]:
        """What `allows` depends on for an event that names nobody (see `names_someone`)."""
        return self.full, self.dms_enabled, self.all_rooms_readable

    def allows_type(self, event_type: str) -> bool | None:
        """`allows` when the event's type alone decides it (agent events other than a removal:
        full audiences only), else None."""
        return self.full if _agent_event_for_all(event_type) else None

    def allows(self, data: dict, room: tuple[bool, bool] | None) -> bool:
        """Synchronous: `room` is the (live, public) state of `room_of(data)`, resolved once per event
        by the hub for every subscriber (None when the event names no room)."""
        if not self.dms_enabled and carries_dm(data):
            return False
        if self.full:
            return True
        kind = data.get("type")
        if kind == "stream.replay_gap":
            return True
        if kind == "message.created":
            target = (data.get("message") or {}).get("target") or {}
            if target.get("kind") == "dm":
                return bool(self.agent_id) and lists_agent(target.get("participant_ids"), self.network_id,
                                                           self.agent_id)
            return self._readable(room)
        if kind == "dm.created":
            participants = (data.get("dm") or {}).get("participant_ids")
            return bool(self.agent_id) and lists_agent(participants, self.network_id, self.agent_id)
        if kind in ("room.created", "thread.created"):
            return self._readable(room)
        if kind == "room.removed":
            return (data.get("room") or {}).get("visibility") == "public"
        return False

    def _readable(self, room: tuple[bool, bool] | None) -> bool:
        if room is None:
            return False
        live, public = room
        return live and (public or self.all_rooms_readable)


ROOM_EVENT_TYPES = frozenset({"message.created", "room.created", "thread.created"})  # the types room_of reads


def room_of(data: dict) -> str:
    """The room whose readability decides who may see this event ('' when none does)."""
    kind = data.get("type")
    if kind == "message.created":
        target = (data.get("message") or {}).get("target") or {}
        return "" if target.get("kind") == "dm" else target.get("room_id") or ""
    if kind == "room.created":
        return (data.get("room") or {}).get("id") or ""
    if kind == "thread.created":
        return (data.get("thread") or {}).get("room_id") or ""
    return ""
