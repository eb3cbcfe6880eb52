"""The group-commit writer (moltnet.dbworkers): jobs queued together share one transaction, each
in its own savepoint, and each caller learns its own outcome only after the commit."""

from __future__ import annotations

import asyncio
import contextlib
import threading

import pytest
from django.db import IntegrityError, connection, transaction

from moltnet import leansql
from moltnet.dbworkers import GroupCommitWriter
from moltnet.ids import now
from rooms.models import Room

pytestmark = pytest.mark.django_db(transaction=True)


def make_room(room_id: str) -> str:
    Room.objects.create(id=room_id, network_id="local", fqid=f"molt://local/rooms/{room_id}", name=room_id,
                        created_at=now())
    return room_id


def failing_after_a_write(room_id: str) -> None:
    make_room(room_id)
    raise ValueError("refused after writing")


def swallowing_a_database_error(room_id: str) -> str:
    """A job whose database error became a response (as the API middleware does) still returns."""
    make_room(room_id)
    with contextlib.suppress(IntegrityError):
        make_room(room_id)  # the same primary key again
    return "answered"


def run_batch(writer: GroupCommitWriter, jobs: list) -> list:
    """Submit all jobs while the writer is held, so they land in one batch."""
    gate = threading.Event()
    first = writer.submit(gate.wait)  # occupies the writer until every job is queued
    futures = [writer.submit(job) for job in jobs]
    gate.set()
    first.result(timeout=10)
    return futures


def test_a_failing_job_rolls_back_alone_and_the_others_commit():
    writer = GroupCommitWriter()
    ok_a, failed, swallowed, ok_b = run_batch(writer, [
        lambda: make_room("alpha"), lambda: failing_after_a_write("broken"),
        lambda: swallowing_a_database_error("gamma"), lambda: make_room("delta"),
    ])
    assert ok_a.result(timeout=10) == "alpha" and ok_b.result(timeout=10) == "delta"
    with pytest.raises(ValueError, match="refused after writing"):
        failed.result(timeout=10)
    assert swallowed.result(timeout=10) == "answered"
    stored = set(Room.objects.values_list("id", flat=True))
    assert {"alpha", "delta"} <= stored
    assert "broken" not in stored
    if connection.vendor == "postgresql":  # an error aborts a Postgres transaction: undone whole
        assert "gamma" not in stored


def test_results_arrive_only_after_the_commit_is_visible_to_other_connections():
    writer = GroupCommitWriter()
    seen: list[bool] = []

    async def send() -> None:
        await writer.run(lambda: make_room("visible"))
        # A different thread (and connection) reads right after the result arrived.
        seen.append(await asyncio.to_thread(lambda: Room.objects.filter(id="visible").exists()))

    asyncio.run(send())
    assert seen == [True]


def test_a_job_that_marks_the_transaction_for_rollback_is_undone_alone():
    writer = GroupCommitWriter()

    def poison() -> str:
        make_room("poisoned")
        transaction.set_rollback(True)  # as an inner atomic(savepoint=False) that failed would
        return "answered"

    first, poisoned, last = run_batch(writer, [lambda: make_room("first"), poison, lambda: make_room("last")])
    assert (first.result(timeout=10), poisoned.result(timeout=10), last.result(timeout=10)) == \
        ("first", "answered", "last")
    stored = set(Room.objects.values_list("id", flat=True))
    assert {"first", "last"} <= stored and "poisoned" not in stored


def test_a_savepoint_block_directly_in_a_job_shares_its_savepoint_and_fails_the_job():
    """do_send's block runs directly inside the writer's job savepoint and uses it: when the block
    fails (and the API turns the error into a response), the job's writes are all undone."""
    writer = GroupCommitWriter()

    def job_whose_block_fails() -> str:
        make_room("before_block")
        try:
            with leansql.savepoint("moltnet_send"):
                make_room("inside_block")
                raise ValueError("refused inside the block")
        except ValueError:
            return "error envelope"

    first, failing, last = run_batch(writer, [lambda: make_room("first"), job_whose_block_fails,
                                              lambda: make_room("last")])
    assert failing.result(timeout=10) == "error envelope"
    assert (first.result(timeout=10), last.result(timeout=10)) == ("first", "last")
    stored = set(Room.objects.values_list("id", flat=True))
    assert {"first", "last"} <= stored and not {"before_block", "inside_block"} & stored


def test_outside_a_job_a_savepoint_block_rolls_back_alone():
    with transaction.atomic():
        make_room("kept")
        with contextlib.suppress(ValueError), leansql.savepoint("moltnet_send"):
            make_room("undone")
            raise ValueError("refused")
        make_room("after")
    assert set(Room.objects.values_list("id", flat=True)) >= {"kept", "after"}
    assert not Room.objects.filter(id="undone").exists()


def test_after_commit_callbacks_of_undone_work_never_run():
    """Events are announced (with their rows, to this process's subscribers) after commit: an
    announcement from a job or block that was rolled back would deliver an event that is not stored."""
    writer = GroupCommitWriter()
    ran: list[str] = []

    def announcing(name: str, fail: bool = False) -> str:
        leansql.on_commit(lambda: ran.append(name))
        if fail:
            raise ValueError(name)
        return name

    def block_failing_inside_a_job() -> str:
        try:
            with leansql.savepoint("moltnet_send"):
                announcing("in a failed block")
                raise ValueError("refused")
        except ValueError:
            return "error envelope"

    def nested_block_failing() -> str:
        with transaction.atomic(), contextlib.suppress(ValueError), leansql.savepoint("moltnet_inner"):
            announcing("in a failed nested block", fail=True)
        return announcing("after the nested block")

    futures = run_batch(writer, [lambda: announcing("kept"), lambda: announcing("raised", fail=True),
                                 block_failing_inside_a_job, nested_block_failing])
    for future in futures:
        with contextlib.suppress(ValueError):
            future.result(timeout=10)
    assert ran == ["kept", "after the nested block"]
