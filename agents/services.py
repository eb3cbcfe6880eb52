"""Agent registration and ownership (docs/protocol/auth.md §6, 01 §9), declared bindings, removal and token rotation."""

from __future__ import annotations

import functools
import re
import uuid
from dataclasses import dataclass

from django.db import IntegrityError, transaction

from agents import audit, presence
from agents.auth import ANONYMOUS_KEY, Caller, agent_token_key
from agents.models import AgentRegistration, CredentialEvent
from moltnet import leansql, state, wireshapes
from moltnet.errors import ApiError, not_found
from moltnet.gocompat import quote
from moltnet.ids import agent_fqid, format_time, member_id_error, new_actor_uid, new_agent_token, now, trim


@dataclass
class Registered:
    registration: AgentRegistration
    agent_token: str = ""
    created: bool = False

    @property
    def status(self) -> int:
        return 201 if self.agent_token or self.created else 200

    def as_json(self) -> dict:
        return registration_json(self.registration, self.agent_token)


def registration_json(reg: AgentRegistration, agent_token: str = "") -> dict:
    return wireshapes.registration({
        "network_id": reg.network_id, "agent_id": reg.agent_id, "actor_uid": reg.actor_uid,
        "actor_uri": reg.actor_uri, "display_name": reg.display_name or "", "agent_token": agent_token,
        "created_at": format_time(reg.created_at), "updated_at": format_time(reg.updated_at),
    })


def slugify_name(name: str) -> str:
    """Spec 01 §9.2. Lowercasing is per character with Go's simple case mapping: `İ` → `i`
    (Python's full mapping would give `i` plus a combining dot, i.e. `i-`)."""
    out: list[str] = []
    for ch in (c.lower()[:1] for c in trim(name)):
        if re.fullmatch(r"[a-z0-9]", ch):
            out.append(ch)
        elif not out or out[-1] != "-":
            out.append("-")
    return "".join(out).strip("-") or "agent"


def generate_agent_id(name: str) -> str:
    base = slugify_name(name)
    candidate = base
    for _ in range(100):
        if not AgentRegistration.objects.filter(agent_id=candidate).exists():
            return candidate
        candidate = f"{base}-{uuid.uuid4().hex[-8:]}"
    raise ApiError(422, "unable to generate unique agent id")


def open_registration(caller: Caller) -> bool:
    return caller.registration == "open" or caller.mode == "open"


def do_register(caller: Caller, requested_agent_id: str, name: str, network_id: str) -> Registered:
    """Register or re-confirm an agent id for the caller's credential (docs/protocol/auth.md §6)."""
    agent_id = trim(requested_agent_id)
    if agent_id:
        if err := member_id_error(agent_id):
            raise ApiError(422, f"requested_agent_id {err}")
    else:
        agent_id = generate_agent_id(name)
    claims = caller.claims
    if claims is not None and not claims.allows_agent(agent_id):
        if claims.is_agent_token:
            raise ApiError(409, f'agent token is not valid for agent "{agent_id}"')
        raise ApiError(403, f"requested_agent_id {agent_id} is not allowed for this token")
    minted = ""
    key = caller.key
    if claims is None and not caller.privileged_none and open_registration(caller):
        minted = new_agent_token()
        key = agent_token_key(minted)
    display = trim(name)
    _check_refused(caller, agent_id)
    try:
        # Plain SQL (leansql): every IDENTIFY of every attachment comes here.
        with leansql.savepoint("moltnet_register"):
            existing = leansql.fetch_row(AgentRegistration, agent_id, for_update=True)
            if existing is None:
                stamp = now()
                reg = AgentRegistration(
                    agent_id=agent_id, network_id=network_id, actor_uid=new_actor_uid(),
                    actor_uri=agent_fqid(network_id, agent_id), display_name=display or None,
                    credential_key=key, created_at=stamp, updated_at=stamp,
                )
                leansql.insert(reg)
                audit.record_for(CredentialEvent.REGISTERED, caller, agent_id,
                                 "agent token issued" if minted else "")
                return Registered(reg, minted, created=True)
            if existing.credential_key != key:
                if caller.has_any("admin"):
                    audit.record_for(CredentialEvent.ADOPTED, caller, agent_id,
                                     f"owner kept: {audit.key_label(existing.credential_key)}")
                    return Registered(_touch(existing, display))
                if key == ANONYMOUS_KEY or minted:
                    raise ApiError(409, f'agent "{agent_id}" is already registered')
                raise ApiError(409, f'agent "{agent_id}" is already registered with different credentials')
            return Registered(_touch(existing, display))
    except IntegrityError as exc:
        # A concurrent first claim won the race.
        if minted or key == ANONYMOUS_KEY:
            raise ApiError(409, f'agent "{agent_id}" is already registered') from exc
        raise ApiError(409, f'agent "{agent_id}" is already registered with different credentials') from exc


