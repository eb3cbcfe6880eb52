"""The credential audit trail (an extension): who registered, rebound, rotated or removed an agent,
and which client addresses keep failing authentication. No secret is ever written here."""

from __future__ import annotations

from django.db import transaction

from agents.auth import Caller, Claims
from agents.models import CredentialEvent
from agents.ratelimit import count_hit
from moltnet import leansql
from moltnet.ids import format_time, now

# One audit row per client address per minute once this many authentications have failed.
AUTH_FAILURE_BURST = 5


def credential_label(claims: Claims | None) -> str:
    """Name a credential without revealing it: `token:<id>`, `agent-token` or `anonymous`."""
    if claims is None:
        return "anonymous"
    if claims.is_agent_token:
        return "agent-token"
    return f"token:{claims.token_id}"


def key_label(credential_key: str) -> str:
    """The same naming for a stored credential key (an agent-token key is a digest: never shown)."""
    return "agent-token" if credential_key.startswith("agent-token:") else credential_key


def record(kind: str, *, agent_id: str = "", credential: str = "", remote_addr: str = "",
           detail: str = "") -> CredentialEvent:
    """Append one audit row (inside the caller's transaction when there is one)."""
    assert kind in CredentialEvent.KINDS or kind in CredentialEvent.MODERATION_KINDS
    event = CredentialEvent(kind=kind, agent_id=agent_id, credential=credential, remote_addr=remote_addr[:64],
                            detail=detail, created_at=now())
    leansql.insert(event)  # written on every first IDENTIFY of an open network: no query compiler
    return event


def record_for(kind: str, caller: Caller, agent_id: str, detail: str = "") -> CredentialEvent:
    return record(kind, agent_id=agent_id, credential=credential_label(caller.claims),
                  remote_addr=caller.remote_addr, detail=detail)


def note_auth_failure(remote_addr: str, reason: str) -> None:
    """Count a refused credential; the burst-th failure in a minute from one address is audited."""
    with transaction.atomic():
        count, _ = count_hit("auth_failure", remote_addr)
        if count == AUTH_FAILURE_BURST:
            record(CredentialEvent.AUTH_FAILURES, remote_addr=remote_addr,
                   detail=f"{count} failed authentications within one minute (last: {reason})")


def event_json(event: CredentialEvent) -> dict:
    body = {"id": event.id, "kind": event.kind, "created_at": format_time(event.created_at)}
    for name in ("agent_id", "credential", "remote_addr", "detail"):
        if getattr(event, name):
            body[name] = getattr(event, name)
    return body


def list_events(*, limit: int = 100, before: int | None = None, agent_id: str = "",
                kind: str = "") -> tuple[list[CredentialEvent], bool]:
    """Newest first; `before` is an event id cursor. Returns (events, has_more)."""
    qs = CredentialEvent.objects.all()
    if before is not None:
        qs = qs.filter(id__lt=before)
    if agent_id:
        qs = qs.filter(agent_id=agent_id)
    if kind:
        qs = qs.filter(kind=kind)
    rows = list(qs.order_by("-id")[: limit + 1])
    return rows[:limit], len(rows) > limit
