"""Pairing use cases: listing with relay progress, remote checks and the discovery proxies (docs/protocol/pairings.md
§4–5)."""

from __future__ import annotations

import logging
from typing import Any

from django.db.models import Q

from events.models import Event
from moltnet import state
from moltnet.config import PairingConfig
from moltnet.errors import ApiError
from moltnet.ids import format_time, now, trim
from moltnet.jsonshape import omit_empty
from moltnet.pagination import PageParams, collection_page
from pairings import client, refusals, status, wire
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


DM_MARKER = '"target":{"kind":"dm"'


def queued_events(row: PairingState, pairing: PairingConfig):
    """Locally-originated message events past the pairing's cursor that are meant for it: rooms and
    threads, and DMs with a participant scoped to its network (text match on the canonical JSON,
    so a DM whose text starts with `<remote>:` may count too)."""
    pending = Event.objects.filter(seq__gt=row.cursor_seq, type="message.created",
                                   body__contains=origin_marker(state.network_id()))
    remote = trim(pairing.remote_network_id)
    not_dm = ~Q(body__contains=DM_MARKER)
    return pending.filter(not_dm | Q(body__contains=f'"{remote}:') if remote else not_dm).order_by("seq")


def relay_progress(row: PairingState, pairing: PairingConfig) -> dict[str, Any]:
    """The additive `relay` object of GET /v1/pairings items: cursor, backlog, lag and last outcome."""
    pending = queued_events(row, pairing)
    oldest = pending.values_list("created_at", flat=True).first()
    lag = max(0.0, (now() - oldest).total_seconds()) if oldest else 0.0
    body: dict[str, Any] = {
        "cursor": row.cursor_seq,
        "queued": pending.count(),
        "lag_seconds": round(lag, 3),
        "relayed": row.relayed_count,
        "dropped": row.dropped_count,
        "refused": row.refused_count,
        "consecutive_failures": row.failure_count,
    }
    body.update(omit_empty({
        "last_error": row.last_error,
        "last_error_at": format_time(row.last_error_at) if row.last_error_at else "",
        "last_success_at": format_time(row.last_success_at) if row.last_success_at else "",
    }))
    if row.refused_count and (refusal := refusals.last(row.pairing_id)) is not None:
        body["last_refusal"] = refusal
    return body


def pairing_overview(pairing: PairingConfig) -> dict[str, Any]:
    """One pairing as shown by GET /v1/pairings and the console: wire fields plus `relay` progress."""
    row = status.state_row(pairing)
    body = status.pairing_json(pairing, status.runtime_of(row))
    body["relay"] = relay_progress(row, pairing)
    return body


def list_pairings(params: PageParams) -> tuple[list[dict], dict]:
    """Configured pairings sorted by id (byte order), collection-paginated; never contacts remotes."""
    pairings = sorted(configured(), key=lambda p: p.id.encode())
    page, info = collection_page(pairings, params, key=lambda p: p.id)
    return [pairing_overview(p) for p in page], info


# --- remote checks and discovery --------------------------------------------------------------

def check_remote(pairing: PairingConfig, scope: str) -> tuple[wire.NetworkIn, status.Runtime]:
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
    return wire.network_json(remote)


def discover(pairing: PairingConfig, kind: str, params: PageParams) -> tuple[list[dict], dict]:
    """GET /v1/pairings/{id}/rooms|agents (docs/protocol/pairings.md §5.2)."""
    try:
        _, runtime = check_remote(pairing, "discovery")
    except client.RemoteError:
        raise ApiError(502) from None
    if runtime.status == "incompatible" or not runtime.cursor_pagination_ok:
        raise ApiError(502)
    fetch, shape, message = ((client.fetch_rooms, wire.room_json, status.MSG_ROOMS) if kind == "rooms"
                             else (client.fetch_agents, wire.agent_json, status.MSG_AGENTS))
    try:
        items = fetch(pairing)
    except client.RemoteError as exc:
        log.warning("pairing %s: %s fetch failed: %s", pairing.id, kind, exc)
        status.record_failure(pairing, message)
        raise ApiError(502) from None
    page, info = collection_page(items, params, key=lambda item: item.id)
    return [shape(item) for item in page], info
