"""The relay's threads inside a server process (`moltnet start`, `manage.py runserver`): up to 8
workers share the configured pairings, each stepping its pairings' `PairingRelay`, woken by local
appends to the event log and by partner answers, and stopped (leases released) at exit."""

from __future__ import annotations

import logging
import threading
import time

from django.db import close_old_connections, connection

from events.broadcast import add_local_listener, remove_local_listener
from moltnet.config import ServerConfig
from pairings import status
from pairings.relay import OWNER, PairingRelay
from pairings.relaypolicy import RelaySettings

log = logging.getLogger("moltnet.pairings.relay")
MAX_WORKERS = 8


class RelayWorker(threading.Thread):
    """Steps a few pairings' relays; woken early by local appends and by partner answers,
    otherwise polls the log."""

    def __init__(self, relays: list[PairingRelay], stop: threading.Event, index: int) -> None:
        super().__init__(name=f"moltnet-relay-{index}", daemon=True)
        self.relays = relays
        self.stop = stop
        self.wake = threading.Event()
        for relay in relays:
            relay.on_done = self.wake.set

    def run(self) -> None:
        due = {id(r): 0.0 for r in self.relays}
        try:
            while not self.stop.is_set():
                for relay in self.relays:
                    if self.stop.is_set() or time.monotonic() < due[id(relay)]:
                        continue
                    close_old_connections()
                    try:
                        delay = relay.step(self.stop, wait_for=0)  # answers wake us instead
                    except Exception:  # a broken database or bug must not kill the worker
                        log.exception("pairing %s: relay step failed", relay.pairing.id)
                        delay = relay.settings.backoff_max
                    due[id(relay)] = time.monotonic() + delay
                wait = max(0.0, min(due.values()) - time.monotonic())
                if wait and self.wake.wait(wait):
                    self.wake.clear()
                    # New log rows: idle relays look now; answers: collect them now; backoffs keep waiting.
                    for relay in self.relays:
                        if relay.idle or relay.has_answers():
                            due[id(relay)] = 0.0
        finally:
            for relay in self.relays:
                try:
                    relay.finish()  # what is still unanswered after that is sent again by whoever relays next
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

    with _lock:
        settings = settings or RelaySettings.from_env()  # a bad MOLTNET_RELAY_* stops start-up, pairings or not
        if _workers or not cfg.pairings:
            return
        status.reset_runtime(cfg.pairings)
        groups: list[list[PairingRelay]] = [[] for _ in range(min(MAX_WORKERS, len(cfg.pairings)))]
        for index, pairing in enumerate(cfg.pairings):
            groups[index % len(groups)].append(PairingRelay(pairing, settings))
        _stop.clear()
        _workers.extend(RelayWorker(group, _stop, i) for i, group in enumerate(groups))
        add_local_listener(_wake_all)
        atexit.register(stop_background)
        for worker in _workers:
            worker.start()
        log.info("relay started for %d pairing(s) as %s, %d in flight per pairing", len(cfg.pairings), OWNER,
                 settings.concurrency)


def stop_background(timeout: float = 8.0) -> None:
    """Stop the workers (SIGTERM ends the server loop; this runs at exit) and release their leases."""
    with _lock:
        _stop.set()
        _wake_all()
        deadline = time.monotonic() + timeout
        for worker in _workers:
            worker.join(max(0.0, deadline - time.monotonic()))
        remove_local_listener(_wake_all)
        _workers.clear()
