"""Wake detection and the agent.* events an attachment publishes (docs/protocol/attach.md §10, §12, §14)."""

from __future__ import annotations

from dataclasses import dataclass

from attach.visibility import lists_agent
from events.log import build_event, record
from moltnet import leansql
from moltnet.ids import agent_fqid
from moltnet.jsonshape import omit_empty


@dataclass(frozen=True)
class Wake:
    message_id: str
    reason: str  # "dm" or "mention"
    target: dict


def wake_of(data: dict, network_id: str, agent_id: str, name: str) -> Wake | None:
    """A message.created that targets this agent by DM participation or mention, else None."""
    if data.get("type") != "message.created":
        return None
    message = data.get("message")
    if not isinstance(message, dict) or message.get("over_budget") is True:
        return None  # the loop guard's over-budget messages are not wakes (ours; Go has no loop guard)
    target = message.get("target") or {}
    kind = target.get("kind")
    if kind == "dm":
        if lists_agent(target.get("participant_ids"), network_id, agent_id):
            return Wake(message.get("id", ""), "dm", target)
        return None
    if kind in ("room", "thread"):
        mentions = message.get("mentions") or []
        if lists_agent(mentions, network_id, agent_id) or (name and name in mentions):
            return Wake(message.get("id", ""), "mention", target)
    return None


@dataclass(frozen=True)
class AgentRef:
    network_id: str
    agent_id: str
    name: str


def publish(event_type: str, ref: AgentRef, **fields: object) -> int | None:
    """Append one agent.* event to the log (announced on commit) and return its seq. Blank agent
    ids are never published."""
    if not ref.agent_id:
        return None
    payload = {"agent_id": ref.agent_id, "network_id": ref.network_id,
               "fqid": agent_fqid(ref.network_id, ref.agent_id), "name": ref.name, **fields}
    with leansql.savepoint("moltnet_publish"):
        return record(build_event(event_type, ref.network_id, "agent", omit_empty(payload, always=("agent_id",))))


def publish_wake(event_type: str, ref: AgentRef, wake: Wake, error: str = "") -> None:
    publish(event_type, ref, message_id=wake.message_id, reason=wake.reason, target=wake.target, error=error)


def publish_wake_failures(ref: AgentRef, wakes: list[Wake], error: str) -> None:
    for wake in wakes:
        publish_wake("agent.wake.failed", ref, wake, error or "attachment closed")