def _check_refused(caller: Caller, agent_id: str) -> None:
    """A new agent id matching `auth.registration.refused_patterns` is refused (moderation)."""
    patterns = state.config().refused_agent_patterns
    if patterns and not AgentRegistration.objects.filter(agent_id=agent_id).exists():
        check_registration_allowed(caller, agent_id, patterns)


@functools.cache
def _compiled(patterns: tuple[str, ...]) -> tuple[re.Pattern, ...]:
    return tuple(re.compile(p) for p in patterns)  # validated at start-up


def refused_pattern(agent_id: str, patterns: list[str]) -> str:
    """The first operator pattern found anywhere in `agent_id` ("" when none is)."""
    for pattern in _compiled(tuple(patterns)):
        if pattern.search(agent_id):
            return pattern.pattern
    return ""


def check_registration_allowed(caller: Caller, agent_id: str, patterns: list[str]) -> None:
    """Refuse (403, audited) a new registration whose agent id matches a refused pattern."""
    if not patterns or not (pattern := refused_pattern(agent_id, patterns)):
        return
    audit.record_for(CredentialEvent.REGISTRATION_REFUSED, caller, agent_id, f"matches refused pattern {pattern!r}")
    raise ApiError(403, f"agent id {quote(agent_id)} is refused by this network's registration policy")


def _touch(reg: AgentRegistration, display: str) -> AgentRegistration:
    if display:
        reg.display_name = display
    reg.updated_at = now()
    leansql.update_fields(reg, ["display_name", "updated_at"])
    return reg


def reconcile_binding(agent_id: str, credential_key: str, network_id: str, name: str = "") -> AgentRegistration:
    """Declared bindings rebind the credential key without conflict (docs/protocol/model.md §9.1)."""
    agent_id = trim(agent_id)
    with transaction.atomic():
        reg = AgentRegistration.objects.select_for_update().filter(agent_id=agent_id).first()
        stamp = now()
        if reg is None:
            audit.record(CredentialEvent.REGISTERED, agent_id=agent_id, credential=audit.key_label(credential_key),
                         detail="declared binding")
            return AgentRegistration.objects.create(
                agent_id=agent_id, network_id=network_id, actor_uid=new_actor_uid(),
                actor_uri=agent_fqid(network_id, agent_id), display_name=trim(name) or None,
                credential_key=credential_key, created_at=stamp, updated_at=stamp,
            )
        if reg.credential_key != credential_key:
            # Rebinding revokes any agent token issued for this id (docs/protocol/auth.md §6).
            audit.record(CredentialEvent.REBOUND, agent_id=agent_id, credential=audit.key_label(credential_key),
                         detail=f"previous owner: {audit.key_label(reg.credential_key)}")
        reg.credential_key = credential_key
        if trim(name):
            reg.display_name = trim(name)
        reg.updated_at = stamp
        reg.save()
        return reg


def do_rotate_token(caller: Caller, agent_id: str) -> Registered:
    """Operator recovery: mint a new agent token for a registered agent, revoking its old credential."""
    agent_id = trim(agent_id)
    if caller.privileged_none:
        raise ApiError(409, "agent tokens are not used when auth mode is none")
    token = new_agent_token()
    with transaction.atomic():
        reg = AgentRegistration.objects.select_for_update().filter(agent_id=agent_id).first()
        if reg is None:
            raise not_found(f"unknown agent {quote(agent_id)}")
        previous = reg.credential_key
        # Slot claims made with the revoked credential no longer block the new token.
        presence.clear_claims(agent_id, credential_key=previous)
        reg.credential_key = agent_token_key(token)
        reg.updated_at = now()
        reg.save(update_fields=["credential_key", "updated_at"])
        audit.record_for(CredentialEvent.TOKEN_ROTATED, caller, agent_id,
                         f"previous owner: {audit.key_label(previous)}")
    return Registered(reg, token)
