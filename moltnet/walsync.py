"""Group commit's last step on SQLite: make a committed batch durable, then acknowledge it.

At `storage.sqlite.synchronous: full` (the default) a commit is acknowledged only once its WAL
frames are on disk, as SQLite's own FULL level guarantees. SQLite would sync inside COMMIT, on the
writer thread, so the writer could do nothing else for the length of an fsync (most of a
millisecond here) and the next requests would wait behind it. Instead the writer's connection
commits at NORMAL (the frames are written, not synced) and hands the batch on: to the event loop
that will answer it, or to this module's thread (see WalSyncer). There the WAL file is synced, and
only then are the batch's on-commit work (the events' announcement to subscribers) run and its
requests answered. Meanwhile the writer runs the next batch; one sync covers every batch committed
before it.

Nothing is acknowledged or announced before it is durable, so a 202 still means "on disk" and no
subscriber sees a message that a power loss could take back. Checkpoints stay safe: at NORMAL,
SQLite syncs the WAL before copying it into the database and the database after, so frames are
never overwritten before they are durable somewhere.
"""

from __future__ import annotations

import logging
import os
import queue
import threading
import time
from collections.abc import Callable
from typing import Any

from django.db import connection

log = logging.getLogger("moltnet.db")

SLOW_SYNC_SECONDS = 0.005  # a sync slower than this moves syncing off the event loop…
CALLERS_PAUSE_SECONDS = 10.0  # …for this long
# Syncs that are merely slowish move too: while the loop waits for the disk it reads and answers
# nothing, and past ~0.7 ms a sync costs the loop more than the sync thread's extra hand-off does
# (measured with an added delay: at 1 ms per sync, 6,000 sends went 19% faster on the thread; at
# the ~0.25 ms this machine's disk usually takes, 10% slower). A running average over this
# limit sends syncing to the thread for a spell, after which the loop tries again.
LOOP_SYNC_AVERAGE_LIMIT = 0.0007
SLOWISH_PAUSE_SECONDS = 2.0
SYNC_AVERAGE_WEIGHT = 0.05  # of the newest sync in the running average (a spell, not one sync, moves it)


def wal_path() -> str | None:
    """The WAL file of the default database when its commits must be synced (SQLite, synchronous
    FULL, a file database); None when the writer's own commit is enough."""
    db = connection.settings_dict
    if connection.vendor != "sqlite" or connection.is_in_memory_db():
        return None
    if "synchronous=FULL" not in db.get("OPTIONS", {}).get("init_command", ""):
        return None
    return f"{db['NAME']}-wal"


def commit_without_sync() -> None:
    """Let this thread's connection commit without syncing; WalSyncer syncs instead (idempotent)."""
    if getattr(connection, "moltnet_sync_deferred", None) is not connection.connection:
        connection.ensure_connection()
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA synchronous=NORMAL")
        connection.moltnet_sync_deferred = connection.connection  # a reconnect starts at FULL again


def take_commit_hooks() -> list[Callable[[], Any]]:
    """Remove the on-commit callbacks of the open outermost transaction, for WalSyncer to run after
    the sync; the commit then runs none. Call it last inside the transaction."""
    # Django keeps them as (savepoint ids, callback, robust) on the connection until the commit.
    hooks = [func for _, func, _ in connection.run_on_commit]
    connection.run_on_commit = []
    return hooks


