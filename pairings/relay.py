"""The durable outbound relay (spec 07 §6, improved): driven by the event log, never lossy.

Each pairing keeps a cursor (an event-log `seq`) in its `PairingState` row. A worker thread in
every `moltnet start` process follows the log past that cursor and relays locally-originated
`message.created` events in order. A failure keeps the cursor where it is and retries with
exponential backoff, so a partner that is down for an hour receives everything once it is back;
the receiver stores a message id once, which makes a repeated POST after a crash harmless.
A database lease per pairing makes one process at a time relay it.

Deliberate differences from Go (which relays once, drops on failure and caps 8 tasks): messages
wait instead of being dropped while the remote is unreachable, in `error` or `incompatible`.
Only messages the remote can never accept are dropped (`moltnet_relay_total{result="dropped"}`):
DMs to a remote with direct messages disabled, and messages the remote keeps rejecting with a
permanent 4xx answer after `MOLTNET_RELAY_REJECT_ATTEMPTS` tries.
"""

from __future__ import annotations

import json
import logging
import os
import threading
import time
import uuid
from dataclasses import dataclass
from datetime import timedelta
from enum import Enum
from typing import Any

from django.db import close_old_connections, connection
from django.db.models import F, Q

from moltnet import metrics, state
from moltnet.config import PairingConfig, ServerConfig
from moltnet.ids import now, parse_agent_fqid, parse_scoped, trim
from pairings import client, status
from pairings.models import PairingState

log = logging.getLogger("moltnet.pairings.relay")
MAX_WORKERS = 8
BATCH = 100
LEASE_TTL = timedelta(seconds=30)
OWNER = f"{os.getpid()}-{uuid.uuid4().hex[:12]}"
# 4xx answers that say "try again later" or "fix the credential" rather than "never":
RETRYABLE_4XX = {401, 408, 425, 429}


def rejects_message(exc: client.RemoteError) -> bool:
    """A 4xx about this message (unknown room, write policy, validation) rather than about the
    pairing's credential (401, the auth layer's bare 403 "forbidden", a missing pair scope)."""
    if not 400 <= exc.status < 500 or exc.status in RETRYABLE_4XX:
        return False
    return not (exc.status == 403 and (exc.remote_error in ("", "forbidden") or "pair scope" in exc.remote_error))


@dataclass(frozen=True)
class RelaySettings:
    """Timing knobs; the env vars exist so tests and impatient operators can shorten them."""

    backoff_min: float = 1.0
    backoff_max: float = 30.0
    poll_interval: float = 1.0
    freshness: float = 300.0
    reject_attempts: int = 5
    timeout: float = 5.0

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> RelaySettings:
        env = os.environ if environ is None else environ

        def number(name: str, default: float) -> float:
            try:
                value = float(env.get(name, "") or default)
            except ValueError:
                return default
            return value if value > 0 else default

        return cls(number("MOLTNET_RELAY_BACKOFF_MIN", cls.backoff_min),
                   number("MOLTNET_RELAY_BACKOFF_MAX", cls.backoff_max),
                   number("MOLTNET_RELAY_POLL_INTERVAL", cls.poll_interval),
                   number("MOLTNET_RELAY_FRESHNESS", cls.freshness),
                   int(number("MOLTNET_RELAY_REJECT_ATTEMPTS", cls.reject_attempts)),
                   cls.timeout)

    def backoff(self, failures: int) -> float:
        return min(self.backoff_max, self.backoff_min * (2 ** max(0, failures - 1)))


# --- building the relay request (§6.4) ----------------------------------------------------------

def is_scoped_to(participant: str, network: str) -> bool:
    ref = parse_scoped(trim(participant)) or parse_agent_fqid(trim(participant))
    return bool(network) and ref is not None and ref.network == network


def relay_participants(participants: list[str], sender: str, origin_network: str, remote_network: str) -> list[str]:
    result: list[str] = []
    for raw in participants:
        value = trim(raw)
        ref = parse_scoped(value) or parse_agent_fqid(value)
        if ref is not None:
            entry = f"{ref.network}:{ref.agent}"
        elif value == trim(sender):
            entry = f"{origin_network}:{value}"
        else:
            entry = f"{remote_network}:{value}"
        if entry not in result:
            result.append(entry)
    return result


def relay_body(message: dict[str, Any], pairing: PairingConfig) -> dict[str, Any] | None:
    """The SendMessageRequest for the remote, or None when it cannot be built (DM with < 2 participants)."""
    origin = message.get("origin") or {}
    actor = message.get("from") or {}
    target = dict(message.get("target") or {})
    if target.get("kind") == "dm":
        participants = relay_participants(target.get("participant_ids") or [], actor.get("id", ""),
                                          origin.get("network_id", ""), trim(pairing.remote_network_id))
        if len(participants) < 2:
            return None
        target["participant_ids"] = participants
    body: dict[str, Any] = {
        "id": message.get("id", ""),
        "origin": {"network_id": origin.get("network_id", ""), "message_id": origin.get("message_id", "")},
        "target": target,
        "from": actor,
        "parts": message.get("parts") or [],
    }
    if message.get("mentions"):
        body["mentions"] = message["mentions"]
    return body


