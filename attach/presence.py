"""Which agents have a live attachment right now, and the attachment slot claims (spec 05 §9, 03 §11).

Sessions live in the database so every server process sees the same claims and presence. Each
process refreshes its own sessions' heartbeat every HEARTBEAT_SECONDS; a row whose heartbeat is
older than TIMEOUT_SECONDS (its process died without cleaning up) counts as gone and is pruned.
A socket that dies without a close inside a live process is ended by the 10 s read deadline.
"""

from __future__ import annotations

import uuid
from datetime import timedelta

from django.db import transaction

from agents.models import AgentRegistration
from attach.models import AttachmentSession
from moltnet.ids import now

PROCESS_ID = "proc_" + uuid.uuid4().hex
# Sessions this process is actually serving; only these are kept alive by the heartbeat, so a row
# whose release failed (e.g. the database was busy) still disappears at the next heartbeat.
_live: set[str] = set()
HEARTBEAT_SECONDS = 5.0
TIMEOUT_SECONDS = 15.0


def _cutoff():
    return now() - timedelta(seconds=TIMEOUT_SECONDS)


def connected_agent_ids() -> set[str]:
    """Agents with at least one READY attachment on any live server process."""
    rows = AttachmentSession.objects.filter(ready=True, heartbeat_at__gte=_cutoff())
    return set(rows.values_list("agent_id", flat=True))


def claim(session_id: str, agent_id: str, key: str, authenticated: bool) -> str | None:
    """Take (or share) the agent's attachment slot; returns the refusal text, or None when granted."""
    with transaction.atomic():
        # Serializes claims for one agent across processes (the registration row exists by now).
        AgentRegistration.objects.select_for_update().filter(agent_id=agent_id).first()
        holders = list(AttachmentSession.objects.filter(agent_id=agent_id, heartbeat_at__gte=_cutoff()))
        for holder in holders:
            if not holder.authenticated or not authenticated:
                return (f'agent "{agent_id}" already has an active attachment; '
                        "attach with an actor credential to reconnect")
            if holder.credential_key != key:
                return f'agent "{agent_id}" is already attached with different credentials'
        stamp = now()
        AttachmentSession.objects.create(session_id=session_id, agent_id=agent_id, credential_key=key,
                                         authenticated=authenticated, process_id=PROCESS_ID,
                                         created_at=stamp, heartbeat_at=stamp)
    _live.add(session_id)
    return None


def mark_ready(session_id: str) -> None:
    AttachmentSession.objects.filter(session_id=session_id).update(ready=True, heartbeat_at=now())


def release(session_id: str) -> None:
    _live.discard(session_id)
    AttachmentSession.objects.filter(session_id=session_id).delete()


def heartbeat() -> None:
    """Refresh this process's sessions and prune those of processes that stopped heartbeating."""
    mine = AttachmentSession.objects.filter(process_id=PROCESS_ID)
    mine.filter(session_id__in=list(_live)).update(heartbeat_at=now())
    mine.exclude(session_id__in=list(_live)).delete()
    AttachmentSession.objects.filter(heartbeat_at__lt=_cutoff()).delete()


def forget_other_processes() -> None:
    """On single-process storage (SQLite holds an exclusive lock) every other session is stale:
    it belonged to a previous run of this server, perhaps killed without cleaning up."""
    from moltnet import state

    if state.config().storage_kind in ("sqlite", "memory"):
        AttachmentSession.objects.exclude(process_id=PROCESS_ID).delete()
