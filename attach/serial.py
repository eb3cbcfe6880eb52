"""The attachment's own writes (READY, teardown), and where attachment writes run.

On single-writer storage they go through the process's group-commit writer.

SQLite takes one writer at a time. From several pool threads at once, IDENTIFY registrations,
READY and teardown transactions collided on its write lock (and with the sends' writer) and waited
in its busy handler, which sleeps in steps of up to 100 ms: attaching 500 agents took 2.6 s that
way. Queued on `moltnet.dbworkers.writer` they run back to back on its one thread and share its
commits with concurrent sends (each job in its own savepoint, its result handed back only after
the commit). Postgres writers run concurrently, in attach.db's pool: row locks taken by a slot
claim must not hold a whole batch of other writes.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from attach import db, presence
from attach.wakes import AgentRef, Wake, publish, publish_wake_failures
from moltnet import dbworkers, leansql, state


def single_writer() -> bool:
    return state.config().storage_kind in ("sqlite", "memory")


async def write(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """Await `fn(*args)` (ORM work that writes), committed when it returns."""
    if not single_writer():
        return await db.run(fn, *args, **kwargs)
    return await dbworkers.writer.run(functools.partial(fn, *args, **kwargs))


def ready(session_id: str, ref: AgentRef, reason: str) -> int | None:
    """Presence and `agent.connected` in one transaction: one commit (an fsync on SQLite) per READY.
    Returns the seq of that `agent.connected`."""
    with leansql.savepoint("moltnet_ready"):
        presence.mark_ready(session_id)
        return publish("agent.connected", ref, reason=reason)


def teardown(session_id: str, ref: AgentRef | None, wakes: list[Wake], wake_error: str, reason: str,
             error: str) -> None:
    """05 §14.2 in one transaction: wake failures → agent.disconnected → the slot released."""
    with leansql.savepoint("moltnet_teardown"):
        if ref is not None:
            if wakes:
                publish_wake_failures(ref, wakes, wake_error)
            publish("agent.disconnected", ref, reason=reason, error=error)
        if session_id:
            presence.release(session_id)

