"""The WAL syncer (moltnet.walsync): on SQLite at synchronous=full, a committed batch is answered
and announced only after its WAL file is synced to disk, in commit order."""

from __future__ import annotations

import os
import threading
import time

import pytest
from django.db import connection

from moltnet import walsync


@pytest.fixture
def synced(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every fsync'd path, in order (os.fsync recorded, then done for real)."""
    calls: list[str] = []
    real = os.fsync

    def fsync(fd: int) -> None:
        calls.append(os.readlink(f"/proc/self/fd/{fd}"))
        real(fd)

    monkeypatch.setattr(walsync.os, "fsync", fsync)
    return calls


@pytest.fixture
def wal(tmp_path) -> str:
    """A WAL file with frames in it."""
    path = tmp_path / "moltnet.db-wal"
    path.write_bytes(b"frames")
    return str(path)


@pytest.fixture
def failing_fsync(monkeypatch: pytest.MonkeyPatch):
    """`failing_fsync(n)`: the first n fsyncs fail with EIO; the answer lists every attempt."""

    def fail_first(n: int) -> list[int]:
        attempts: list[int] = []

        def fsync(fd: int) -> None:
            attempts.append(fd)
            if len(attempts) <= n:
                raise OSError(5, "Input/output error")

        monkeypatch.setattr(walsync.os, "fsync", fsync)
        return attempts

    return fail_first


def test_a_batch_is_announced_then_answered_only_after_its_wal_is_synced(wal, synced):
    syncer = walsync.WalSyncer(wal)
    seen: list[str] = []
    done = threading.Event()
    syncer.submit([lambda: seen.append(f"announce after {len(synced)} syncs")],
                  lambda: (seen.append(f"answer after {len(synced)} syncs"), done.set()))
    assert done.wait(5)
    assert synced == [wal]
    assert seen == ["announce after 1 syncs", "answer after 1 syncs"]


def test_batches_are_answered_in_commit_order_and_a_failing_hook_stops_nothing(wal, synced):
    syncer = walsync.WalSyncer(wal)
    answered: list[int] = []
    done = threading.Event()

    def broken_hook() -> None:
        raise RuntimeError("subscriber gone")

    for n in range(20):
        syncer.submit([broken_hook], lambda n=n: (answered.append(n), n == 19 and done.set()))
    assert done.wait(5)
    assert answered == list(range(20))
    assert 1 <= len(synced) <= 20  # batches waiting together share a sync


def test_a_failed_sync_holds_every_answer_until_a_sync_succeeds(wal, failing_fsync):
    attempts = failing_fsync(1)
    syncer = walsync.WalSyncer(wal)
    answered = threading.Event()
    syncer.submit([], answered.set)
    assert not answered.wait(0.5)  # the failed sync is retried a second later; nothing is answered meanwhile
    assert answered.wait(5)
    assert len(attempts) == 2


def test_the_answering_thread_syncs_announces_and_answers_and_a_covered_commit_is_not_synced_again(
        wal, synced):
    syncer = walsync.WalSyncer(wal)
    first, second = syncer.committed(), syncer.committed()  # both committed before the sync below
    seen: list[str] = []
    assert syncer.callers_may_sync()
    syncer.sync_then(first, [lambda: seen.append(f"announce 1 after {len(synced)} syncs")],
                     lambda: seen.append(f"answer 1 after {len(synced)} syncs"))
    syncer.sync_then(second, [], lambda: seen.append(f"answer 2 after {len(synced)} syncs"))
    assert seen == ["announce 1 after 1 syncs", "answer 1 after 1 syncs", "answer 2 after 1 syncs"]
    syncer.sync_then(syncer.committed(), [], lambda: seen.append(f"answer 3 after {len(synced)} syncs"))
    assert seen[-1] == "answer 3 after 2 syncs" and synced == [wal] * 2


def test_a_slow_sync_moves_syncing_off_the_answering_thread(wal, monkeypatch):
    monkeypatch.setattr(walsync.os, "fsync", lambda fd: time.sleep(walsync.SLOW_SYNC_SECONDS * 2))
    syncer = walsync.WalSyncer(wal)
    answered: list[int] = []
    syncer.sync_then(syncer.committed(), [], lambda: answered.append(1))
    assert answered == [1]  # answered, durable…
    assert not syncer.callers_may_sync()  # …but the next batches go to the sync thread for a while


def test_syncs_slowish_on_average_move_off_the_answering_thread_for_a_spell(wal, monkeypatch):
    slowish = walsync.LOOP_SYNC_AVERAGE_LIMIT * 3  # each well under SLOW_SYNC_SECONDS
    monkeypatch.setattr(walsync.os, "fsync", lambda fd: time.sleep(slowish))
    monkeypatch.setattr(walsync, "SLOWISH_PAUSE_SECONDS", 0.3)
    syncer = walsync.WalSyncer(wal)
    answered: list[int] = []
    syncs = 0
    while syncer.callers_may_sync() and syncs < 100:
        syncs += 1
        syncer.sync_then(syncer.committed(), [], lambda n=syncs: answered.append(n))
    assert answered == list(range(1, syncs + 1))  # every batch answered, each after its sync
    assert syncs > 1  # one slowish sync is not enough: a spell of them is
    assert not syncer.callers_may_sync()  # the next batches go to the sync thread…
    time.sleep(0.35)
    assert syncer.callers_may_sync()  # …for a spell, then the answering thread tries again


def test_fast_syncs_stay_on_the_answering_thread(wal, monkeypatch):
    synced: list[int] = []
    monkeypatch.setattr(walsync.os, "fsync", synced.append)  # a disk that is never slow
    syncer = walsync.WalSyncer(wal)
    for _ in range(200):
        syncer.sync_then(syncer.committed(), [], lambda: None)
    assert len(synced) == 200 and syncer.callers_may_sync()


def test_a_failed_sync_on_the_answering_thread_holds_the_answer_on_the_sync_thread(wal, failing_fsync):
    attempts = failing_fsync(2)  # the answering thread's attempt, then the sync thread's first
    syncer = walsync.WalSyncer(wal)
    answered = threading.Event()
    syncer.sync_then(syncer.committed(), [], answered.set)
    assert not answered.is_set() and not syncer.callers_may_sync()
    assert not answered.wait(0.5)  # the thread retries a second later; nothing is answered meanwhile
    assert answered.wait(5)
    assert len(attempts) == 3


@pytest.mark.django_db
def test_the_writer_syncs_the_wal_of_a_sqlite_file_and_nothing_on_postgres():
    if connection.vendor == "postgresql":
        assert walsync.wal_path() is None  # Postgres flushes its own WAL before COMMIT returns
    else:
        assert walsync.wal_path() == connection.settings_dict["NAME"] + "-wal"
