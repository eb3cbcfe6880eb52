"""Relay timing and failure policy: which partner answers are permanent refusals, which are worth
retrying and after how long, and the MOLTNET_RELAY_* knobs (validated at start-up)."""

from __future__ import annotations

import os
from dataclasses import dataclass

from moltnet.config import ConfigError
from pairings.client import RemoteError

# 4xx answers that say "try again later" rather than "never" (Retry-After is honoured).
TRANSIENT_4XX = {408, 425, 429}
RETRY_AFTER_CAP = 600.0  # a partner cannot park a pairing for longer than this per answer
MAX_CONCURRENCY = 64


def is_refusal(exc: RemoteError) -> bool:
    """A permanent refusal of this one message (unknown room, write policy, validation, too large):
    record it and move on. Everything else is transient and retried: no answer, timeouts, 5xx,
    408/425/429, and answers about the pairing's credential rather than the message (401, the auth
    layer's bare 403 "forbidden", a token without the pair scope) — those would refuse every
    message, so skipping them would lose the whole backlog to a typo in a token."""
    if not 400 <= exc.status < 500 or exc.status in TRANSIENT_4XX or exc.status == 401:
        return False
    return not (exc.status == 403 and (exc.remote_error in ("", "forbidden") or "pair scope" in exc.remote_error))


@dataclass(frozen=True)
class RelaySettings:
    """Timing knobs; the env vars exist so tests, benchmarks and impatient operators can change them."""

    backoff_min: float = 1.0
    backoff_max: float = 30.0
    poll_interval: float = 1.0
    freshness: float = 300.0
    concurrency: int = 8  # relays in flight per pairing (Go: 8 server-wide, dropping the excess)
    timeout: float = 5.0

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> RelaySettings:
        """Read MOLTNET_RELAY_*; a bad value raises ConfigError naming the variable."""
        env = os.environ if environ is None else environ

        def number(name: str, default: float) -> float:
            raw = env.get(name, "").strip()
            if not raw:
                return default
            try:
                value = float(raw)
            except ValueError:
                value = -1.0
            if not value > 0 or value == float("inf"):
                raise ConfigError(f"{name} must be a positive number of seconds, got {raw!r}")
            return value

        raw = env.get("MOLTNET_RELAY_CONCURRENCY", "").strip()
        concurrency = cls.concurrency
        if raw:
            if not raw.isdigit() or not 1 <= int(raw) <= MAX_CONCURRENCY:
                raise ConfigError(f"MOLTNET_RELAY_CONCURRENCY must be a whole number from 1 to {MAX_CONCURRENCY}, "
                                  f"got {raw!r}")
            concurrency = int(raw)
        backoff_min = number("MOLTNET_RELAY_BACKOFF_MIN", cls.backoff_min)
        backoff_max = number("MOLTNET_RELAY_BACKOFF_MAX", cls.backoff_max)
        if backoff_max < backoff_min:
            raise ConfigError(f"MOLTNET_RELAY_BACKOFF_MAX ({backoff_max:g}) is below MOLTNET_RELAY_BACKOFF_MIN "
                              f"({backoff_min:g})")
        return cls(backoff_min, backoff_max, number("MOLTNET_RELAY_POLL_INTERVAL", cls.poll_interval),
                   number("MOLTNET_RELAY_FRESHNESS", cls.freshness), concurrency, cls.timeout)

    def backoff(self, failures: int, retry_after: float = 0.0) -> float:
        """Doubling from backoff_min to backoff_max; a partner's Retry-After wins when longer."""
        doubled = min(self.backoff_max, self.backoff_min * (2 ** min(30, max(0, failures - 1))))
        return max(doubled, min(retry_after, RETRY_AFTER_CAP))
