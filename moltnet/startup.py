"""Server start-up: storage preparation, the single-writer lock, migrations and declared state
(docs/protocol/config.md §6)."""

from __future__ import annotations

import fcntl
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from moltnet import dbworkers
from moltnet.config import ConfigError, ServerConfig, quoted
from moltnet.errors import ApiError
from moltnet.gocompat.schema import LATEST_GO_VERSION, newer_go_schema
from moltnet.ids import default_token_id, trim
from moltnet.storage import prepare_sqlite_directory

log = logging.getLogger("moltnet.startup")
_held: list = []  # keeps the SQLite lock file open for the process lifetime


def acquire_sqlite_lock(cfg: ServerConfig) -> None:
    """Refuse a second server process on the same SQLite file."""
    if cfg.storage_kind != "sqlite":
        return
    lock_path = Path(cfg.sqlite_path + ".lock")
    handle = open(lock_path, "a+")  # noqa: SIM115 - held open for the process lifetime
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.close()
        raise ConfigError(
            f'SQLite database {quoted(cfg.sqlite_path)} is already in use by another Moltnet server '
            "(use storage.kind: postgres to run several server processes)"
        ) from None
    _held.append(handle)


def declared_bindings(cfg: ServerConfig) -> list[tuple[str, str]]:
    """(agent id, credential key) for every token `agents` entry, in config order."""
    owners: dict[str, str] = {}
    for token in cfg.tokens:
        token_id = trim(token.id) or default_token_id(token.value)
        for agent in token.agents:
            agent = trim(agent)
            if not agent:
                continue
            if agent in owners and owners[agent] != token_id:
                raise ConfigError(f'agent {quoted(agent)} is declared by multiple auth tokens')
            owners[agent] = token_id
    return [(agent, f"token:{token_id}") for agent, token_id in owners.items()]


def apply_declared_state(cfg: ServerConfig) -> None:
    """Reconcile token bindings and declared rooms exactly like POST /v1/apply (docs/protocol/config.md §6).

    The whole request is validated before anything changes, so a bad declared room or agent id
    stops start-up without having created or rewritten the entries before it.
    """
    # Here, not at the top: the rooms app's modules read its models, which exist only once Django is
    # set up, and `moltnet validate` and the CLI import this module before that (not a cycle).
    from rooms.apply import do_apply
    from rooms.loopguard import apply_declared
    from rooms.schemas import ApplyAgentIn, ApplyConfigRequest, CreateRoomRequest

    request = ApplyConfigRequest(
        network_id=cfg.network_id,
        agents=[ApplyAgentIn(id=agent, credential_key=key) for agent, key in declared_bindings(cfg)],
        rooms=[CreateRoomRequest(id=room.id, name=room.name, members=room.members, visibility=room.visibility,
                                 write_policy=room.write_policy) for room in cfg.rooms],
    )
    try:
        do_apply(request, cfg.network_id)
    except ApiError as exc:
        raise ConfigError(exc.message) from None

    apply_declared(cfg.rooms)  # ours: rooms[].loop_guard.max_agent_hops


MIGRATION_LOCK_KEY = 715308742994555159  # the Go server's key (docs/protocol/config.md §7.3)


@contextmanager
def migration_lock() -> Iterator[None]:
    """On Postgres, serialize start-up across server processes: migrate and reconcile one at a time.

    `migrate` reads the applied set after the lock is taken, so a process that waited finds the
    schema current instead of failing on "relation already exists".
    """
    from django.db import connection

    if connection.vendor != "postgresql":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_lock(%s)", [MIGRATION_LOCK_KEY])
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s)", [MIGRATION_LOCK_KEY])


def refuse_newer_go_schema() -> None:
    """Stop start-up on a database whose Go schema is newer than the one these models know."""
    from django.db import connection

    if (version := newer_go_schema(connection)) is not None:
        raise ConfigError(f"database schema version {version} is newer than this server supports "
                          f"(up to {LATEST_GO_VERSION}); upgrade Moltnet")


def prepare_server(cfg: ServerConfig, *, verbosity: int = 0) -> None:
    """Everything between loading config and listening; raises ConfigError with one clear message."""
    from django.core.management import call_command

    prepare_sqlite_directory(cfg)
    acquire_sqlite_lock(cfg)
    with migration_lock():
        refuse_newer_go_schema()
        # fake_initial: on a database a Go server created, the initial migrations of Go's tables
        # are recorded instead of run; the Go migrations it lacks and our own tables follow.
        call_command("migrate", interactive=False, verbosity=verbosity, fake_initial=True)
        apply_declared_state(cfg)
    warm_up()


def warm_up() -> None:
    """Pay before listening what the first requests would pay: Django imports the URL conf (every
    view module) on its first resolve, the hot path's database threads connect on first use, and
    each reader thread's first history read does lazy set-up (hotpath.warm_up_reads)."""
    from django.urls import get_resolver

    from moltnet.hotpath import warm_up_reads  # imports models: Django must be set up first

    get_resolver().url_patterns  # noqa: B018 - the lazy import is the point
    dbworkers.warm(read=warm_up_reads)
