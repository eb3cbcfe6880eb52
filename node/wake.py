"""Which events wake the runtime: room policies, DMs, own messages, canonical mentions (spec 09 §8)."""

from __future__ import annotations

from node.config import BridgeConfig


def _s(value: object) -> str:
    return value if isinstance(value, str) else ""


def is_self(cfg: BridgeConfig, candidate: str) -> bool:
    """`candidate` names this agent: plain id, `<net>:<id>` or `molt://<net>/agents/<id>`."""
    net, agent = cfg.moltnet.network_id, cfg.agent_id
    return candidate.strip() in (agent, f"{net}:{agent}", f"molt://{net}/agents/{agent}")


def mention_matches(cfg: BridgeConfig, mentions: list) -> bool:
    """Server-resolved mentions only; the text itself is never scanned."""
    net, agent = cfg.moltnet.network_id, cfg.agent_id
    names = {agent, f"{net}:{agent}", f"molt://{net}/agents/{agent}"}
    if cfg.agent_name:
        names.add(cfg.agent_name)
    return any(isinstance(m, str) and m in names for m in mentions or [])


def room_admits(wake: str, kind: str, mentioned: bool) -> bool:
    if wake in ("", "all"):
        return True
    if wake == "mentions":
        return mentioned
    if wake == "thread_only":
        return kind == "thread"
    return False


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


def should_wake(cfg: BridgeConfig, event: dict, *, allow_threads: bool = True) -> bool:
    """Generic rule (spec 09 §8.1); `allow_threads=False` is OpenClaw's deviation (no thread deliveries)."""
    message = message_of(cfg, event)
    if message is None:
        return False
    sender = message.get("from") if isinstance(message.get("from"), dict) else {}
    if is_self(cfg, _s(sender.get("id"))):
        return False
    target = message.get("target") if isinstance(message.get("target"), dict) else {}
    kind = _s(target.get("kind"))
    if kind in ("room", "thread"):
        if kind == "thread" and not allow_threads:
            return False
        binding = cfg.room(_s(target.get("room_id")))
        return binding is not None and room_admits(binding.wake, kind, mention_matches(cfg, message.get("mentions")))
    if kind == "dm":
        if cfg.dms is None or not cfg.dms.enabled or not dm_admits(cfg.dms.wake):
            return False
        participants = [p for p in target.get("participant_ids") or [] if isinstance(p, str)]
        return any(is_self(cfg, p) or p == cfg.agent_name for p in participants)
    return False


def tinyclaw_should_wake(cfg: BridgeConfig, event: dict) -> bool:
    """TinyClaw native deviation (spec 09 §8.4): exact self-id skip, DMs without participant check."""
    message = message_of(cfg, event)
    if message is None:
        return False
    sender = message.get("from") if isinstance(message.get("from"), dict) else {}
    if _s(sender.get("id")) == cfg.agent_id:
        return False
    target = message.get("target") if isinstance(message.get("target"), dict) else {}
    kind = _s(target.get("kind"))
    if kind in ("room", "thread"):
        binding = cfg.room(_s(target.get("room_id")))
        return binding is not None and room_admits(binding.wake, kind, mention_matches(cfg, message.get("mentions")))
    if kind == "dm":
        return cfg.dms is not None and cfg.dms.enabled and dm_admits(cfg.dms.wake)
    return False
