"""Reads shared by the writes of one group commit (see moltnet.dbworkers).

Eight concurrent sends to one room read the same room, members and registrations eight times.
Inside one writer transaction nothing else may change them (SQLite: the writer holds the write
lock; sends never change rooms, members or registrations), so the writer opens a memo for the
batch and the send path looks its reads up there. Outside a batch, `memoized` just computes.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Hashable, Iterator
from typing import Any

_local = threading.local()


@contextlib.contextmanager
def batch() -> Iterator[None]:
    """Share reads between the jobs run inside this block (on this thread only)."""
    _local.memo = {}
    try:
        yield
    finally:
        _local.memo = None


def memoized(key: Hashable, compute: Callable[[], Any]) -> Any:
    memo = getattr(_local, "memo", None)
    if memo is None:
        return compute()
    if key not in memo:
        memo[key] = compute()
    return memo[key]


def remember(key: Hashable, value: Any) -> None:
    """Keep `value` for the rest of the batch (nothing outside a batch)."""
    memo = getattr(_local, "memo", None)
    if memo is not None:
        memo[key] = value


def recall(key: Hashable, default: Any = None) -> Any:
    memo = getattr(_local, "memo", None)
    return default if memo is None else memo.get(key, default)


def forget() -> None:
    """Drop what the batch has read (after a write that may have changed it)."""
    memo = getattr(_local, "memo", None)
    if memo:
        memo.clear()