def targets_pairing(message: dict[str, Any], pairing: PairingConfig) -> bool:
    """Rooms and threads go to every pairing; a DM only where a participant is scoped to its network."""
    target = message.get("target") or {}
    if target.get("kind") != "dm":
        return True
    remote = trim(pairing.remote_network_id)
    return any(is_scoped_to(p, remote) for p in target.get("participant_ids") or [])


def is_local_origin(message: dict[str, Any], local: str) -> bool:
    """Only messages that originated here are relayed: no multi-hop, no loops (§6.1)."""
    origin = trim((message.get("origin") or {}).get("network_id")) or trim(message.get("network_id"))
    return origin == local


# --- one pairing's relay loop ----------------------------------------------------------------------

class Outcome(Enum):
    SKIP = "skip"  # not for this pairing: advance silently
    SENT = "sent"  # delivered: advance
    DROPPED = "dropped"  # undeliverable for good: advance, counted
    HOLD = "hold"  # pairing not usable right now (incompatible/custom status): wait, keep cursor
    RETRY = "retry"  # a failure: back off, keep cursor


class PairingRelay:
    """Relays one pairing's backlog; `step()` does a bounded amount of work and says how long to wait."""

    def __init__(self, pairing: PairingConfig, settings: RelaySettings, owner: str = OWNER) -> None:
        self.pairing = pairing
        self.settings = settings
        self.owner = owner
        self.failures = 0
        self.head_seq = 0
        self.head_rejections = 0
        self.idle = False

    def acquire_lease(self) -> bool:
        at = now()
        free = Q(lease_owner=self.owner) | Q(lease_owner="") | Q(lease_until__isnull=True) | Q(lease_until__lt=at)
        return PairingState.objects.filter(free, pairing_id=self.pairing.id).update(
            lease_owner=self.owner, lease_until=at + LEASE_TTL) == 1

    def release_lease(self) -> None:
        PairingState.objects.filter(pairing_id=self.pairing.id, lease_owner=self.owner).update(
            lease_owner="", lease_until=None)

    def step(self, stop: threading.Event | None = None) -> float:
        from events.models import Event

        status.state_row(self.pairing)
        if not self.acquire_lease():  # another process relays this pairing; look again soon
            self.idle = False
            return max(self.settings.poll_interval, 1.0)
        cursor = PairingState.objects.values_list("cursor_seq", flat=True).get(pairing_id=self.pairing.id)
        events = list(Event.objects.filter(seq__gt=cursor, type="message.created").order_by("seq")
                      .values_list("seq", "body")[:BATCH])
        self.idle = not events
        if not events:
            return self.settings.poll_interval
        skipped = 0  # consecutive events not meant for this pairing: the cursor moves past them in one write
        for seq, body in events:
            if stop is not None and stop.is_set():
                break
            message = (json.loads(body) or {}).get("message") or {}
            outcome, detail = self.deliver(seq, message)
            if outcome is Outcome.SKIP:
                skipped = seq
                continue
            if skipped and not self.advance(skipped, Outcome.SKIP, ""):
                return self.settings.poll_interval
            skipped = 0
            if outcome is Outcome.HOLD:
                return max(self.settings.poll_interval, 5.0)
            if outcome is Outcome.RETRY:
                self.failures += 1
                self.note_failure(detail)
                return self.settings.backoff(self.failures)
            if not self.advance(seq, outcome, detail):
                return self.settings.poll_interval  # lost the lease to another process
        if skipped:
            self.advance(skipped, Outcome.SKIP, "")
        return 0

    def deliver(self, seq: int, message: dict[str, Any]) -> tuple[Outcome, str]:
        if not is_local_origin(message, state.network_id()) or not trim(self.pairing.remote_base_url):
            return Outcome.SKIP, ""
        if not targets_pairing(message, self.pairing):
            return Outcome.SKIP, ""
        body = relay_body(message, self.pairing)
        if body is None:
            return Outcome.SKIP, ""
        is_dm = body["target"].get("kind") == "dm"
        freshness = timedelta(seconds=self.settings.freshness)
        runtime = status.load(self.pairing)
        if status.needs_check(runtime, freshness):
            try:
                remote = client.fetch_network(self.pairing)
            except client.RemoteError as exc:
                log.warning("pairing %s: network check before relay failed: %s", self.pairing.id, exc)
                status.record_failure(self.pairing, status.MSG_METADATA)
                metrics.relay_total.labels("error").inc()
                return Outcome.RETRY, f"network check failed: {exc}"
            runtime = status.apply_check(self.pairing, remote, "relay_dm" if is_dm else "relay_room")
        if runtime.status == "degraded" and is_dm and not runtime.direct_messages_ok:
            metrics.relay_total.labels("dropped").inc()
            return Outcome.DROPPED, f"message {body['id']} dropped: remote has direct messages disabled"
        if runtime.status not in ("connected", "degraded"):
            return Outcome.HOLD, ""
        return self.send(seq, body)

    def send(self, seq: int, body: dict[str, Any]) -> tuple[Outcome, str]:
        try:
            client.relay(self.pairing, body, self.settings.timeout)
        except client.RemoteError as exc:
            metrics.relay_total.labels("error").inc()
            status.record_failure(self.pairing, status.MSG_RELAY)
            log.warning("pairing %s: relay of message %s failed: %s", self.pairing.id, body["id"], exc)
            if rejects_message(exc):
                self.head_rejections = self.head_rejections + 1 if self.head_seq == seq else 1
                self.head_seq = seq
                if self.head_rejections >= self.settings.reject_attempts:
                    metrics.relay_total.labels("dropped").inc()
                    detail = f"message {body['id']} dropped after {self.head_rejections} rejections: {exc}"
                    return Outcome.DROPPED, detail
            return Outcome.RETRY, str(exc)
        metrics.relay_total.labels("success").inc()
        status.record_relay_success(self.pairing)
        return Outcome.SENT, ""

    def note_failure(self, detail: str) -> None:
        PairingState.objects.filter(pairing_id=self.pairing.id).update(
            failure_count=self.failures, last_error=client.redact(detail, self.pairing), last_error_at=now())

    def advance(self, seq: int, outcome: Outcome, detail: str) -> bool:
        fields: dict[str, Any] = {"cursor_seq": seq, "lease_until": now() + LEASE_TTL}  # progress renews the lease
        if outcome is Outcome.SENT:
            self.failures = 0
            fields.update(relayed_count=F("relayed_count") + 1, failure_count=0, last_success_at=now())
        elif outcome is Outcome.DROPPED:
            self.failures = 0
            log.warning("pairing %s: %s", self.pairing.id, detail)
            fields.update(dropped_count=F("dropped_count") + 1, failure_count=0,
                          last_error=client.redact(detail, self.pairing), last_error_at=now())
        rows = PairingState.objects.filter(pairing_id=self.pairing.id, lease_owner=self.owner)
        return rows.update(**fields) == 1