class WalSyncer:
    """Make committed batches durable, then run each one's hooks and acknowledge it.

    Two ways, one rule (sync, then announce, then answer): `sync_then` on the caller's thread —
    the event loop that will answer the batch, which syncs while the writer goes on, one thread
    hand-off fewer per batch (~20% of the send throughput on a 2-core machine) — and, for batches
    without one loop to answer on, after a sync that was slow or failed, or while syncs are slowish
    on average (see LOOP_SYNC_AVERAGE_LIMIT), this class's own thread (`submit`). Commits are
    numbered (`committed`); a sync covers every commit numbered before it began, so a batch that
    an earlier sync covered is not synced again.
    """

    def __init__(self, path: str) -> None:
        self.path = path
        self._batches: queue.SimpleQueue[tuple[int | None, list[Callable[[], Any]], Callable[[], None]]] = (
            queue.SimpleQueue())
        self._commits = 0  # the writer's commits so far (committed())
        self._synced = 0  # every commit numbered up to this is on disk
        self._callers_sync_after = 0.0  # time.monotonic() before which sync_then is not offered
        self._average_sync = 0.0  # seconds, a running average of sync_then's syncs since the last spell
        self._thread = threading.Thread(target=self._run, name="moltnet-walsync", daemon=True)
        self._thread.start()

    def committed(self) -> int:
        """Number the commit the writer has just made (writer thread only)."""
        self._commits += 1
        return self._commits

    def callers_may_sync(self) -> bool:
        """Whether a batch may be synced on the thread that answers it: not for a while after a
        slow or failed sync, or while syncs take long on average, so a struggling disk stalls
        this thread and not the event loop."""
        return time.monotonic() >= self._callers_sync_after

    def sync_then(self, ticket: int, hooks: list[Callable[[], Any]], acknowledge: Callable[[], None]) -> None:
        """On the calling thread: make commit `ticket` durable, then run its hooks and acknowledge
        it. A failed sync hands the batch to the thread, which holds it until a sync succeeds."""
        if ticket > self._synced:
            started = time.monotonic()
            try:
                self._sync_commits(self._sync_once)
            except OSError as exc:
                self._callers_sync_after = time.monotonic() + CALLERS_PAUSE_SECONDS
                log.error("syncing the database's WAL failed (%s); the sync thread retries", exc)
                self._batches.put((ticket, hooks, acknowledge))
                return
            self._timed(time.monotonic() - started)
        _finish(hooks, acknowledge)

    def _timed(self, seconds: float) -> None:
        """Weigh one sync made on the answering thread: too slow, or slowish on average, and the
        next batches are synced on this class's thread for a while."""
        self._average_sync += (seconds - self._average_sync) * SYNC_AVERAGE_WEIGHT
        if seconds > SLOW_SYNC_SECONDS:
            log.info("a WAL sync took %.1f ms; syncing on a thread of its own for %.0f s",
                     seconds * 1000, CALLERS_PAUSE_SECONDS)
            pause = CALLERS_PAUSE_SECONDS
        elif self._average_sync > LOOP_SYNC_AVERAGE_LIMIT:
            log.debug("WAL syncs average %.2f ms; syncing on a thread of its own for %.0f s",
                      self._average_sync * 1000, SLOWISH_PAUSE_SECONDS)
            pause = SLOWISH_PAUSE_SECONDS
        else:
            return
        self._callers_sync_after = time.monotonic() + pause
        self._average_sync = 0.0  # the loop's next try is judged on its own syncs

    def submit(self, hooks: list[Callable[[], Any]], acknowledge: Callable[[], None],
               ticket: int | None = None) -> None:
        """Sync, run `hooks` and `acknowledge` on this class's thread (`ticket` None: always sync)."""
        self._batches.put((ticket, hooks, acknowledge))

    def _run(self) -> None:
        while True:
            batches = [self._batches.get()]
            while True:  # every batch committed so far: one sync covers them all
                try:
                    batches.append(self._batches.get_nowait())
                except queue.Empty:
                    break
            if any(ticket is None or ticket > self._synced for ticket, _, _ in batches):
                self._sync_commits(self._sync)
            for _, hooks, acknowledge in batches:
                _finish(hooks, acknowledge)

    def _sync_commits(self, sync: Callable[[], None]) -> None:
        """`sync()`, then record every commit numbered before it began as durable."""
        covered = self._commits
        sync()
        self._synced = max(self._synced, covered)  # two threads may race here: never past `covered`

    def _sync_once(self) -> None:
        # By path, each time: the file is the same while the writer's connection is open, and a
        # descriptor of an old file could never be wrong-but-quiet this way.
        try:
            fd = os.open(self.path, os.O_RDONLY)
        except FileNotFoundError:  # SQLite removes the WAL only once all of it is in the database
            return
        try:
            os.fsync(fd)
        finally:
            os.close(fd)

    def _sync(self) -> None:
        while True:
            try:
                self._sync_once()
                return
            except OSError as exc:
                # A failed fsync leaves durability unknown; Postgres learnt not to retry-and-forget.
                # Holding every acknowledgement is the only honest answer: the requests wait, the
                # operator sees why, and nothing is acknowledged that may not be on disk.
                log.critical("cannot sync the database's WAL %s (%s); holding acknowledgements, retrying in 1 s",
                             self.path, exc)
                threading.Event().wait(1)


def _finish(hooks: list[Callable[[], Any]], acknowledge: Callable[[], None]) -> None:
    for hook in hooks:
        try:
            hook()
        except Exception:
            log.exception("an on-commit callback failed")
    acknowledge()
