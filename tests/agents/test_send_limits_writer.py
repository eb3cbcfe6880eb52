"""Send limits on the group-commit writer's thread, as the hot path runs them: a batch's checks
count as they go, and on Postgres a bucket is taken on the writer's own autocommit connection, so
it is committed at once and no other sender waits for the batch's commit."""

from __future__ import annotations

import threading
import time
import uuid

import pytest
from django.db import connection, transaction

from agents.auth import Caller, Claims
from agents.ratelimit import _drop_side_connection, _refused_until, check_send_limit
from moltnet.dbworkers import GroupCommitWriter
from moltnet.errors import ApiError

pytestmark = pytest.mark.django_db(transaction=True)


def agent(name: str) -> Caller:
    return Caller("open", claims=Claims("agent", frozenset({"write", "attach"}), frozenset({name}),
                                        f"agent-token:{name}", agent_id=name))


def outcome(caller: Caller) -> int:
    try:
        check_send_limit(caller)
    except ApiError as refused:
        return refused.status
    finally:
        _drop_side_connection()  # the test database is dropped at the end: leave no connection open
    return 202


def close_after_commit(writer: GroupCommitWriter) -> None:
    """Let the writer thread close its connection once its batch commits (the test database is dropped)."""
    writer.submit(lambda: transaction.on_commit(connection.close)).result(timeout=10)


@pytest.fixture
def limits(configure):
    _refused_until.clear()
    configure({"auth": {"mode": "open", "rate_limits": {"send_per_minute": 60, "send_burst": 2}}})
    yield
    _refused_until.clear()


def test_one_batch_counts_its_sends_as_they_go(limits):
    writer = GroupCommitWriter()
    luna = agent(f"luna-{uuid.uuid4().hex[:6]}")
    gate = threading.Event()
    first = writer.submit(gate.wait)
    futures = [writer.submit(lambda: outcome(luna)) for _ in range(3)]
    gate.set()
    first.result(timeout=10)
    assert [f.result(timeout=10) for f in futures] == [202, 202, 429]
    close_after_commit(writer)


@pytest.mark.skipif(connection.vendor != "postgresql",
                    reason="SQLite: the batch holds the database's one write lock whatever the limiter does")
def test_on_postgres_a_bucket_is_committed_at_once_and_not_held_locked_by_the_open_batch(limits):
    luna = agent(f"luna-{uuid.uuid4().hex[:6]}")
    writer, batch_open, checked = GroupCommitWriter(), threading.Event(), threading.Event()

    def check_then_keep_the_batch_open() -> int:
        status = outcome(luna)
        checked.set()
        batch_open.wait(10)
        return status

    job = writer.submit(check_then_keep_the_batch_open)
    assert checked.wait(10)
    with connection.cursor() as cursor:  # another connection, while the batch is still open
        cursor.execute('SELECT tokens FROM send_limit_buckets WHERE "key" = %s', [f"agent:{luna.claims.agent_id}"])
        assert cursor.fetchone()[0] == pytest.approx(1, abs=0.1)
    started = time.monotonic()
    assert outcome(luna) == 202 and outcome(luna) == 429  # no wait for the batch's commit
    assert time.monotonic() - started < 2
    batch_open.set()
    assert job.result(timeout=10) == 202
    close_after_commit(writer)
