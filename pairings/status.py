"""Runtime pairing status: compatibility evaluation, the one state-writing function and the
aggregate warnings of /v1/network (docs/protocol/pairings.md §3, §8, §8.1).

The state lives in `PairingState` rows so that every server process serves the same status.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Max

from events import log
from events.models import Event
from moltnet import state
from moltnet.config import PairingConfig
from moltnet.ids import ZERO_TIME, format_time, now, trim
from moltnet.jsonshape import omit_empty
from pairings.models import PairingState
from pairings.wire import NetworkIn

HTTP_V1 = "moltnet.http.v1"
PAIR_V1 = "moltnet.pair.v1"
FRESHNESS = timedelta(minutes=5)
MSG_METADATA = "Remote network metadata could not be fetched."
MSG_ROOMS = "Remote rooms could not be fetched."
MSG_AGENTS = "Remote agents could not be fetched."
MSG_RELAY = "Remote relay request failed."

_WARNINGS = (
    ("incompatible", "pairings.incompatible", "error", "incompatible", "Open the Pairings panel for diagnostics."),
    ("error", "pairings.error", "warning", "in error", "Check remote network connectivity and pairing credentials."),
    ("degraded", "pairings.degraded", "warning", "degraded", "Open the Pairings panel for diagnostics."),
)


@dataclass(frozen=True)
class Runtime:
    """The observable runtime state of one pairing plus its internal update time."""

    status: str
    diagnostics: dict | None
    checked: bool
    direct_messages_ok: bool
    cursor_pagination_ok: bool
    updated_at: datetime

    @property
    def reason(self) -> str:
        return (self.diagnostics or {}).get("reason", "")

    def observable(self) -> tuple:
        return (self.status, self.checked, self.direct_messages_ok, self.cursor_pagination_ok,
                json.dumps(self.diagnostics, sort_keys=True))


# --- wire shapes ------------------------------------------------------------------------------

def _strings(values: Any) -> list[str]:
    return [str(v) for v in values] if isinstance(values, list) else []


def protocols_json(protocols: Any) -> dict:
    protocols = protocols if isinstance(protocols, dict) else {}
    return omit_empty({key: _strings(protocols.get(key)) for key in ("http", "attach", "pair")})


def _time_text(value: Any) -> str:
    if isinstance(value, datetime):
        return format_time(value)
    return str(value) if value else ZERO_TIME


def diagnostics_json(diag: dict | None) -> dict | None:
    """PairingDiagnostics in wire order (docs/protocol/model.md §4.13); None stays absent."""
    if diag is None:
        return None
    body: dict[str, Any] = {"checked_at": _time_text(diag.get("checked_at"))}
    body.update(omit_empty({"remote_version": str(diag.get("remote_version") or ""),
                            "remote_network_id": str(diag.get("remote_network_id") or "")}))
    body["remote_protocols"] = protocols_json(diag.get("remote_protocols"))
    body.update(omit_empty({"reason": str(diag.get("reason") or ""), "message": str(diag.get("message") or "")}))
    return body


def pairing_json(pairing: PairingConfig, runtime: Runtime) -> dict:
    """A Pairing object (docs/protocol/events.md §2.9): configured fields, runtime status; never the token."""
    body: dict[str, Any] = {"id": pairing.id, "remote_network_id": pairing.remote_network_id}
    body.update(omit_empty({"remote_network_name": pairing.remote_network_name,
                            "remote_base_url": pairing.remote_base_url, "status": runtime.status}))
    if runtime.diagnostics is not None:
        body["diagnostics"] = runtime.diagnostics
    return body


# --- persistence ------------------------------------------------------------------------------

def initial_runtime(pairing: PairingConfig, at: datetime | None = None) -> Runtime:
    """Spec 07 §3.1: the configured status/diagnostics, before any check."""
    diag = diagnostics_json(pairing.diagnostics) if isinstance(pairing.diagnostics, dict) else None
    reason = (diag or {}).get("reason", "")
    return Runtime(trim(pairing.status) or "unknown", diag, diag is not None,
                   reason != "direct_messages_disabled", reason != "missing_cursor_pagination", at or now())


def runtime_of(row: PairingState) -> Runtime:
    diag = json.loads(row.diagnostics_json) if row.diagnostics_json else None
    return Runtime(row.status, diag, row.checked, row.direct_messages_ok, row.cursor_pagination_ok, row.updated_at)


def _write_runtime(row: PairingState, runtime: Runtime) -> None:
    row.status = runtime.status
    row.diagnostics_json = json.dumps(runtime.diagnostics) if runtime.diagnostics is not None else ""
    row.checked = runtime.checked
    row.direct_messages_ok = runtime.direct_messages_ok
    row.cursor_pagination_ok = runtime.cursor_pagination_ok
    row.updated_at = runtime.updated_at


def log_head() -> int:
    return Event.objects.aggregate(head=Max("seq"))["head"] or 0


def state_row(pairing: PairingConfig) -> PairingState:
    """The pairing's row, created on first use with the configured state and the relay cursor at
    the current end of the log (a new pairing relays what is sent from now on, never history)."""
    row = PairingState.objects.filter(pairing_id=pairing.id).first()
    if row is not None:
        return row
    row = PairingState(pairing_id=pairing.id, cursor_seq=log_head())
    _write_runtime(row, initial_runtime(pairing))
    try:
        with transaction.atomic():
            row.save(force_insert=True)
    except IntegrityError:  # another process created it first
        return PairingState.objects.get(pairing_id=pairing.id)
    return row


def reset_runtime(pairings: list[PairingConfig]) -> None:
    """Start-up: every pairing starts from its configured state (no events); relay cursors stay."""
    at = now()
    for pairing in pairings:
        row = state_row(pairing)
        _write_runtime(row, initial_runtime(pairing, at))
        row.save(update_fields=["status", "diagnostics_json", "checked", "direct_messages_ok",
                                "cursor_pagination_ok", "updated_at"])


def load(pairing: PairingConfig) -> Runtime:
    return runtime_of(state_row(pairing))


def store(pairing: PairingConfig, new: Runtime) -> bool:
    """The one state writer: saves `new`; publishes `pairing.updated` iff something observable changed."""
    state_row(pairing)
    with transaction.atomic():
        row = PairingState.objects.select_for_update().get(pairing_id=pairing.id)
        changed = runtime_of(row).observable() != new.observable()
        _write_runtime(row, new)
        row.save(update_fields=["status", "diagnostics_json", "checked", "direct_messages_ok",
                                "cursor_pagination_ok", "updated_at"])
        if changed:
            event = log.build_event("pairing.updated", state.network_id(), "pairing", pairing_json(pairing, new))
            log.record(event)
    return changed


def touch(pairing: PairingConfig) -> None:
    """Refresh only the internal update time (restarts the freshness clock; no event)."""
    PairingState.objects.filter(pairing_id=pairing.id).update(updated_at=now())


# --- evaluation -------------------------------------------------------------------------------

def _trimmed(values: list[str]) -> list[str]:
    return [trim(v) for v in values]


def evaluate(pairing: PairingConfig, remote: NetworkIn, scope: str) -> Runtime:
    """Spec 07 §3.3: the first matching rule wins."""
    caps, protocols = remote.capabilities, remote.protocols
    dm_ok = caps.direct_messages
    cursor_ok = trim(caps.message_pagination) == "cursor"
    http, pair = _trimmed(protocols.http), _trimmed(protocols.pair)
    legacy = not protocols.http and not protocols.attach and not protocols.pair
    remote_id = trim(remote.id)
    diag: dict[str, Any] = {"checked_at": format_time(now()), "remote_version": trim(remote.version),
                            "remote_network_id": remote_id, "remote_protocols": protocols.model_dump()}
    expected = trim(pairing.remote_network_id)
    status, reason, message = "connected", "", ""
    if expected and expected != remote_id:
        status, reason = "incompatible", "network_id_mismatch"
        message = f'Remote network_id "{remote_id}" does not match configured remote_network_id "{expected}".'
    elif not (HTTP_V1 in http or (legacy and cursor_ok)):
        status, reason = "incompatible", "unsupported_http_protocol"
        message = f"Remote server does not advertise {HTTP_V1}."
    elif not (PAIR_V1 in pair or (not pair and (HTTP_V1 in http or legacy))):
        status, reason = "incompatible", "unsupported_pair_protocol"
        message = f"Remote server does not advertise {PAIR_V1}."
    elif scope == "discovery" and not cursor_ok:
        status, reason = "degraded", "missing_cursor_pagination"
        message = "Remote server does not advertise cursor pagination for pairing discovery."
    elif not dm_ok:
        status, reason, message = "degraded", "direct_messages_disabled", "Remote server has direct_messages disabled."
    return Runtime(status, diagnostics_json({**diag, "reason": reason, "message": message}), True, dm_ok, cursor_ok,
                   now())


def apply_check(pairing: PairingConfig, remote: NetworkIn, scope: str) -> Runtime:
    """Evaluate and store, honouring the stickiness of `missing_cursor_pagination` (§3.3)."""
    new = evaluate(pairing, remote, scope)
    current = load(pairing)
    if (scope != "discovery" and new.status == "connected" and current.status == "degraded"
            and current.reason == "missing_cursor_pagination"):
        touch(pairing)
        return current
    store(pairing, new)
    return new


def record_failure(pairing: PairingConfig, message: str) -> Runtime:
    """A failed remote request: `error` / `remote_request_failed` with only the spec's fields."""
    diag = {"checked_at": format_time(now()), "remote_protocols": {}, "reason": "remote_request_failed",
            "message": message}
    new = Runtime("error", diagnostics_json(diag), True, False, False, now())
    store(pairing, new)
    return new


