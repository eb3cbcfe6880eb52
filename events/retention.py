"""How long the durable event log keeps events (`server.event_retention`, default 168h).

Pruned events can no longer be resumed from: such a cursor yields `stream.replay_gap`.
"""

from __future__ import annotations

import re
from datetime import timedelta

from events.models import Event
from moltnet import state
from moltnet.ids import now

_UNITS = {"ns": 1e-9, "us": 1e-6, "µs": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0, "h": 3600.0}
_PART = re.compile(r"(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h)")


def parse_duration(text: str) -> timedelta:
    """Go's time.ParseDuration for non-negative values ("168h", "90m", "1h30m", "0")."""
    text = (text or "").strip()
    if text == "0":
        return timedelta(0)
    pos, seconds = 0, 0.0
    if not text:
        raise ValueError("empty duration")
    while pos < len(text):
        match = _PART.match(text, pos)
        if match is None:
            raise ValueError(f'invalid duration "{text}"')
        seconds += float(match.group(1)) * _UNITS[match.group(2)]
        pos = match.end()
    return timedelta(seconds=seconds)


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
