"""Go's time.ParseDuration, for duration settings written as a Go server reads them."""

from __future__ import annotations

import re
from datetime import timedelta

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
