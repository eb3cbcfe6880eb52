"""Attachment writes on single-writer storage run one at a time, on one thread.

SQLite takes one writer at a time. From several pool threads at once, IDENTIFY registrations,
READY and teardown transactions collide on its write lock and wait in its busy handler, which
sleeps in steps of up to 100 ms: attaching 500 agents measured 2.6 s that way and 1.5 s with
the same writes queued on one thread. Postgres writers run concurrently (attach.db's pool).
"""

from __future__ import annotations

import asyncio
import contextvars
import functools
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from attach import db
from moltnet import state

_writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="moltnet-attach-writer")


def single_writer() -> bool:
    return state.config().storage_kind in ("sqlite", "memory")


async def write(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """Await `fn(*args)` (ORM work that writes): serialized on SQLite, else in attach.db's pool."""
    if not single_writer():
        return await db.run(fn, *args, **kwargs)
    context = contextvars.copy_context()
    call = functools.partial(context.run, db._call, fn, *args, **kwargs)
    return await asyncio.get_running_loop().run_in_executor(_writer, call)
