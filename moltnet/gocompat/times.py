"""Go's time formats, where a file or message must read as Go writes it."""

from __future__ import annotations

import time


def rfc3339_nano(now: float | None = None) -> str:
    """UTC RFC 3339 with nanoseconds, trailing zeros trimmed (Go's time.RFC3339Nano)."""
    ns = time.time_ns() if now is None else int(now * 1e9)
    seconds, frac = divmod(ns, 1_000_000_000)
    base = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(seconds))
    digits = f"{frac:09d}".rstrip("0")
    return base + (f".{digits}" if digits else "") + "Z"
