"""How long the durable event log keeps events (`server.event_retention`, default 168h).

Pruned events can no longer be resumed from: such a cursor yields `stream.replay_gap`.
"""

from __future__ import annotations

from datetime import timedelta

from events.models import Event
from moltnet import state
from moltnet.gocompat import parse_duration
from moltnet.ids import now


def retention() -> timedelta | None:
    """The configured retention; None (keep everything) when it is 0 or unparsable."""
    try:
        value = parse_duration(state.config().event_retention)
    except ValueError:
        return None
    return value or None


def prune() -> int:
    """Delete events recorded before the retention horizon; returns how many were removed."""
    keep = retention()
    if keep is None:
        return 0
    deleted, _ = Event.objects.filter(recorded_at__lt=now() - keep).delete()
    return deleted
