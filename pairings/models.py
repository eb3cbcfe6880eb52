"""Runtime state of one configured pairing: status, diagnostics, relay cursor and lease."""

from __future__ import annotations

from django.db import models

from moltnet.fields import SortableDateTimeField


class PairingState(models.Model):
    """One row per configured pairing id; config stays the source of the pairing itself."""

    pairing_id = models.CharField(max_length=255, primary_key=True)
    # Status and diagnostics as served by GET /v1/pairings (docs/protocol/pairings.md §3).
    status = models.CharField(max_length=64, default="unknown")
    diagnostics_json = models.TextField(default="")
    checked = models.BooleanField(default=False)
    direct_messages_ok = models.BooleanField(default=True)
    cursor_pagination_ok = models.BooleanField(default=True)
    updated_at = SortableDateTimeField()
    # Relay progress: the last event-log seq this pairing has dealt with.
    cursor_seq = models.BigIntegerField(default=0)
    relayed_count = models.BigIntegerField(default=0)
    dropped_count = models.BigIntegerField(default=0)
    refused_count = models.BigIntegerField(default=0)  # permanent 4xx refusals (RelayRefusal rows)
    failure_count = models.IntegerField(default=0)
    last_error = models.TextField(default="")
    last_error_at = SortableDateTimeField(null=True)
    last_success_at = SortableDateTimeField(null=True)
    # Which server process relays this pairing, and until when (a lease, renewed while alive).
    lease_owner = models.CharField(max_length=64, default="")
    lease_until = SortableDateTimeField(null=True)

    class Meta:
        db_table = "moltnet_pairing_state"

    def __str__(self) -> str:
        return f"{self.pairing_id} {self.status}"


class RelayRefusal(models.Model):
    """A relayed message the partner refused for good (a permanent 4xx): recorded, then skipped."""

    pairing_id = models.CharField(max_length=255)
    event_seq = models.BigIntegerField()
    message_id = models.CharField(max_length=255)
    status_code = models.IntegerField()
    # The partner's answer, shortened and with the pairing token redacted (never a secret).
    error = models.TextField(default="")
    refused_at = SortableDateTimeField()

    class Meta:
        db_table = "moltnet_pairing_refusal"
        constraints = [models.UniqueConstraint(fields=["pairing_id", "event_seq"], name="pairing_refusal_once")]
        indexes = [models.Index(fields=["pairing_id", "-event_seq"], name="pairing_refusal_recent")]

    def __str__(self) -> str:
        return f"{self.pairing_id} {self.message_id} {self.status_code}"
