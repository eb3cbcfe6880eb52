"""Long-lived database threads for the hot path: one group-commit writer and a few readers.

Django gives each thread its own connection. Under its ASGI handler every request runs on a fresh
thread, so every request opened (and closed) a database connection. These threads live as long as
the process and keep their connection open, so a request pays for its queries and nothing else.

The writer runs queued write jobs back to back inside ONE transaction (group commit): concurrent
senders share a commit and its sync to disk. Each job runs in its own savepoint, so a failing job
rolls back alone; its result is handed back only after the commit that holds its writes is
durable, so a 202 always means "committed". On SQLite at synchronous=FULL the sync is done by
moltnet.walsync, on the event loop that answers the batch (or a thread of its own), while the
writer goes on with the next batch.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import queue
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from django.db import connection, transaction

from moltnet import batchmemo, leansql, walsync

log = logging.getLogger("moltnet.db")
MAX_BATCH = 64  # jobs per transaction: bounds the latency one commit adds to the first job in it
LINGER_SECONDS = 0.0015  # the longest a batch under load waits for more sends (when commits block on the disk)
READER_THREADS = 2
IDLE_AFTER_SECONDS = 0.05  # a writer with no job for this long does its idle work (see on_idle)
IDLE_WORK_EVERY = 256  # …and at least once per this many jobs, so a sustained load cannot starve it


def drop_broken_connection() -> None:
    """After a database error, drop the connection if it is unusable, so the next job reconnects
    (a restarted Postgres); a benign error (a duplicate id) keeps it."""
    if connection.connection is None or not connection.errors_occurred:
        return
    if connection.is_usable():
        connection.errors_occurred = False
    else:
        connection.close()


Outcome = tuple[bool, Any]  # (succeeded, result or exception)


class GroupCommitWriter:
    """A single thread draining write jobs, many per transaction."""

    def __init__(self, max_batch: int = MAX_BATCH, linger: float = LINGER_SECONDS) -> None:
        self.max_batch = max_batch
        self.linger = linger
        self._previous_batch = 0
        self._jobs: queue.SimpleQueue[tuple[Callable[[], Any], Callable[[Outcome], None]]] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self._syncer: walsync.WalSyncer | None = None
        self._jobs_since_idle_work = 0

    def submit(self, job: Callable[[], Any]) -> Future:
        """Queue `job`; the future resolves after the transaction holding its writes has committed."""
        future: Future = Future()
        self._put(job, lambda outcome: future.set_result(outcome[1]) if outcome[0] else
                  future.set_exception(outcome[1]))
        return future

    async def run(self, job: Callable[[], Any]) -> Any:
        """Await `job`'s result, after the commit that holds its writes.

        The waiters of one batch are woken together, by one call into their event loop.
        """
        loop = asyncio.get_running_loop()
        waiter = loop.create_future()
        self._put(job, _LoopSettler(loop, waiter))
        return await waiter

    async def run_staged(self, read: Callable[[], Any], on_result: Callable[[Any], None] | None = None) -> Any:
        """Await a write served in two stages: `read` (checks, no writes) runs outside any
        transaction — on SQLite on the writer thread as soon as it is taken from the queue, while
        the rest of its batch is still arriving; on Postgres on a reader thread; if it returns a
        `Write`, that job joins a batch's transaction and its result comes after the commit.
        Anything else `read` returns (or raises) is the answer at once.

        `on_result(result)` runs on this event loop the moment the result is known, in the call
        that settles the batch, before this coroutine resumes (a hot write's answer goes out there).
        """
        loop = asyncio.get_running_loop()
        waiter = loop.create_future()
        settle = _LoopSettler(loop, waiter, on_result)
        if _reads_wait_on_the_network():
            # Postgres: the reads are round trips, during which a thread holds no GIL. On a reader
            # thread they overlap the writer's work instead of queueing in front of it.
            readers.submit(functools.partial(self._read_then_queue, _Staged(read), settle))
        else:
            self._put(_Staged(read), settle)
        return await waiter

    def _read_then_queue(self, staged: _Staged, settle: Callable[[Outcome], None]) -> None:
        if (write := _read_stage(staged, settle)) is not None:
            self._put(*write)

    def _put(self, job: Callable[[], Any], settle: Callable[[Outcome], None]) -> None:
        self._jobs.put((job, settle))
        if self._thread is None:
            self._start()

    def _start(self) -> None:
        with self._lock:
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="moltnet-writer", daemon=True)
                self._thread.start()

    def _run(self) -> None:
        if path := walsync.wal_path():
            self._syncer = walsync.WalSyncer(path)
            # Commits no longer wait for the disk, so a small batch costs little: take what is there.
            self.linger = 0.0
        idle_work_due = False
        while True:
            try:
                item = self._jobs.get(timeout=IDLE_AFTER_SECONDS) if idle_work_due else self._jobs.get()
            except queue.Empty:
                idle_work_due = self._idle_work()
                continue
            # One memo for the batch's reads, checks included (see moltnet.batchmemo).
            with batchmemo.batch():
                batch = self._collect(item)
                if batch:
                    self._commit(batch)
            idle_work_due = bool(_idle_hooks)
            self._jobs_since_idle_work += len(batch)
            if self._jobs_since_idle_work >= IDLE_WORK_EVERY:
                self._idle_work()

    def _idle_work(self) -> bool:
        """Run each idle hook once, each in its own transaction; True when one has more to do.

        Nothing waits on these commits, so they are not synced: the next batch's sync covers them,
        and a crash before it loses the idle work together with what it recorded of its progress.
        """
        self._jobs_since_idle_work = 0
        more = False
        for hook in _idle_hooks:
            try:
                if self._syncer is not None:
                    walsync.commit_without_sync()
                with transaction.atomic():
                    more = bool(hook()) or more
            except Exception:
                log.exception("idle work %s failed", getattr(hook, "__qualname__", hook))
            drop_broken_connection()
        return more

    def _collect(self, first: tuple[Callable[[], Any], Callable[[Outcome], None]]) -> list:
        """The writes of one batch, starting with `first`; a staged write's read stage runs as it
        is taken, so it overlaps with the arrival of the rest."""
        batch: list[tuple[Callable[[], Any], Callable[[Outcome], None]]] = []
        _take(first, batch)
        taken = 1
        # Under concurrent load (the last batch held several sends) as many sends are on their
        # way: waiting up to `linger` for them is cheaper than a commit of their own. The wait
        # ends as soon as the batch is as large as the last one; a lone sender never waits.
        expected = self._previous_batch if self._previous_batch > 1 else 1
        deadline = time.monotonic() + self.linger
        while taken < self.max_batch:
            try:
                item = self._jobs.get_nowait()
            except queue.Empty:
                wait = deadline - time.monotonic()
                if taken >= expected or wait <= 0:
                    break
                try:
                    item = self._jobs.get(timeout=wait)
                except queue.Empty:
                    break
            _take(item, batch)
            taken += 1
        self._previous_batch = taken
        return batch

    def _commit(self, batch: list[tuple[Callable[[], Any], Callable[[Outcome], None]]]) -> None:
        """Run the batch's jobs in one transaction; answer each once the commit is durable."""
        settlers = [settle for _, settle in batch]
        outcomes: list[Outcome] = []
        hooks: list[Callable[[], Any]] = []
        committed = True
        try:
            if self._syncer is not None:
                walsync.commit_without_sync()
            with transaction.atomic():
                for hook in _batch_hooks:
                    hook()
                for job, _ in batch:
                    outcomes.append(_run_in_savepoint(job))
                if self._syncer is not None:
                    hooks = walsync.take_commit_hooks()
        except Exception as exc:  # the commit itself failed: nothing in the batch was stored
            log.error("group commit of %d writes failed: %s", len(batch), exc)
            outcomes, committed = [(False, exc)] * len(batch), False
        drop_broken_connection()
        if committed and self._syncer is not None:
            self._hand_to_syncer(hooks, settlers, outcomes)
        else:
            _settle_all(settlers, outcomes)

    def _hand_to_syncer(self, hooks: list[Callable[[], Any]], settlers: list[Callable[[Outcome], None]],
                        outcomes: list[Outcome]) -> None:
        """A committed batch to sync: on the event loop that answers all of it when there is one
        (one thread hand-off per batch instead of two), else on the syncer's thread."""
        assert self._syncer is not None
        ticket = self._syncer.committed()
        by_loop, others = _by_loop(settlers, outcomes)
        if not others and len(by_loop) == 1 and self._syncer.callers_may_sync():
            [(loop, items)] = by_loop.items()
            with contextlib.suppress(RuntimeError):  # that loop has closed: the thread answers instead
                loop.call_soon_threadsafe(self._syncer.sync_then, ticket, hooks,
                                          functools.partial(_set_outcomes, items))
                return
        self._syncer.submit(hooks, functools.partial(_settle_all, settlers, outcomes), ticket)


class Write:
    """What a staged write's read stage hands on: the job to run in the batch's transaction."""

    __slots__ = ("job",)

    def __init__(self, job: Callable[[], Any]) -> None:
        self.job = job


class _Staged:
    __slots__ = ("read",)

    def __init__(self, read: Callable[[], Any]) -> None:
        self.read = read


def _take(item: tuple[Callable[[], Any], Callable[[Outcome], None]], batch: list) -> None:
    """Add a queued job to `batch`; a staged one's read stage runs first (see _read_stage)."""
    job, settle = item
    if not isinstance(job, _Staged):
        batch.append(item)
    elif (write := _read_stage(job, settle)) is not None:
        batch.append(write)


def _read_stage(staged: _Staged, settle: Callable[[Outcome], None]) -> tuple[Callable[[], Any], Callable] | None:
    """Run a staged write's read stage: the (write job, settle) still to commit, or None when the
    read stage answered the request itself (settled here)."""
    try:
        result = staged.read()
    except BaseException as exc:  # noqa: BLE001 - handed to the waiting request
        drop_broken_connection()
        _settle_all([settle], [(False, exc)])
        return None
    if isinstance(result, Write):
        return result.job, settle
    _settle_all([settle], [(True, result)])
    return None


@functools.cache
def _reads_wait_on_the_network() -> bool:
    return connection.vendor == "postgresql"


def _run_in_savepoint(job: Callable[[], Any]) -> Outcome:
    """Run one job of a batch so that its failure rolls back its own writes only.

    An error the job turned into a response (the error envelope) is no exception here, yet it may
    have left the transaction unusable, or failed inside a block that shared the job's savepoint:
    those are rolled back too (leansql.job_savepoint).
    """
    with leansql.job_savepoint():
        try:
            return True, job()
        except BaseException as exc:  # noqa: BLE001 - handed to the waiting request
            leansql.mark_job_failed()
            return False, exc


_batch_hooks: list[Callable[[], None]] = []
_idle_hooks: list[Callable[[], bool]] = []


def on_batch_start(hook: Callable[[], None]) -> None:
    """Run `hook` at the start of every batch transaction, before the first job's savepoint."""
    if hook not in _batch_hooks:
        _batch_hooks.append(hook)


def on_idle(hook: Callable[[], bool]) -> None:
    """Run `hook` on the writer, in a transaction of its own, when no write has come for
    IDLE_AFTER_SECONDS after one did, and at least once per IDLE_WORK_EVERY writes; it returns True
    while it has more to do (it is then called again, after the writes waiting by then)."""
    if hook not in _idle_hooks:
        _idle_hooks.append(hook)


class _LoopSettler:
    """Resolves an asyncio future that lives on `loop`, from the writer thread (calling
    `on_result` with a result first, on the loop)."""

    __slots__ = ("loop", "on_result", "waiter")

    def __init__(self, loop: asyncio.AbstractEventLoop, waiter: asyncio.Future,
                 on_result: Callable[[Any], None] | None = None) -> None:
        self.loop, self.waiter, self.on_result = loop, waiter, on_result

    def __call__(self, outcome: Outcome) -> None:
        self.loop.call_soon_threadsafe(_set_outcomes, [(self.waiter, outcome, self.on_result)])


LoopItems = list[tuple[asyncio.Future, Outcome, Callable[[Any], None] | None]]


def _by_loop(settlers: list[Callable[[Outcome], None]], outcomes: list[Outcome]) -> tuple[
        dict[asyncio.AbstractEventLoop, LoopItems], list[tuple[Callable[[Outcome], None], Outcome]]]:
    """The outcomes for waiters on event loops, per loop; and the other settlers with theirs."""
    by_loop: dict[asyncio.AbstractEventLoop, LoopItems] = {}
    others = []
    for settle, outcome in zip(settlers, outcomes, strict=True):
        if isinstance(settle, _LoopSettler):
            by_loop.setdefault(settle.loop, []).append((settle.waiter, outcome, settle.on_result))
        else:
            others.append((settle, outcome))
    return by_loop, others


def _settle_all(settlers: list[Callable[[Outcome], None]], outcomes: list[Outcome]) -> None:
    by_loop, others = _by_loop(settlers, outcomes)
    for settle, outcome in others:
        settle(outcome)
    for loop, items in by_loop.items():
        with contextlib.suppress(RuntimeError):  # that loop has closed: nobody is waiting any more
            loop.call_soon_threadsafe(_set_outcomes, items)


def _set_outcomes(items: LoopItems) -> None:
    for waiter, (ok, value), on_result in items:
        if waiter.done():  # the request was cancelled (client gone)
            continue
        if ok and on_result is not None:
            try:
                on_result(value)
            except Exception:  # the waiting coroutine still gets its result and answers itself
                log.exception("an on-result callback failed")
        if ok:
            waiter.set_result(value)
        else:
            waiter.set_exception(value)


def _read(job: Callable[[], Any]) -> Any:
    try:
        return job()
    finally:
        drop_broken_connection()


class Readers:
    """A small pool of long-lived threads for read-mostly requests (history pages)."""

    def __init__(self, threads: int = READER_THREADS) -> None:
        self.threads = threads
        self._pool = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="moltnet-reader")

    def submit(self, job: Callable[[], Any]) -> Future:
        return self._pool.submit(_read, job)

    def warm(self, job: Callable[[], Any] | None = None) -> None:
        """Start every thread and open its connection now, so no request pays for it; each thread
        then runs `job` (a representative read, see moltnet.hotpath.warm_up_reads)."""
        ready = threading.Barrier(self.threads)

        def connect() -> None:
            connection.ensure_connection()
            if job is not None:
                job()
            ready.wait(timeout=10)  # holds this thread until every other one has taken a job too

        for future in [self._pool.submit(connect) for _ in range(self.threads)]:
            future.result(timeout=15)


def warm(read: Callable[[], Any] | None = None) -> None:
    """Open the long-lived threads' connections before the server takes requests; each reader
    thread then runs `read`."""
    writer.submit(connection.ensure_connection).result(timeout=15)
    readers.warm(read)


writer = GroupCommitWriter()
readers = Readers()
