"""Pairing use cases: listing with relay progress, remote checks and the discovery proxies (spec 07 §4–5)."""

from __future__ import annotations

import logging
from typing import Any

from moltnet import state
from moltnet.config import PairingConfig
from moltnet.errors import ApiError
from moltnet.ids import format_time, now
from moltnet.jsonshape import omit_empty
from moltnet.pagination import PageParams, collection_page
from pairings import client, status
from pairings.models import PairingState

log = logging.getLogger("moltnet.pairings")


def configured() -> list[PairingConfig]:
    return list(state.config().pairings)


def find_pairing(pairing_id: str) -> PairingConfig:
    """Exact-id lookup; 404 `unknown pairing "<id>"` otherwise."""
    for pairing in configured():
        if pairing.id == pairing_id:
            return pairing
    raise ApiError(404, f'unknown pairing "{pairing_id}"')


# --- relay progress ---------------------------------------------------------------------------

def origin_marker(network_id: str) -> str:
    """Text that a locally-originated message.created event body contains (canonical compact JSON)."""
    return f'"origin":{{"network_id":"{network_id}"'


def queued_events(row: PairingState):
    """Locally-originated message events past the pairing's cursor (an upper bound of what it will relay)."""
    from events.models import Event

    return Event.objects.filter(seq__gt=row.cursor_seq, type="message.created",
                                body__contains=origin_marker(state.network_id())).order_by("seq")


def relay_progress(row: PairingState) -> dict[str, Any]:
    """The additive `relay` object of GET /v1/pairings items: cursor, backlog, lag and last outcome."""
    pending = queued_events(row)
    oldest = pending.values_list("created_at", flat=True).first()
    lag = max(0.0, (now() - oldest).total_seconds()) if oldest else 0.0
    body: dict[str, Any] = {
        "cursor": row.cursor_seq,
        "queued": pending.count(),
        "lag_seconds": round(lag, 3),
        "relayed": row.relayed_count,
        "dropped": row.dropped_count,
        "consecutive_failures": row.failure_count,
    }
    body.update(omit_empty({
        "last_error": row.last_error,
        "last_error_at": format_time(row.last_error_at) if row.last_error_at else "",
        "last_success_at": format_time(row.last_success_at) if row.last_success_at else "",
    }))
    return body


def pairing_overview(pairing: PairingConfig) -> dict[str, Any]:
    """One pairing as shown by GET /v1/pairings and the console: wire fields plus `relay` progress."""
    row = status.state_row(pairing)
    body = status.pairing_json(pairing, status.runtime_of(row))
    body["relay"] = relay_progress(row)
    return body


def list_pairings(params: PageParams) -> tuple[list[dict], dict]:
    """Configured pairings sorted by id (byte order), collection-paginated; never contacts remotes."""
    pairings = sorted(configured(), key=lambda p: p.id.encode())
    page, info = collection_page(pairings, params, key=lambda p: p.id)
    return [pairing_overview(p) for p in page], info


# --- remote checks and discovery --------------------------------------------------------------

def check_remote(pairing: PairingConfig, scope: str) -> tuple[dict, status.Runtime]:
    """Fetch the remote network and store the evaluation; a failed fetch is recorded and raised."""
    try:
        remote = client.fetch_network(pairing)
    except client.RemoteError as exc:
        log.warning("pairing %s: network check failed: %s", pairing.id, exc)
        status.record_failure(pairing, status.MSG_METADATA)
        raise
    return remote, status.apply_check(pairing, remote, scope)


def remote_network(pairing: PairingConfig) -> dict:
    """GET /v1/pairings/{id}/network: the remote document re-encoded in the local Network schema."""
    try:
        remote, _ = check_remote(pairing, "network")
    except client.RemoteError:
        raise ApiError(502) from None
    return network_shape(remote)


