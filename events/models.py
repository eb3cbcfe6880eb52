"""The durable event log: append-only, ordered by `seq`, which is what cursors resolve to."""

from __future__ import annotations

from django.db import models

from moltnet.fields import SortableDateTimeField


class Event(models.Model):
    seq = models.BigAutoField(primary_key=True)
    event_id = models.CharField(max_length=128, unique=True)
    # Not indexed: readers go by seq and filter on type, and an index on it (all but a few rows
    # `message.created`) cost every send's commit two to three more pages.
    type = models.CharField(max_length=128)
    network_id = models.CharField(max_length=255)
    # The canonical event JSON exactly as delivered on SSE and attachments.
    body = models.TextField()
    created_at = SortableDateTimeField()
    recorded_at = SortableDateTimeField(db_index=True)

    class Meta:
        db_table = "moltnet_events"
        ordering = ["seq"]

    def __str__(self) -> str:
        return f"{self.seq} {self.type}"
