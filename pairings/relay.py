"""The durable outbound relay (docs/protocol/pairings.md §6, improved): driven by the event log, never lossy, never
stalled.

Each pairing keeps a cursor (an event-log `seq`) in its `PairingState` row. A worker thread in
every `moltnet start` / `manage.py runserver` process follows the log past that cursor and relays
locally-originated `message.created` events to the partner, issued in log order with up to
`concurrency` (default 8) requests in flight, so a slow partner costs latency, not throughput.

Durability: the persisted cursor only moves past a contiguous prefix of settled events (delivered,
refused for good, or not meant for this partner). After a crash or a lost lease the in-flight ones
are sent again: at-least-once, and the partner stores a message id once (docs/protocol/pairings.md §7 step 9), so a
repeat is answered 202 and changes nothing. A database lease makes one process relay a pairing.

Failures: a permanent refusal of one message (a 4xx about the message, `relaypolicy.is_refusal`)
is recorded (`pairings.refusals`) and skipped, so the next message goes. Anything else (no answer,
timeout, 5xx, 408/425/429, a refused credential) keeps the message and retries it after a doubling
backoff, or the partner's Retry-After when longer. Deliberate differences from Go (which relays
once, drops on failure and caps 8 tasks server-wide): messages wait instead of being dropped while
the partner is unreachable, in `error` or `incompatible`. Requests in flight together may be stored
by the partner in a different order than they were issued (as with Go's 8 tasks); with
MOLTNET_RELAY_CONCURRENCY=1 the partner sees exactly the log order.
"""

from __future__ import annotations

import json
import logging
import os
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from datetime import timedelta
from enum import Enum
from typing import Any

from django.db.models import F, Q

from events.models import Event
from moltnet import metrics, state
from moltnet.config import PairingConfig
from moltnet.ids import now, trim
from pairings import client, refusals, status
from pairings.models import PairingState
from pairings.relaybody import is_local_origin, relay_body, targets_pairing
from pairings.relaypolicy import RelaySettings, is_refusal

__all__ = ["PairingRelay", "RelaySettings"]

log = logging.getLogger("moltnet.pairings.relay")
BATCH = 100  # events read from the log at a time
LEASE_TTL = timedelta(seconds=30)
HOLD_DELAY = 5.0  # how often a pairing that is not usable (incompatible, custom status) looks again
LEASE_RENEW = 5.0  # seconds between lease renewals while nothing settles
SUCCESS_REFRESH = 1.0  # a busy relay tells the status about its successes at most this often
OWNER = f"{os.getpid()}-{uuid.uuid4().hex[:12]}"


class Outcome(Enum):
    SKIP = "skip"  # not for this pairing: advance silently
    SENT = "sent"  # delivered: advance
    DROPPED = "dropped"  # undeliverable (DMs disabled on the partner): advance, counted
    REFUSED = "refused"  # the partner refused it for good: recorded, advance, counted


@dataclass
class Slot:
    """One event of the window between the persisted cursor and what has been read from the log."""

    seq: int
    body: dict[str, Any] | None = None  # the relay request, when the event is for this partner
    outcome: Outcome | None = None  # set once settled
    future: Future | None = None  # the request in flight
    failed: bool = False  # a transient failure happened: it is sent again before anything newer


