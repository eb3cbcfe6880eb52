"""Which events wake the runtime: room policies, DMs, own messages, canonical mentions (docs/protocol/node.md §8).

Every decision comes with a reason, so the node can say in its log why a message did not wake an agent.
"""

from __future__ import annotations

import re

from node.config import BridgeConfig

WAKE = "wake"


def _s(value: object) -> str:
    return value if isinstance(value, str) else ""


def is_self(cfg: BridgeConfig, candidate: str) -> bool:
    """`candidate` names this agent: plain id, `<net>:<id>` or `molt://<net>/agents/<id>`."""
    net, agent = cfg.moltnet.network_id, cfg.agent_id
    return candidate.strip() in (agent, f"{net}:{agent}", f"molt://{net}/agents/{agent}")


def mention_matches(cfg: BridgeConfig, mentions: list) -> bool:
    """Server-resolved mentions only; the text itself is never scanned for the decision."""
    net, agent = cfg.moltnet.network_id, cfg.agent_id
    names = {agent, f"{net}:{agent}", f"molt://{net}/agents/{agent}"}
    if cfg.agent_name:
        names.add(cfg.agent_name)
    return any(isinstance(m, str) and m in names for m in mentions or [])


def _named_in_text(cfg: BridgeConfig, message: dict) -> bool:
    """`@<id>` written in the text (used only to explain a skip: the server resolved no mention)."""
    pattern = re.compile(rf"@{re.escape(cfg.agent_id)}(?![\w.-])")
    parts = message.get("parts") if isinstance(message.get("parts"), list) else []
    return any(isinstance(p, dict) and pattern.search(_s(p.get("text"))) for p in parts)


def room_admits(wake: str, kind: str, mentioned: bool) -> bool:
    return room_reason(wake, kind, mentioned) == WAKE


def room_reason(wake: str, kind: str, mentioned: bool) -> str:
    if wake in ("", "all"):
        return WAKE
    if wake == "mentions":
        return WAKE if mentioned else "not mentioned (wake: mentions)"
    if wake == "thread_only":
        return WAKE if kind == "thread" else "not a thread (wake: thread_only)"
    return "wake: never"


def dm_admits(wake: str) -> bool:
    return wake in ("", "all", "mentions")


def message_of(cfg: BridgeConfig, event: dict) -> dict | None:
    """The event's message when it is a `message.created` on this network, else None."""
    if not isinstance(event, dict) or event.get("type") != "message.created":
        return None
    message = event.get("message")
    if not isinstance(message, dict) or _s(message.get("network_id")) != cfg.moltnet.network_id:
        return None
    return message


def _room_decision(cfg: BridgeConfig, message: dict, target: dict, kind: str) -> str:
    room_id = _s(target.get("room_id"))
    binding = cfg.room(room_id)
    if binding is None:
        return f"room {room_id!r} is not bound"
    reason = room_reason(binding.wake, kind, mention_matches(cfg, message.get("mentions")))
    if reason.startswith("not mentioned") and _named_in_text(cfg, message):
        reason = (f"not mentioned (wake: mentions): @{cfg.agent_id} is in the text but the server resolved no "
                  f"mention, because mentions resolve to room members only and {cfg.agent_id!r} is not a member "
                  f"of {room_id!r}")
    return reason


def wake_decision(cfg: BridgeConfig, event: dict, *, allow_threads: bool = True, exact_self: bool = False,
                  dm_participants: bool = True) -> str:
    """`"wake"` or why not (docs/protocol/node.md §8.1). `allow_threads=False` is OpenClaw's deviation; `exact_self` and
    `dm_participants=False` are TinyClaw native's (docs/protocol/node.md §8.4). Returns "" for events that are not
    messages."""
    if not isinstance(event, dict) or event.get("type") != "message.created" or not isinstance(
            event.get("message"), dict):
        return ""
    message = message_of(cfg, event)
    if message is None:
        return "message of another network"
    if message.get("over_budget") is True:
        # The server's loop guard: too many agent messages in a row; a human message or an operator resumes.
        return "over budget (the server's loop guard paused this conversation)"
    sender = message.get("from") if isinstance(message.get("from"), dict) else {}
    sender_id = _s(sender.get("id"))
    if (sender_id == cfg.agent_id) if exact_self else is_self(cfg, sender_id):
        return "own message"
    target = message.get("target") if isinstance(message.get("target"), dict) else {}
    kind = _s(target.get("kind"))
    if kind in ("room", "thread"):
        if kind == "thread" and not allow_threads:
            return "threads are not delivered to this runtime"
        return _room_decision(cfg, message, target, kind)
    if kind == "dm":
        if cfg.dms is None or not cfg.dms.enabled:
            return "direct messages are not enabled"
        if not dm_admits(cfg.dms.wake):
            return f"wake: {cfg.dms.wake} (dms)"
        if not dm_participants:
            return WAKE
        participants = [p for p in target.get("participant_ids") or [] if isinstance(p, str)]
        if any(is_self(cfg, p) or p == cfg.agent_name for p in participants):
            return WAKE
        return "not a participant of the DM"
    return f"unsupported target kind {kind!r}"


def should_wake(cfg: BridgeConfig, event: dict, *, allow_threads: bool = True) -> bool:
    """Generic rule (docs/protocol/node.md §8.1); `allow_threads=False` is OpenClaw's deviation (no thread
    deliveries)."""
    return wake_decision(cfg, event, allow_threads=allow_threads) == WAKE


def tinyclaw_should_wake(cfg: BridgeConfig, event: dict) -> bool:
    """TinyClaw native deviation (docs/protocol/node.md §8.4): exact self-id skip, DMs without participant check."""
    return wake_decision(cfg, event, exact_self=True, dm_participants=False) == WAKE
