"""Sender identity on POST /v1/messages (docs/protocol/auth.md §7) and human senders (§8)."""

from __future__ import annotations

from dataclasses import dataclass

from agents.auth import ANONYMOUS_KEY, Caller
from agents.models import AgentRegistration
from moltnet import leansql
from moltnet.batchmemo import memoized
from moltnet.errors import ApiError
from moltnet.gocompat import quote
from moltnet.ids import parse_agent_fqid, parse_scoped, trim


@dataclass(frozen=True)
class SenderFacts:
    actor_type: str
    actor_id: str
    actor_network: str
    actor_fqid: str
    origin_network: str


def remote_origin(facts: SenderFacts, local: str) -> str:
    origin = trim(facts.origin_network)
    return origin if origin and origin != local else ""


def consistent_with(facts: SenderFacts, network: str) -> bool:
    if trim(facts.actor_network) != network:
        return False
    fqid = parse_agent_fqid(trim(facts.actor_fqid))
    if fqid and fqid.network != network:
        return False
    ref = parse_scoped(trim(facts.actor_id)) or parse_agent_fqid(trim(facts.actor_id))
    return not (ref and ref.network != network)


def collision_id(facts: SenderFacts, local: str) -> tuple[str, bool]:
    actor_id = trim(facts.actor_id)
    ref = parse_scoped(actor_id) or parse_agent_fqid(actor_id)
    if ref:
        return ref.agent, ref.network == local
    fqid = parse_agent_fqid(trim(facts.actor_fqid))
    if fqid and fqid.network != local:
        return actor_id, False
    network = trim(facts.actor_network)
    if network and network != local:
        return actor_id, False
    return actor_id, True


def check_human(caller: Caller, remote: str) -> None:
    claims = caller.claims
    if remote and not caller.has_any("pair"):
        raise ApiError(403, "remote-origin human sender requires pair scope")
    if caller.privileged_none:
        return
    if claims is None:
        raise ApiError(401, "human ingress requires a write token")
    if remote:
        return
    if not claims.is_static or "write" not in claims.scopes:
        raise ApiError(403, "human ingress requires a static write token")


def registered_credential(agent_id: str) -> str | None:
    """The credential key agent_id is registered with, or None (plain SQL: it runs on every send)."""
    return leansql.fetch_value(f"SELECT credential_key FROM {AgentRegistration._meta.db_table} WHERE agent_id = %s",
                               [agent_id])


def check_sender(caller: Caller, facts: SenderFacts, local: str) -> None:
    """The decision list of docs/protocol/auth.md §7; raises on refusal, returns on accept."""
    claims = caller.claims
    remote = remote_origin(facts, local)
    has_pair = caller.has_any("pair")
    if remote and has_pair and not consistent_with(facts, remote):
        raise ApiError(409, 'agent "remote origin actor" is already registered with different credentials')
    if trim(facts.actor_type) == "human":
        check_human(caller, remote)
        return
    if remote and has_pair:
        return
    x, is_local = collision_id(facts, local)
    if not x:
        return
    q = quote(x)  # Go formats the id with %q
    open_mode = caller.mode == "open"
    if open_mode and not is_local:
        raise ApiError(403, f"remote-origin agent {q} requires pair scope")
    if not is_local and claims is not None:
        raise ApiError(409, f"agent {q} is already registered with different credentials")
    if claims is not None:
        if has_pair and "write" not in claims.scopes:
            raise ApiError(403, "pair tokens cannot assert local agents")
        if not claims.allows_agent(x):
            if claims.is_agent_token:
                raise ApiError(409, f"agent token is not valid for agent {q}")
            raise ApiError(403, f"agent {q} is not allowed for this token")
    credential_key = memoized(("registration", x), lambda: registered_credential(x))
    if credential_key is None:
        if open_mode:
            raise ApiError(401, f"agent {q} must be registered before sending")
        return
    if caller.key == ANONYMOUS_KEY:
        if open_mode:
            raise ApiError(401, f"agent {q} requires its agent token")
        if credential_key == ANONYMOUS_KEY:
            return
    if credential_key == caller.key:
        if open_mode and (claims is None or "write" not in claims.scopes):
            raise ApiError(403, f"agent {q} requires write scope")
        return
    if claims is not None and {"admin", "write"} <= claims.scopes:
        return
    if claims is not None and claims.is_agent_token:
        raise ApiError(409, f"agent token is not valid for agent {q}")
    if open_mode and claims is not None and "write" not in claims.scopes:
        raise ApiError(403, f"agent {q} requires write scope")
    raise ApiError(409, f"agent {q} is already registered with different credentials")