def record_relay_success(pairing: PairingConfig) -> None:
    """§6.3 step 4: `degraded` stays degraded, anything else becomes connected; diagnostics kept."""
    current = load(pairing)
    status = "degraded" if current.status == "degraded" else "connected"
    if status == current.status:
        touch(pairing)  # the common case on a busy pairing: one UPDATE, no event
        return
    store(pairing, replace(current, status=status, updated_at=now()))


def needs_check(runtime: Runtime, freshness: timedelta = FRESHNESS) -> bool:
    """Spec 07 §3.4."""
    status = trim(runtime.status)
    if status in ("", "unknown", "error"):
        return True
    if status in ("connected", "degraded", "incompatible"):
        return (not runtime.checked or runtime.diagnostics is None
                or now() - runtime.updated_at >= freshness)
    return False


# --- network warnings -------------------------------------------------------------------------

def current_statuses() -> dict[str, str]:
    """pairing id → runtime status (shared by all processes through the database)."""
    pairings = state.config().pairings
    if not pairings:
        return {}
    rows = dict(PairingState.objects.filter(pairing_id__in=[p.id for p in pairings])
                .values_list("pairing_id", "status"))
    return {p.id: rows.get(p.id) or (trim(p.status) or "unknown") for p in pairings}


def network_warnings() -> list[dict]:
    counts: dict[str, int] = {}
    for status in current_statuses().values():
        counts[status] = counts.get(status, 0) + 1
    warnings = []
    for status, code, severity, words, action in _WARNINGS:
        n = counts.get(status, 0)
        if n:
            noun = "pairing" if n == 1 else "pairings"
            warnings.append({"severity": severity, "code": code, "message": f"{n} {noun} {words}.", "action": action})
    return warnings