# --- the background worker inside `moltnet start` ------------------------------------------------

class RelayWorker(threading.Thread):
    """Steps a few pairings' relays; woken early by local appends, otherwise polls the log."""

    def __init__(self, relays: list[PairingRelay], stop: threading.Event, index: int) -> None:
        super().__init__(name=f"moltnet-relay-{index}", daemon=True)
        self.relays = relays
        self.stop = stop
        self.wake = threading.Event()

    def run(self) -> None:
        due = {id(r): 0.0 for r in self.relays}
        try:
            while not self.stop.is_set():
                for relay in self.relays:
                    if self.stop.is_set() or time.monotonic() < due[id(relay)]:
                        continue
                    close_old_connections()
                    try:
                        delay = relay.step(self.stop)
                    except Exception:  # a broken database or bug must not kill the worker
                        log.exception("pairing %s: relay step failed", relay.pairing.id)
                        delay = relay.settings.backoff_max
                    due[id(relay)] = time.monotonic() + delay
                wait = max(0.0, min(due.values()) - time.monotonic())
                if wait and self.wake.wait(wait):
                    self.wake.clear()
                    for relay in self.relays:  # new log rows: idle relays look now, backoffs keep waiting
                        if relay.idle:
                            due[id(relay)] = 0.0
        finally:
            for relay in self.relays:
                try:
                    relay.release_lease()
                except Exception:
                    log.warning("pairing %s: could not release the relay lease", relay.pairing.id)
            connection.close()


_workers: list[RelayWorker] = []
_stop = threading.Event()
_lock = threading.Lock()


def _wake_all(seq: int | None = None, row: tuple | None = None) -> None:
    for worker in _workers:
        worker.wake.set()


def start_background(cfg: ServerConfig, settings: RelaySettings | None = None) -> None:
    """Start the relay workers once per process (after prepare_server); stopped at exit."""
    import atexit

    from events.broadcast import add_local_listener

    with _lock:
        if _workers or not cfg.pairings:
            return
        status.reset_runtime(cfg.pairings)
        settings = settings or RelaySettings.from_env()
        groups: list[list[PairingRelay]] = [[] for _ in range(min(MAX_WORKERS, len(cfg.pairings)))]
        for index, pairing in enumerate(cfg.pairings):
            groups[index % len(groups)].append(PairingRelay(pairing, settings))
        _stop.clear()
        _workers.extend(RelayWorker(group, _stop, i) for i, group in enumerate(groups))
        add_local_listener(_wake_all)
        atexit.register(stop_background)
        for worker in _workers:
            worker.start()
        log.info("relay started for %d pairing(s) as %s", len(cfg.pairings), OWNER)


def stop_background(timeout: float = 8.0) -> None:
    """Stop the workers (SIGTERM ends the server loop; this runs at exit) and release their leases."""
    from events.broadcast import remove_local_listener

    with _lock:
        _stop.set()
        _wake_all()
        deadline = time.monotonic() + timeout
        for worker in _workers:
            worker.join(max(0.0, deadline - time.monotonic()))
        remove_local_listener(_wake_all)
        _workers.clear()
