"""Run ORM work from the event loop on a small dedicated thread pool (connections are per thread).

The threads live as long as the process and keep their database connection open: the event hub
reads the log after every commit, and reopening SQLite (with its PRAGMA set-up) each time cost
more than the read. A connection that failed is dropped so the next call reconnects.
"""

from __future__ import annotations

import asyncio
import contextvars
import functools
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from moltnet.dbworkers import drop_broken_connection

# Realtime DB work (IDENTIFY, replay pages, log reads) must not queue behind slow HTTP views.
_pool = ThreadPoolExecutor(max_workers=6, thread_name_prefix="moltnet-rt")


def _call(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    try:
        return fn(*args, **kwargs)
    finally:
        drop_broken_connection()


async def run(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """Await `fn(*args)` executed in the realtime thread pool."""
    context = contextvars.copy_context()
    call = functools.partial(context.run, _call, fn, *args, **kwargs)
    return await asyncio.get_running_loop().run_in_executor(_pool, call)
