"""Whether a SQLite database file is in use, for `moltnet restore` (and who holds it).

Two signals, either one is enough:
- the exclusive flock a running `moltnet start` holds on `<database>.lock` from before its
  migrations until it exits (moltnet.startup.acquire_sqlite_lock);
- SQLite's own WAL lock: every connection that has the database open in WAL mode holds a shared
  fcntl lock on the "DMS" byte of the `-shm` file (byte 128, os_unix.c), which catches any other
  process with it open (a Go server, a sqlite3 shell, a server of an older version).
This module never opens the database with SQLite itself: POSIX locks are per process, and an
open connection here would hide the second signal.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
from collections.abc import Iterator
from pathlib import Path

SHM_DMS_BYTE = 128  # UNIX_SHM_DMS in SQLite's os_unix.c: (22 + 8) * 4 + 8


def _wal_lock_held(path: Path) -> bool:
    try:
        fd = os.open(f"{path}-shm", os.O_RDWR | os.O_CLOEXEC)
    except OSError:
        return False  # no -shm: no connection has it open in WAL mode
    try:
        fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB, 1, SHM_DMS_BYTE)
    except OSError as exc:
        if exc.errno in (errno.EAGAIN, errno.EACCES):
            return True
        raise
    else:
        fcntl.lockf(fd, fcntl.LOCK_UN, 1, SHM_DMS_BYTE)
        return False
    finally:
        os.close(fd)


class InUseError(Exception):
    """The database is open in another process; the message says which signal told."""


@contextlib.contextmanager
def exclusive(path: str | Path) -> Iterator[None]:
    """Hold the server lock of the database (a server starting meanwhile is refused), or raise
    InUseError. The directory must exist."""
    path = Path(path)
    fd = os.open(f"{path}.lock", os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise InUseError("a running `moltnet start` serves it") from None
        if _wal_lock_held(path):
            raise InUseError("another process has it open (SQLite's WAL lock on its -shm file is held)")
        yield
    finally:
        os.close(fd)
