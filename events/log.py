"""Append events to the durable log inside the caller's transaction; announce them on commit.

Ordering: on Postgres an advisory transaction lock serializes appenders so `seq` order equals
commit order (readers that resume from "seq > N" never skip a late-committing row). SQLite
already serializes writers with IMMEDIATE transactions.
"""

from __future__ import annotations

import contextlib
import functools
from datetime import datetime
from typing import Any

from django.db import connection, transaction

from events.broadcast import AppendedRow, announce_appended
from events.models import Event
from moltnet import batchmemo, jsonshape, leansql
from moltnet.ids import format_time, new_event_id, now

APPEND_LOCK_KEY = 715308742994555160
PAYLOAD_KEYS = ("agent", "message", "room", "thread", "dm", "pairing", "replay_gap", "conversation")


def build_event(event_type: str, network_id: str, payload_key: str, payload: dict,
                created_at: datetime | None = None, event_id: str | None = None) -> dict[str, Any]:
    """An Event object with the Go key order: id, type, network_id, <payload>, created_at."""
    assert payload_key in PAYLOAD_KEYS
    return {
        "id": event_id or new_event_id(),
        "type": event_type,
        "network_id": network_id,
        payload_key: payload,
        "created_at": format_time(created_at or now()),
    }


def lock_appends() -> None:
    """Serialize appenders until this transaction ends (Postgres; SQLite writers are serial already).

    The group-commit writer takes it once per batch, before the batch's first savepoint (a lock
    taken inside a savepoint that is rolled back is released with it); other callers per append.
    """
    if connection.vendor == "postgresql":
        leansql.execute("SELECT pg_advisory_xact_lock(%s)", [APPEND_LOCK_KEY])
        batchmemo.remember(_APPENDS_LOCKED, True)


_APPENDS_LOCKED = ("events", "appends locked")


def _serialize_appends() -> None:
    if not batchmemo.recall(_APPENDS_LOCKED):
        lock_appends()


def _in_transaction() -> contextlib.AbstractContextManager:
    """The caller's transaction when there is one (the send path always has one), else a new one."""
    return contextlib.nullcontext() if connection.in_atomic_block else transaction.atomic()


def record(event: dict[str, Any], created_at: datetime | None = None) -> int:
    """Append one event and return its `seq`; it is broadcast only if and when the surrounding
    transaction commits."""
    # No savepoint of its own: a failed append fails the caller's transaction, which is the point.
    with _in_transaction():
        _serialize_appends()
        body = jsonshape.dumps(event)
        seq = leansql.insert_values(Event, {
            "event_id": event["id"],
            "type": event["type"],
            "network_id": event["network_id"],
            "body": body,
            "created_at": created_at or now(),
            "recorded_at": now(),
        })
    # Announced with the row itself, so this process's readers need not read back what it wrote.
    leansql.on_commit(functools.partial(announce, seq, (seq, event["id"], event["type"], body, event)))
    return seq


def record_all(events: list[dict[str, Any]]) -> None:
    for event in events:
        record(event)


def announce(seq: int | None = None, row: AppendedRow | None = None) -> None:
    """Tell every server process that the log grew to `seq`; `row` is the committed event, for
    this process's readers."""
    announce_appended(seq, row)
