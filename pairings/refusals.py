"""Messages a partner refused for good: one `RelayRefusal` row each (the newest are kept), shown by
GET /v1/pairings (`relay.last_refusal`), the console and `moltnet_relay_refused_total`."""

from __future__ import annotations

import logging
from typing import Any

from django.db import IntegrityError, transaction

from moltnet.config import PairingConfig
from moltnet.ids import format_time, now
from pairings import client
from pairings.models import RelayRefusal

log = logging.getLogger("moltnet.pairings.relay")
KEEP = 1000  # rows kept per pairing; the counter on PairingState keeps the total
EXCERPT = 300


def record(pairing: PairingConfig, seq: int, message_id: str, exc: client.RemoteError) -> None:
    """Store one refusal (once per event, even when a crash makes the relay send it again)."""
    error = client.redact(str(exc), pairing)[:EXCERPT]
    log.warning("pairing %s: partner refused message %s for good (%s); skipped", pairing.id, message_id, error)
    try:
        with transaction.atomic():
            RelayRefusal.objects.create(pairing_id=pairing.id, event_seq=seq, message_id=message_id[:255],
                                        status_code=exc.status, error=error, refused_at=now())
    except IntegrityError:
        return
    stale = (RelayRefusal.objects.filter(pairing_id=pairing.id).order_by("-event_seq")
             .values_list("event_seq", flat=True)[KEEP:KEEP + 1])
    if stale:
        RelayRefusal.objects.filter(pairing_id=pairing.id, event_seq__lte=stale[0]).delete()


def last(pairing_id: str) -> dict[str, Any] | None:
    """The newest refusal as the `relay.last_refusal` object, or None."""
    row = RelayRefusal.objects.filter(pairing_id=pairing_id).order_by("-event_seq").first()
    if row is None:
        return None
    return {"message_id": row.message_id, "status": row.status_code, "error": row.error,
            "at": format_time(row.refused_at)}
