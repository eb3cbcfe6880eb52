"""The agent directory: summaries from room memberships plus registrations (docs/protocol/http-api.md §4.6), the
full-visibility lookup, and removal (§4.11), which leaves rooms. It sits in rooms because it reads
and changes memberships; agents below it knows nothing of rooms."""

from __future__ import annotations

from django.db import transaction

from agents import audit, presence
from agents.auth import Caller
from agents.models import AgentRegistration, CredentialEvent
from events import log
from moltnet import wireshapes
from moltnet.errors import not_found
from moltnet.gocompat import quote
from moltnet.ids import MemberRef, agent_fqid, member_id_error, member_identity, trim
from moltnet.jsonshape import omit_empty
from rooms.models import RoomMember


def roster_privilege(caller: Caller) -> bool:
    if caller.privileged_none:
        return True
    return caller.has_any("observe", "admin")


def summary_json(entry: dict, connected: set[str]) -> dict:
    return wireshapes.agent({**entry, "rooms": sorted(set(entry.get("rooms", []))),
                             "connected": entry["id"] in connected})


def _rooms_listing(reg: AgentRegistration, rooms: dict[str, list[str]]) -> list[str]:
    """Rooms with a member whose identity is (registration network, registration agent id as stored).

    The registered id is not parsed: a registration `net_b:alpha` is not the member `molt://net_b/agents/alpha`.
    """
    me = MemberRef(reg.network_id, reg.agent_id)
    return [room_id for room_id, members in rooms.items()
            if any(member_identity(m, reg.network_id) == me for m in members)]


def build_roster(caller: Caller, readable_rooms: dict[str, list[str]], local: str) -> list[dict]:
    """Entries keyed by member string, enriched by registrations; sorted by id."""
    entries: dict[str, dict] = {}
    for room_id, members in readable_rooms.items():
        for member in members:
            ref = member_identity(member, local)
            entry = entries.setdefault(member, {"id": member, "network_id": ref.network,
                                                "fqid": agent_fqid(ref.network, ref.agent), "rooms": []})
            entry["rooms"].append(room_id)
    privileged = roster_privilege(caller)
    for reg in AgentRegistration.objects.all():
        if reg.agent_id in entries:
            entries[reg.agent_id].update(name=reg.display_name or "", actor_uid=reg.actor_uid, fqid=reg.actor_uri,
                                         network_id=reg.network_id)
            continue
        rooms = _rooms_listing(reg, readable_rooms)
        if not rooms and not privileged:
            continue
        entries[reg.agent_id] = {"id": reg.agent_id, "name": reg.display_name or "", "actor_uid": reg.actor_uid,
                                 "fqid": reg.actor_uri, "network_id": reg.network_id, "rooms": rooms}
    return [entries[key] for key in sorted(entries)]


def get_summary(caller: Caller, agent_id: str, readable_rooms: dict[str, list[str]], all_rooms: dict[str, list[str]],
                local: str) -> dict:
    agent_id = trim(agent_id)
    if not agent_id:
        raise not_found('unknown agent ""')
    privileged = roster_privilege(caller)
    reg = AgentRegistration.objects.filter(agent_id=agent_id).first()
    if reg is not None:
        rooms = _rooms_listing(reg, readable_rooms)
        if not rooms and not privileged:
            raise not_found(f"unknown agent {quote(agent_id)}")
        return {"id": reg.agent_id, "name": reg.display_name or "", "actor_uid": reg.actor_uid, "fqid": reg.actor_uri,
                "network_id": reg.network_id, "rooms": rooms}
    if not privileged:
        raise not_found(f"unknown agent {quote(agent_id)}")
    rooms = [r for r, members in all_rooms.items() if agent_id in members]
    if not rooms:
        raise not_found(f"unknown agent {quote(agent_id)}")
    return {"id": agent_id, "network_id": local, "fqid": f"molt://{local}/agents/{agent_id}", "rooms": rooms}


def find_agent(agent_id: str) -> tuple[AgentRegistration | None, list[str]]:
    """Full-visibility lookup: the registration and the live rooms listing this exact member string."""
    reg = AgentRegistration.objects.filter(agent_id=agent_id).first()
    rooms = sorted(RoomMember.objects.filter(member_id=agent_id, room__deleted_at__isnull=True)
                   .values_list("room_id", flat=True))
    return reg, rooms


def do_remove_agent(caller: Caller, agent_id: str, network_id: str) -> str:
    """Soft removal (docs/protocol/http-api.md §4.11): drop memberships and the registration, publish
    `agent.removed`."""
    agent_id = trim(agent_id)
    if member_id_error(agent_id):
        raise not_found(f"unknown agent {quote(agent_id)}")
    with transaction.atomic():
        reg, rooms = find_agent(agent_id)
        if reg is None and not rooms:
            raise not_found(f"unknown agent {quote(agent_id)}")
        # Exact member string only, and no room.members.updated events (as in Go).
        RoomMember.objects.filter(member_id=agent_id, room_id__in=rooms).delete()
        payload = {"agent_id": agent_id, "network_id": reg.network_id if reg else network_id,
                   "fqid": reg.actor_uri if reg else agent_fqid(network_id, agent_id),
                   "name": (reg.display_name or "") if reg else "", "reason": "removed"}
        if reg is not None:
            reg.delete()  # its agent token stops resolving at once
        presence.clear_claims(agent_id)  # live sockets close when attach sees `agent.removed`
        log.record(log.build_event("agent.removed", network_id, "agent", omit_empty(payload, always=("agent_id",))))
        audit.record_for(CredentialEvent.REMOVED, caller, agent_id,
                         f"rooms left: {', '.join(rooms)}" if rooms else "")
    return agent_id
