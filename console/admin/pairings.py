"""Pairings in the console: runtime status and relay progress per configured pairing, and the
messages partners refused for good (read-only).

Pairings themselves come from config; the token is not stored in the database and never shown.
"""

from __future__ import annotations

from django.contrib import admin

from console.site import ConsoleModelAdmin, console_site
from moltnet import state
from pairings import services, status
from pairings.models import PairingState, RelayRefusal


@admin.register(PairingState, site=console_site)
class PairingStateAdmin(ConsoleModelAdmin):
    read_only = True
    list_display = ["pairing_id", "remote", "status", "reason", "queued", "lag_seconds", "relayed_count",
                    "refused_count", "dropped_count", "last_error", "last_success_at"]
    fields = ["pairing_id", "remote", "status", "reason", "queued", "lag_seconds", "cursor_seq", "relayed_count",
              "refused_count", "dropped_count", "failure_count", "last_error", "last_error_at", "last_success_at",
              "lease_owner", "lease_until"]
    readonly_fields = fields
    ordering = ["pairing_id"]

    def get_queryset(self, request):
        pairings = state.config().pairings
        for pairing in pairings:
            status.state_row(pairing)
        return super().get_queryset(request).filter(pairing_id__in=[p.id for p in pairings])

    def _pairing(self, obj: PairingState):
        return next((p for p in state.config().pairings if p.id == obj.pairing_id), None)

    @admin.display(description="remote")
    def remote(self, obj: PairingState) -> str:
        pairing = self._pairing(obj)
        if pairing is None:
            return ""
        return f"{pairing.remote_network_name or pairing.remote_network_id} ({pairing.remote_base_url})"

    @admin.display(description="reason")
    def reason(self, obj: PairingState) -> str:
        return status.runtime_of(obj).reason

    def _progress(self, obj: PairingState) -> dict:
        pairing = self._pairing(obj)
        return services.relay_progress(obj, pairing) if pairing else {"queued": 0, "lag_seconds": 0.0}

    @admin.display(description="queued")
    def queued(self, obj: PairingState) -> int:
        return self._progress(obj)["queued"]

    @admin.display(description="lag (s)")
    def lag_seconds(self, obj: PairingState) -> float:
        return self._progress(obj)["lag_seconds"]


@admin.register(RelayRefusal, site=console_site)
class RelayRefusalAdmin(ConsoleModelAdmin):
    """Messages a partner refused for good (a permanent 4xx): the relay recorded them and went on."""

    read_only = True
    list_display = ["refused_at", "pairing_id", "message_id", "status_code", "error"]
    list_filter = ["pairing_id", "status_code"]
    fields = ["pairing_id", "event_seq", "message_id", "status_code", "error", "refused_at"]
    readonly_fields = fields
    ordering = ["-event_seq"]
