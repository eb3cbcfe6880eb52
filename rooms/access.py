"""Room read access, the `access` object and the write policy (docs/protocol/auth.md §9)."""

from __future__ import annotations

from agents.auth import Caller
from agents.identity import SenderFacts, collision_id
from agents.models import AgentRegistration
from moltnet import state
from moltnet.errors import ApiError
from moltnet.gocompat import quote
from moltnet.ids import actor_matches, trim
from rooms.models import Room

DMS_DISABLED = "direct messages are disabled for this network"


def require_dms() -> None:
    """DM routes (and searching a DM) answer 403 while `direct_messages` is off."""
    if not state.config().direct_messages:
        raise ApiError(403, DMS_DISABLED)

def can_read(caller: Caller, room: Room) -> bool:
    if caller.can_observe:
        return True
    return caller.public_read and room.visibility == "public"


def require_readable(caller: Caller, room: Room) -> None:
    if not can_read(caller, room):
        raise ApiError(403, f"room {room.id} is not readable")


def may_write(caller: Caller, room: Room, members: list[str], actor: dict, local: str) -> bool:
    """Rows 1–5 of the write-policy table."""
    claims = caller.claims
    if caller.privileged_none:
        return True
    if claims is not None and {"admin", "write"} <= claims.scopes:
        return True
    if room.write_policy == "operators":
        return claims is not None and claims.key.startswith("token:") and "write" in claims.scopes
    actor_network = trim(actor.get("network_id")) or room.network_id
    actor_id = trim(actor.get("id"))
    if actor_id and any(actor_matches(actor_network, actor_id, m) for m in members):
        return True
    if room.write_policy == "registered_agents" and claims is not None and claims.is_agent_token:
        facts = SenderFacts(actor.get("type", ""), actor_id, actor.get("network_id", ""), actor.get("fqid", ""), "")
        x, is_local = collision_id(facts, local)
        if is_local and claims.allows_agent(x):
            return AgentRegistration.objects.filter(agent_id=x, credential_key=claims.key).exists()
    return False


def require_writable(caller: Caller, room: Room, members: list[str], actor: dict, local: str) -> None:
    if not may_write(caller, room, members, actor, local):
        raise ApiError(403, f"room {quote(room.id)} write policy forbids sender")


def access_json(caller: Caller, room: Room, members: list[str], local: str) -> dict:
    """The `access` object: the write decision for the actor implied by the claims."""
    actor: dict = {}
    if caller.claims is not None and caller.claims.is_agent_token:
        actor = {"id": caller.claims.agent_id, "network_id": local}
    read = "public-read" if caller.public_read and room.visibility == "public" else "private"
    return {
        "can_read": True,
        "can_write": may_write(caller, room, members, actor, local),
        "reason": f"{read}/{room.write_policy}-write",
    }
