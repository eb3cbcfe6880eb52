"""Run ORM work from the event loop on a small dedicated thread pool (connections are per thread)."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from asgiref.sync import sync_to_async
from django.db import close_old_connections

# Realtime DB work (IDENTIFY, replay pages, log reads) must not queue behind slow HTTP views.
_pool = ThreadPoolExecutor(max_workers=6, thread_name_prefix="moltnet-rt")


def _call(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    close_old_connections()
    try:
        return fn(*args, **kwargs)
    finally:
        close_old_connections()


async def run(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """Await `fn(*args)` executed in the realtime thread pool."""
    return await sync_to_async(_call, thread_sensitive=False, executor=_pool)(fn, *args, **kwargs)
