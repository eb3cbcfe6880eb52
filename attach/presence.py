"""Which agents have a live attachment right now, and the attachment slot claims (docs/protocol/attach.md §9, 03 §11).

Shared storage (Postgres): sessions live in the database so every server process sees the same
claims and presence. Each process refreshes its own sessions' heartbeat every HEARTBEAT_SECONDS
(one UPDATE per process, not per socket); a row whose heartbeat is older than TIMEOUT_SECONDS (its
process died without cleaning up) counts as gone and is pruned.

Single-process storage (SQLite, memory): the one serving process holds every claim, so claims live
in memory, as Go keeps them: no write transaction per IDENTIFY, READY or close. Rows found in the
table (another tool's, or left by a killed run) still count as presence until pruned.
A socket that dies without a close inside a live process is ended by the 10 s read deadline.
"""

from __future__ import annotations

import threading
import uuid
from dataclasses import dataclass
from datetime import timedelta

from django.db import transaction

from agents.models import AgentRegistration
from attach.models import AttachmentSession
from moltnet import state
from moltnet.ids import now

PROCESS_ID = "proc_" + uuid.uuid4().hex
# Sessions this process is actually serving; only these are kept alive by the heartbeat, so a row
# whose release failed (e.g. the database was busy) still disappears at the next heartbeat.
_live: set[str] = set()
HEARTBEAT_SECONDS = 5.0
TIMEOUT_SECONDS = 15.0


@dataclass
class Claim:
    agent_id: str
    key: str
    authenticated: bool
    ready: bool = False


_claims: dict[str, Claim] = {}  # session id → claim, single-process storage only
_lock = threading.Lock()  # claims are taken on the DB worker threads


def in_memory() -> bool:
    return state.config().storage_kind in ("sqlite", "memory")


def refusal(agent_id: str, holders: list[tuple[str, bool]], key: str, authenticated: bool) -> str | None:
    """The slot rule (03 §11 step 5) over the current holders' (credential key, authenticated)."""
    for holder_key, holder_authenticated in holders:
        if not holder_authenticated or not authenticated:
            return (f'agent "{agent_id}" already has an active attachment; '
                    "attach with an actor credential to reconnect")
        if holder_key != key:
            return f'agent "{agent_id}" is already attached with different credentials'
    return None


def _cutoff():
    return now() - timedelta(seconds=TIMEOUT_SECONDS)


def connected_agent_ids() -> set[str]:
    """Agents with at least one READY attachment on any live server process."""
    rows = AttachmentSession.objects.filter(ready=True, heartbeat_at__gte=_cutoff())
    with _lock:
        held = {claim.agent_id for claim in _claims.values() if claim.ready}
    return held | set(rows.values_list("agent_id", flat=True))


def clear_claims(agent_id: str, credential_key: str | None = None) -> None:
    """Drop the agent's slot claims (all, or those made with one credential): agents asks this on
    removal and token rotation, through agents.presence."""
    claims = AttachmentSession.objects.filter(agent_id=agent_id)
    if credential_key is not None:
        claims = claims.filter(credential_key=credential_key)
    claims.delete()


def claim(session_id: str, agent_id: str, key: str, authenticated: bool) -> str | None:
    """Take (or share) the agent's attachment slot; returns the refusal text, or None when granted."""
    if in_memory():
        with _lock:
            held = [(c.key, c.authenticated) for c in _claims.values() if c.agent_id == agent_id]
            if (refused := refusal(agent_id, held, key, authenticated)) is None:
                _claims[session_id] = Claim(agent_id, key, authenticated)
        return refused
    with transaction.atomic():
        # Serializes claims for one agent across processes (the registration row exists by now).
        AgentRegistration.objects.select_for_update().filter(agent_id=agent_id).first()
        holders = AttachmentSession.objects.filter(agent_id=agent_id, heartbeat_at__gte=_cutoff())
        held = [(holder.credential_key, holder.authenticated) for holder in holders]
        if (refused := refusal(agent_id, held, key, authenticated)) is not None:
            return refused
        stamp = now()
        AttachmentSession.objects.create(session_id=session_id, agent_id=agent_id, credential_key=key,
                                         authenticated=authenticated, process_id=PROCESS_ID,
                                         created_at=stamp, heartbeat_at=stamp)
    _live.add(session_id)
    return None


def mark_ready(session_id: str) -> None:
    with _lock:
        claim_ = _claims.get(session_id)
        if claim_ is not None:
            claim_.ready = True
            return
    AttachmentSession.objects.filter(session_id=session_id).update(ready=True, heartbeat_at=now())


def release(session_id: str) -> None:
    with _lock:
        if _claims.pop(session_id, None) is not None:
            return
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
    if state.config().storage_kind in ("sqlite", "memory"):
        AttachmentSession.objects.exclude(process_id=PROCESS_ID).delete()
