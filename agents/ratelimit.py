"""Rate limits (an extension): per-address limits on anonymous registration and attach, and
a token bucket per sender on sends.

Registration/attach counters are fixed one-minute windows (one row per kind, address and
window); send buckets are one row per sender. Both live in the database, so every server process
sharing the store enforces the same limit. A send's bucket is updated inside the send's own
transaction: on the hot path that is the group commit, so the limit adds one UPDATE and no commit.
"""

from __future__ import annotations

import contextlib
import logging
import math
import random
import threading
import time

from django.db import DatabaseError, IntegrityError, connection, connections, transaction
from django.db.models import F

from agents.auth import AGENT_TOKEN_PREFIX, Caller, credentials_of
from agents.models import RateLimitBucket
from moltnet import clientaddr, state
from moltnet.errors import ApiError
from moltnet.ids import sha256_hex, trim

log = logging.getLogger("moltnet.auth")

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


# --- send limits -------------------------------------------------------------------------------

_AVAILABLE = ("(CASE WHEN tokens + (CASE WHEN %s > updated_at THEN %s - updated_at ELSE 0 END) * %s > %s THEN %s "
              "ELSE tokens + (CASE WHEN %s > updated_at THEN %s - updated_at ELSE 0 END) * %s END)")
_TAKE = (f'UPDATE send_limit_buckets SET tokens = {_AVAILABLE} - 1, '
         f'updated_at = CASE WHEN %s > updated_at THEN %s ELSE updated_at END WHERE "key" = %s AND {_AVAILABLE} >= 1')
_READ = 'SELECT tokens, updated_at FROM send_limit_buckets WHERE "key" = %s'
_CREATE = ('INSERT INTO send_limit_buckets ("key", tokens, updated_at) VALUES (%s, %s, %s) '
           'ON CONFLICT ("key") DO NOTHING')
# Senders recently refused, by credential key or `addr:<address>` → when a token is back (unix
# seconds): the hot path refuses them before their send is queued to the writer.
_refused_until: dict[str, float] = {}


def send_key(caller: Caller) -> str | None:
    """Whose bucket a send counts against: the agent of an agent token, else the client address;
    None for operators (static tokens, console users) and admin tokens, which are never limited."""
    claims = caller.claims
    if claims is not None:
        if claims.is_static or claims.has_any("admin"):
            return None
        return f"agent:{claims.agent_id}"
    return f"addr:{caller.remote_addr or 'unknown'}"


def take_token(key: str, per_minute: int, burst: int, at: float | None = None, db=None) -> float:
    """Take one token from `key`'s bucket; 0 when taken, else the seconds until one is back."""
    now = time.time() if at is None else at
    rate = per_minute / 60.0
    available = [now, now, rate, float(burst), float(burst), now, now, rate]
    with (db or connection).cursor() as cursor:
        for _ in range(2):
            cursor.execute(_TAKE, [*available, now, now, key, *available])
            if cursor.rowcount:
                return 0.0
            cursor.execute(_READ, [key])
            row = cursor.fetchone()
            if row is None:
                cursor.execute(_CREATE, [key, float(burst - 1), now])
                if cursor.rowcount:
                    return 0.0
                continue  # another process created it first: take from theirs
            tokens = min(float(burst), row[0] + max(0.0, now - row[1]) * rate)
            return max(0.001, (1 - tokens) / rate)
    return 0.0


def check_send_limit(caller: Caller) -> None:
    """Count a send against its sender's bucket; 429 with Retry-After when the bucket is empty."""
    cfg = state.config()
    if not cfg.rate_limits_active or cfg.send_per_minute <= 0:
        return
    key = send_key(caller)
    if key is None:
        return
    try:
        wait = _take(key[:200], cfg.send_per_minute, cfg.send_burst)
    except DatabaseError:
        log.warning("could not count a send against its limit; letting it through", exc_info=True)
        _drop_side_connection()
        return
    if wait <= 0:
        return
    retry_after = max(1, math.ceil(wait))
    _remember_refusal(caller.key if caller.claims else key, time.time() + wait)
    raise ApiError(429, f"too many messages from this sender; retry in {retry_after}s",
                   {"Retry-After": str(retry_after)})


_side = threading.local()


def _take(key: str, per_minute: int, burst: int) -> float:
    """`take_token` where it is cheapest and safe.

    SQLite: in the send's own transaction (on the hot path the group commit: no commit of its own).
    Postgres on the group-commit writer: on a second, autocommit connection of that thread with
    synchronous_commit off — one round trip (a savepoint, the UPDATE and the release were three),
    and the bucket row is not held locked until the batch commits.
    Postgres elsewhere (Django's handler, in-process callers): in a savepoint, so that a database
    error rolls back the check alone and the send goes on.
    """
    if connection.vendor != "postgresql":
        return take_token(key, per_minute, burst)
    if threading.current_thread().name.startswith("moltnet-writer"):
        return take_token(key, per_minute, burst, db=_side_connection())
    with transaction.atomic():
        return take_token(key, per_minute, burst)


def _side_connection():
    side = getattr(_side, "connection", None)
    if side is None:
        side = connections.create_connection("default")
        side.set_autocommit(True)
        with side.cursor() as cursor:  # a bucket lost in a crash is harmless; a wait for the WAL is not
            cursor.execute("SET synchronous_commit TO off")
        _side.connection = side
    return side


def _drop_side_connection() -> None:
    side = getattr(_side, "connection", None)
    if side is not None:
        _side.connection = None
        with contextlib.suppress(DatabaseError):
            side.close()


MAX_REMEMBERED = 10_000


def _remember_refusal(key: str, until: float) -> None:
    """Note a refused sender for the hot path (written by the writer thread, read on the event loop)."""
    if len(_refused_until) >= MAX_REMEMBERED:  # forget the expired; if none, the oldest
        now = time.time()
        stale = [k for k, t in list(_refused_until.items()) if t <= now] or list(_refused_until)[:1000]
        for gone in stale:
            _refused_until.pop(gone, None)
    _refused_until[key] = until


def early_refusal(request) -> ApiError | None:
    """The hot path's check before a send is queued: refuse a sender refused moments ago, until a
    token is back (no database work; the authoritative check is `check_send_limit`)."""
    if not _refused_until:
        return None
    try:
        return _early_refusal(request)
    except Exception:  # this is only a shortcut: the send path's own check still applies
        log.warning("the early send-limit check failed; the send goes on to the full check", exc_info=True)
        return None


def _early_refusal(request) -> ApiError | None:
    try:
        token = credentials_of(request).token() or ""
    except ApiError:  # a malformed Authorization header: authentication answers it
        return None
    if token and not trim(token).startswith(AGENT_TOKEN_PREFIX):
        return None  # a static token: exempt, or refused by authentication
    key = "agent-token:" + sha256_hex(trim(token)) if token else f"addr:{clientaddr.of_request(request) or 'unknown'}"
    until = _refused_until.get(key)
    now = time.time()
    if until is None:
        return None
    if until <= now:
        _refused_until.pop(key, None)
        return None
    retry_after = max(1, math.ceil(until - now))
    return ApiError(429, f"too many messages from this sender; retry in {retry_after}s",
                    {"Retry-After": str(retry_after)})