def discover(pairing: PairingConfig, kind: str, params: PageParams) -> tuple[list[dict], dict]:
    """GET /v1/pairings/{id}/rooms|agents (spec 07 §5.2)."""
    try:
        _, runtime = check_remote(pairing, "discovery")
    except client.RemoteError:
        raise ApiError(502) from None
    if runtime.status == "incompatible" or not runtime.cursor_pagination_ok:
        raise ApiError(502)
    fetch, shape, message = ((client.fetch_rooms, room_shape, status.MSG_ROOMS) if kind == "rooms"
                             else (client.fetch_agents, agent_shape, status.MSG_AGENTS))
    try:
        items = fetch(pairing)
    except client.RemoteError as exc:
        log.warning("pairing %s: %s fetch failed: %s", pairing.id, kind, exc)
        status.record_failure(pairing, message)
        raise ApiError(502) from None
    page, info = collection_page(items, params, key=lambda item: str(item.get("id") or ""))
    return [shape(item) for item in page], info


# --- re-encoding remote documents in the local schemas (unknown fields dropped) ---------------

def _s(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _b(value: Any) -> bool:
    return value is True


def network_shape(remote: dict) -> dict:
    caps = remote.get("capabilities") if isinstance(remote.get("capabilities"), dict) else {}
    body: dict[str, Any] = {
        "id": _s(remote.get("id")),
        "name": _s(remote.get("name")),
        "version": _s(remote.get("version")),
        "protocols": status.protocols_json(remote.get("protocols")),
        "capabilities": omit_empty({
            "event_stream": _s(caps.get("event_stream")),
            "attachment_protocol": _s(caps.get("attachment_protocol")),
            "public_read": _b(caps.get("public_read")),
            "agent_registration": _s(caps.get("agent_registration")),
            "debug_events": _b(caps.get("debug_events")),
            "human_ingress": _b(caps.get("human_ingress")),
            "direct_messages": _b(caps.get("direct_messages")),
            "message_pagination": _s(caps.get("message_pagination")),
            "pairings": _b(caps.get("pairings")),
        }, always=("public_read", "human_ingress", "direct_messages", "pairings")),
    }
    console = remote.get("console")
    if isinstance(console, dict):
        body["console"] = {"can_send_human": _b(console.get("can_send_human"))}
    warnings = [warning_shape(w) for w in remote.get("warnings") or [] if isinstance(w, dict)]
    if warnings:
        body["warnings"] = warnings
    return body


def warning_shape(warning: dict) -> dict:
    body = {key: _s(warning.get(key)) for key in ("severity", "code", "message")}
    body.update(omit_empty({"action": _s(warning.get("action")), "docs_url": _s(warning.get("docs_url"))}))
    return body


def room_shape(room: dict) -> dict:
    body = omit_empty({
        "id": _s(room.get("id")),
        "network_id": _s(room.get("network_id")),
        "fqid": _s(room.get("fqid")),
        "name": _s(room.get("name")),
        "members": [_s(m) for m in room.get("members") or [] if isinstance(m, str)],
        "visibility": _s(room.get("visibility")),
        "write_policy": _s(room.get("write_policy")),
    }, always=("id", "name"))
    access = room.get("access")
    if isinstance(access, dict):
        body["access"] = {"can_read": _b(access.get("can_read")), "can_write": _b(access.get("can_write")),
                          **omit_empty({"reason": _s(access.get("reason"))})}
    body["created_at"] = _s(room.get("created_at")) or status.ZERO_TIME
    return body


def agent_shape(agent: dict) -> dict:
    body = omit_empty({
        "id": _s(agent.get("id")),
        "name": _s(agent.get("name")),
        "actor_uid": _s(agent.get("actor_uid")),
        "fqid": _s(agent.get("fqid")),
        "network_id": _s(agent.get("network_id")),
        "rooms": [_s(r) for r in agent.get("rooms") or [] if isinstance(r, str)],
    }, always=("id", "network_id"))
    body["connected"] = _b(agent.get("connected"))
    return body
