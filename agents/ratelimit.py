"""Per-address rate limits for anonymous registration and anonymous attach (an extension).

Counters live in the database (one row per kind, address and one-minute window), so every
server process sharing the store enforces the same limit.
"""

from __future__ import annotations

import random
import time

from django.db import IntegrityError, transaction
from django.db.models import F

from agents.models import RateLimitBucket
from moltnet import state
from moltnet.errors import ApiError

WINDOW_SECONDS = 60
KINDS = {"register": "anonymous registrations", "attach": "anonymous attachments"}


def count_hit(kind: str, remote_addr: str, at: float | None = None) -> tuple[int, int]:
    """Count one request; returns (count in the current window, seconds until it ends)."""
    at = time.time() if at is None else at
    window = int(at) - int(at) % WINDOW_SECONDS
    match = {"kind": kind, "remote_addr": remote_addr[:64], "window_start": window}
    with transaction.atomic():
        if not RateLimitBucket.objects.filter(**match).update(count=F("count") + 1):
            try:
                with transaction.atomic():
                    RateLimitBucket.objects.create(count=1, **match)
            except IntegrityError:  # another process created the window first
                RateLimitBucket.objects.filter(**match).update(count=F("count") + 1)
        count = RateLimitBucket.objects.filter(**match).values_list("count", flat=True).first() or 1
        if random.random() < 0.02:  # prune old windows now and then
            RateLimitBucket.objects.filter(window_start__lt=window - WINDOW_SECONDS).delete()
    return count, max(1, window + WINDOW_SECONDS - int(at))


def limit_for(kind: str) -> int:
    """The configured per-minute limit, or 0 when limits are off for this kind."""
    cfg = state.config()
    if not cfg.rate_limits_active:
        return 0
    return cfg.register_per_minute if kind == "register" else cfg.attach_per_minute


def check_rate_limit(kind: str, remote_addr: str) -> None:
    """Count an anonymous `register` or `attach` from `remote_addr`; 429 with Retry-After over the limit."""
    if kind not in KINDS:
        raise ValueError(f"unknown rate limit kind {kind!r}")
    limit = limit_for(kind)
    if limit <= 0:
        return
    count, retry_after = count_hit(kind, remote_addr or "unknown")
    if count > limit:
        raise ApiError(429, f"too many {KINDS[kind]} from this address; retry in {retry_after}s",
                       {"Retry-After": str(retry_after)})