class PairingRelay:
    """Relays one pairing's backlog. `step()` reads the log, issues requests, collects answers and
    moves the cursor; it says how long until it wants to run again."""

    def __init__(self, pairing: PairingConfig, settings: RelaySettings, owner: str = OWNER) -> None:
        self.pairing = pairing
        self.settings = settings
        self.owner = owner
        self.failures = 0
        self.idle = False  # nothing in flight, nothing waiting: a local append should wake it
        self.window: deque[Slot] = deque()
        self.read_seq: int | None = None  # last seq read into the window; None: start at the cursor
        self.retry_at = 0.0  # monotonic time before which nothing is sent (backoff)
        self.on_done: Callable[[], None] | None = None  # called from the pool when an answer arrives
        self._pool: ThreadPoolExecutor | None = None
        self._lease_renewed = 0.0  # monotonic; progress (`advance`) renews the lease too
        self._success_recorded = 0.0  # monotonic time status last heard of a success

    # --- lease and window bookkeeping ---------------------------------------------------------

    def acquire_lease(self) -> bool:
        at = now()
        free = Q(lease_owner=self.owner) | Q(lease_owner="") | Q(lease_until__isnull=True) | Q(lease_until__lt=at)
        return PairingState.objects.filter(free, pairing_id=self.pairing.id).update(
            lease_owner=self.owner, lease_until=at + LEASE_TTL) == 1

    def release_lease(self) -> None:
        PairingState.objects.filter(pairing_id=self.pairing.id, lease_owner=self.owner).update(
            lease_owner="", lease_until=None)

    def forget(self) -> None:
        """Drop the window (lease lost): answers still in flight are ignored, the cursor decides."""
        self.window.clear()
        self.read_seq = None
        self._success_recorded = 0.0

    def finish(self) -> None:
        """Graceful stop: let the requests in flight answer (within the request timeout) and record
        them, so the next process to relay this pairing does not send them again."""
        flying = [slot.future for slot in self.in_flight()]
        if flying:
            wait(flying, timeout=self.settings.timeout)
            self.collect()
        self.close()

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = None

    def in_flight(self) -> list[Slot]:
        return [slot for slot in self.window if slot.future is not None]

    def has_answers(self) -> bool:
        return any(slot.future is not None and slot.future.done() for slot in self.window)

    # --- one step ---------------------------------------------------------------------------------

    def step(self, stop: threading.Event | None = None, wait_for: float | None = None) -> float:
        """Collect answers, advance the cursor, issue what the window allows. `wait_for` (default: the
        request timeout) bounds a wait for the first answer when requests are in flight; the worker
        passes 0 and is woken by `on_done` instead."""
        if self.read_seq is None:
            status.state_row(self.pairing)
        # The lease is renewed a few times per TTL, not on every step of a busy relay.
        if self.read_seq is None or time.monotonic() - self._lease_renewed > LEASE_RENEW:
            if not self.acquire_lease():  # another process relays this pairing; look again soon
                self.forget()
                self.idle = False
                return max(self.settings.poll_interval, 1.0)
            self._lease_renewed = time.monotonic()
        if self.read_seq is None:
            self.read_seq = PairingState.objects.values_list("cursor_seq", flat=True).get(pairing_id=self.pairing.id)
        if not self.collect():
            return self.settings.poll_interval
        if stop is not None and stop.is_set():
            return 0
        delay = self.issue()
        wait_for = self.settings.timeout + 1 if wait_for is None else wait_for
        flying = [slot.future for slot in self.in_flight()]
        if flying and wait_for > 0:
            wait(flying, timeout=wait_for, return_when=FIRST_COMPLETED)
            if not self.collect():
                return self.settings.poll_interval
            delay = self.retry_wait() if time.monotonic() < self.retry_at else 0
        return delay

    def collect(self) -> bool:
        """Settle answered requests and persist the settled prefix; False when the lease was lost."""
        answered = [slot for slot in self.window if slot.future is not None and slot.future.done()]
        last_ok: bool | None = None
        detail = ""
        for slot in answered:
            future, slot.future = slot.future, None
            try:
                future.result()
            except client.RemoteError as exc:
                metrics.relay_total.labels("error").inc()
                last_ok, detail = False, str(exc)
                if is_refusal(exc):
                    metrics.relay_total.labels("dropped").inc()
                    slot.outcome = Outcome.REFUSED
                    refusals.record(self.pairing, slot.seq, slot.body["id"], exc)
                    continue
                self.failures += 1
                slot.failed = True
                self.retry_at = max(self.retry_at, time.monotonic() + self.settings.backoff(self.failures,
                                                                                            exc.retry_after))
                log.warning("pairing %s: relay of message %s failed, retrying: %s", self.pairing.id,
                            slot.body["id"], exc)
            except Exception as exc:  # a bug in a pool thread: keep the message and retry later
                log.exception("pairing %s: relay of message %s broke", self.pairing.id, slot.body["id"])
                self.failures += 1
                slot.failed = True
                self.retry_at = time.monotonic() + self.settings.backoff(self.failures)
                last_ok, detail = False, f"relay failed: {type(exc).__name__}"
            else:
                metrics.relay_total.labels("success").inc()
                slot.outcome = Outcome.SENT
                last_ok = True
        if last_ok is True and time.monotonic() - self._success_recorded > SUCCESS_REFRESH:
            status.record_relay_success(self.pairing)  # connected (or still degraded); refreshes freshness
            self._success_recorded = time.monotonic()
        elif last_ok is False:
            status.record_failure(self.pairing, status.MSG_RELAY)
            self._success_recorded = 0.0  # the next success must say so at once
        return self.advance(detail if last_ok is False else None)

    def advance(self, error: str | None) -> bool:
        """One UPDATE: the cursor past the settled prefix, counters, the latest error; renews the lease."""
        settled: list[Slot] = []
        while self.window and self.window[0].outcome is not None:
            settled.append(self.window.popleft())
        sent = sum(slot.outcome is Outcome.SENT for slot in settled)
        refused = sum(slot.outcome is Outcome.REFUSED for slot in settled)
        dropped = refused + sum(slot.outcome is Outcome.DROPPED for slot in settled)
        if not settled and error is None:
            return True
        fields: dict[str, Any] = {"lease_until": now() + LEASE_TTL}
        if settled:
            fields["cursor_seq"] = settled[-1].seq
        if sent:
            self.failures = 0
            fields.update(relayed_count=F("relayed_count") + sent, last_success_at=now())
        if dropped:
            fields.update(dropped_count=F("dropped_count") + dropped, refused_count=F("refused_count") + refused)
        if error is not None:
            fields.update(last_error=client.redact(error, self.pairing), last_error_at=now())
        fields["failure_count"] = self.failures
        rows = PairingState.objects.filter(pairing_id=self.pairing.id, lease_owner=self.owner)
        if rows.update(**fields) != 1:
            self.forget()  # lost the lease to another process
            return False
        self._lease_renewed = time.monotonic()
        return True

    # --- reading the log and issuing requests ---------------------------------------------------

    def read_more(self) -> bool:
        """Append the next events to the window; True when the log had more than one batch."""
        events = list(Event.objects.filter(seq__gt=self.read_seq, type="message.created").order_by("seq")
                      .values_list("seq", "body")[:BATCH])
        local = state.network_id()
        for seq, body in events:
            message = (json.loads(body) or {}).get("message") or {}
            request = None
            if (is_local_origin(message, local) and trim(self.pairing.remote_base_url)
                    and targets_pairing(message, self.pairing)):
                request = relay_body(message, self.pairing)
            self.window.append(Slot(seq, request, None if request else Outcome.SKIP))
            self.read_seq = seq
        return len(events) == BATCH

    def issue(self) -> float:
        """Send waiting slots in log order while fewer than `concurrency` are in flight."""
        now_m = time.monotonic()
        if now_m < self.retry_at:
            self.idle = False
            return self.retry_at - now_m
        more = False
        if len(self.window) < max(BATCH, 4 * self.settings.concurrency):
            more = self.read_more()
        if not self.advance(None):
            return self.settings.poll_interval
        waiting = [slot for slot in self.window if slot.outcome is None and slot.future is None]
        if any(slot.failed and slot.outcome is None for slot in self.window):
            # After a transient failure the failed messages go again first, alone: nothing newer is
            # issued until they are settled, so none lands more than `concurrency` places late.
            waiting = [slot for slot in waiting if slot.failed]
        free = self.settings.concurrency - len(self.in_flight())
        # Idle: room for more requests and nothing left to read, so a local append should wake it.
        self.idle = not more and free > len(waiting)
        if not waiting or free <= 0:
            return 0 if more else self.settings.poll_interval
        runtime = self.usable_runtime(waiting[0].body)
        if runtime is None:  # checked and failed (backoff), or not usable now (look again later)
            self.idle = False
            return self.retry_wait() or max(self.settings.poll_interval, HOLD_DELAY)
        dm_ok = runtime.status != "degraded" or runtime.direct_messages_ok
        for slot in waiting:
            if free <= 0:
                break
            if slot.body["target"].get("kind") == "dm" and not dm_ok:
                metrics.relay_total.labels("dropped").inc()
                slot.outcome = Outcome.DROPPED
                log.warning("pairing %s: message %s dropped: remote has direct messages disabled",
                            self.pairing.id, slot.body["id"])
                continue
            slot.future = self.pool().submit(client.relay, self.pairing, slot.body, self.settings.timeout)
            if self.on_done is not None:
                slot.future.add_done_callback(lambda _future: self.on_done and self.on_done())
            free -= 1
        if any(slot.outcome is Outcome.DROPPED for slot in waiting):
            self.advance("message dropped: remote has direct messages disabled")
        return 0 if more else self.settings.poll_interval

    def usable_runtime(self, body: dict[str, Any]) -> status.Runtime | None:
        """The pairing's status, checked first when stale (§3.4); None when nothing may be sent now."""
        runtime = status.load(self.pairing)
        if status.needs_check(runtime, timedelta(seconds=self.settings.freshness)):
            try:
                remote = client.fetch_network(self.pairing)
            except client.RemoteError as exc:
                log.warning("pairing %s: network check before relay failed: %s", self.pairing.id, exc)
                status.record_failure(self.pairing, status.MSG_METADATA)
                metrics.relay_total.labels("error").inc()
                self.failures += 1
                self.retry_at = time.monotonic() + self.settings.backoff(self.failures, exc.retry_after)
                self.advance(f"network check failed: {exc}")
                return None
            scope = "relay_dm" if body["target"].get("kind") == "dm" else "relay_room"
            runtime = status.apply_check(self.pairing, remote, scope)
        if runtime.status not in ("connected", "degraded"):
            return None  # incompatible or a custom status: wait without a backoff (a discovery call may fix it)
        return runtime

    def retry_wait(self) -> float:
        return max(0.0, self.retry_at - time.monotonic())

    def pool(self) -> ThreadPoolExecutor:
        if self._pool is None:
            self._pool = ThreadPoolExecutor(self.settings.concurrency, thread_name_prefix=f"relay-{self.pairing.id}")
        return self._pool
