"""Group commit's last step on SQLite: make a committed batch durable, then acknowledge it.

At `storage.sqlite.synchronous: full` (the default) a commit is acknowledged only once its WAL
frames are on disk, as SQLite's own FULL level guarantees. SQLite would sync inside COMMIT, on the
writer thread, so the writer could do nothing else for the length of an fsync (most of a
millisecond here) and the next requests would wait behind it. Instead the writer's connection
commits at NORMAL (the frames are written, not synced) and hands the batch to this thread, which
syncs the WAL file and only then runs the batch's on-commit work (the events' announcement to
subscribers) and answers its requests. Meanwhile the writer runs the next batch; one sync covers
every batch committed before it.

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
from collections.abc import Callable
from typing import Any

from django.db import connection

log = logging.getLogger("moltnet.db")

Batch = tuple[list[Callable[[], Any]], Callable[[], None]]  # (on-commit hooks, acknowledge)


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
    """One thread: fsync the WAL, then run each synced batch's hooks and acknowledge it, in order."""

    def __init__(self, path: str) -> None:
        self.path = path
        self._batches: queue.SimpleQueue[Batch] = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._run, name="moltnet-walsync", daemon=True)
        self._thread.start()

    def submit(self, hooks: list[Callable[[], Any]], acknowledge: Callable[[], None]) -> None:
        self._batches.put((hooks, acknowledge))

    def _run(self) -> None:
        while True:
            batches = [self._batches.get()]
            while True:  # every batch committed so far: one sync covers them all
                try:
                    batches.append(self._batches.get_nowait())
                except queue.Empty:
                    break
            self._sync()
            for hooks, acknowledge in batches:
                for hook in hooks:
                    try:
                        hook()
                    except Exception:
                        log.exception("an on-commit callback failed")
                acknowledge()

    def _sync(self) -> None:
        # By path, each time: the file is the same while the writer's connection is open, and a
        # descriptor of an old file could never be wrong-but-quiet this way.
        while True:
            try:
                fd = os.open(self.path, os.O_RDONLY)
                try:
                    os.fsync(fd)
                finally:
                    os.close(fd)
                return
            except FileNotFoundError:  # SQLite removes the WAL only once all of it is in the database
                return
            except OSError as exc:
                # A failed fsync leaves durability unknown; Postgres learnt not to retry-and-forget.
                # Holding every acknowledgement is the only honest answer: the requests wait, the
                # operator sees why, and nothing is acknowledged that may not be on disk.
                log.critical("cannot sync the database's WAL %s (%s); holding acknowledgements, retrying in 1 s",
                             self.path, exc)
                threading.Event().wait(1)
