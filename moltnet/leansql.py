"""Plain SQL for the send path, without Django's query compiler, cursor wrappers or atomic().

Each send runs a handful of single-row statements. Through the ORM, compiling them, rewriting
their placeholders and Django's savepoint bookkeeping cost more than the SQL itself. These
helpers run the same statements on the driver's cursor, inside Django's transaction and with
Django's exception classes (an IntegrityError is django.db.IntegrityError, as from save()).
Field values are converted by each non-text field's own `get_db_prep_save`, so SQLite times
stay RFC 3339 text.
"""

from __future__ import annotations

import contextlib
import functools
import threading
from collections.abc import Callable, Iterator
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.db.models import AutoField, BigAutoField, CharField, Field, Model, TextField


def _connection() -> Any:
    return connections[DEFAULT_DB_ALIAS]


@functools.cache
def _placeholders(sql: str, vendor: str) -> str:
    """`%s` placeholders as the driver wants them (sqlite3 takes `?`)."""
    return sql.replace("%s", "?") if vendor == "sqlite" else sql


@functools.cache
def _insert_statement(model: type[Model], vendor: str,
                      if_absent: bool = False) -> tuple[str, tuple[Field, ...], tuple[bool, ...], bool]:
    meta = model._meta
    auto = isinstance(meta.pk, AutoField | BigAutoField)
    fields = tuple(f for f in meta.concrete_fields if not (auto and f.primary_key))
    # Plain text columns go to the driver as they are; other fields convert as Django would.
    plain = tuple(type(f) in (TextField, CharField) for f in fields)
    quote = _connection().ops.quote_name
    sql = (f"INSERT INTO {quote(meta.db_table)} ({', '.join(quote(f.column) for f in fields)}) "
           f"VALUES ({', '.join(['%s'] * len(fields))})")
    if if_absent:
        sql += " ON CONFLICT DO NOTHING"
    if auto and vendor == "postgresql":
        sql += f" RETURNING {quote(meta.pk.column)}"
    return _placeholders(sql, vendor), fields, plain, auto


def execute(sql: str, params: list | tuple = ()) -> Any:
    """Run `sql` (with `%s` placeholders) on the driver's cursor; returns the open cursor's rows."""
    conn = _connection()
    conn.ensure_connection()
    with conn.wrap_database_errors:
        cursor = conn.connection.cursor()
        try:
            cursor.execute(_placeholders(sql, conn.vendor), params)
            return cursor.fetchall() if cursor.description else []
        finally:
            cursor.close()


def fetch_value(sql: str, params: list | tuple = ()) -> Any:
    """The first column of the first row, or None."""
    rows = execute(sql, params)
    return rows[0][0] if rows else None


def insert_values(model: type[Model], values: dict[str, Any], *, if_absent: bool = False) -> Any:
    """INSERT one row of `model` from attribute values; returns the auto primary key, if any.

    `if_absent`: a row that conflicts with a stored one (same key) is not written, and the
    answer says whether the row was written (True/False) instead of raising IntegrityError.
    """
    conn = _connection()
    sql, fields, plain, auto = _insert_statement(model, conn.vendor, if_absent)
    params = [values.get(f.attname) if is_plain else f.get_db_prep_save(values.get(f.attname), conn)
              for f, is_plain in zip(fields, plain, strict=True)]
    conn.ensure_connection()
    with conn.wrap_database_errors:
        cursor = conn.connection.cursor()
        try:
            cursor.execute(sql, params)
            if if_absent:
                return cursor.rowcount == 1
            if not auto:
                return None
            return cursor.fetchone()[0] if conn.vendor == "postgresql" else cursor.lastrowid
        finally:
            cursor.close()


def insert(obj: Model, *, if_absent: bool = False) -> bool:
    """INSERT `obj` as one row (IntegrityError on a duplicate key, as save(force_insert=True));
    `if_absent`: a duplicate is not written and the answer is False."""
    result = insert_values(type(obj), obj.__dict__, if_absent=if_absent)
    if if_absent:
        if not result:
            return False
    elif result is not None:
        obj.pk = result
    obj._state.adding = False
    obj._state.db = DEFAULT_DB_ALIAS
    return True


def fetch_row(model: type[Model], pk: Any, *, for_update: bool = False) -> Any:
    """The `model` row with this primary key as an instance (None when there is none); with
    `for_update` it is locked until the transaction ends (Postgres; SQLite writers are serial)."""
    conn = _connection()
    sql, fields, converters = _select_statement(model, for_update and conn.vendor == "postgresql")
    rows = execute(sql, [pk])
    if not rows:
        return None
    values = list(rows[0])
    for index, column, convert in converters:  # as the ORM converts what it reads
        values[index] = convert(values[index], column, conn)
    return model.from_db(DEFAULT_DB_ALIAS, [f.attname for f in fields], values)


@functools.cache
def _select_statement(model: type[Model], for_update: bool) -> tuple[str, tuple[Field, ...], tuple]:
    conn = _connection()
    meta = model._meta
    fields = tuple(meta.concrete_fields)
    quote = conn.ops.quote_name
    sql = (f"SELECT {', '.join(quote(f.column) for f in fields)} FROM {quote(meta.db_table)} "
           f"WHERE {quote(meta.pk.column)} = %s" + (" FOR UPDATE" if for_update else ""))
    converters = []
    for index, field in enumerate(fields):
        column = field.get_col(meta.db_table)
        converters += [(index, column, c) for c in conn.ops.get_db_converters(column) + column.get_db_converters(conn)]
    return sql, fields, tuple(converters)


def update_fields(obj: Model, names: list[str]) -> None:
    """UPDATE `obj`'s row with these fields' current values (save(update_fields=...) without the compiler)."""
    meta = type(obj)._meta
    quote = _connection().ops.quote_name
    fields = [meta.get_field(name) for name in names]
    sets = ", ".join(f"{quote(f.column)} = %s" for f in fields)
    values = [f.get_db_prep_save(getattr(obj, f.attname), _connection()) for f in fields]
    execute(f"UPDATE {quote(meta.db_table)} SET {sets} WHERE {quote(meta.pk.column)} = %s", [*values, obj.pk])


class JobScope:
    """One unit of work inside a larger transaction (a send in a group commit), in its own savepoint.

    A `savepoint()` block opened directly inside it (no other atomic block in between) uses the
    job's savepoint instead of its own, which saves two statements per send (two round trips on
    Postgres): an exception in that block marks the whole job for rollback.
    """

    __slots__ = ("depth", "failed")

    def __init__(self, depth: int) -> None:
        self.depth = depth  # Django's atomic-block depth when the job began
        self.failed = False


_local = threading.local()


class _AfterCommit:
    """A transaction.on_commit callback that a rolled-back plain-SQL savepoint can void (Django
    voids the callbacks of its own savepoints, but knows nothing of these)."""

    __slots__ = ("callback", "void")

    def __init__(self, callback: Callable[[], None]) -> None:
        self.callback = callback
        self.void = False

    def __call__(self) -> None:
        if not self.void:
            self.callback()


def on_commit(callback: Callable[[], None]) -> None:
    """transaction.on_commit(callback), dropped as well if a savepoint of this module around it is
    rolled back (an event announced from a rolled-back send must never reach a subscriber)."""
    entry = _AfterCommit(callback)
    transaction.on_commit(entry)
    marks = getattr(_local, "marks", None)
    if marks:
        _local.tracked.append(entry)


def _open_mark() -> None:
    if not getattr(_local, "marks", None):
        _local.marks, _local.tracked = [], []
    _local.marks.append(len(_local.tracked))


def _close_mark(rolled_back: bool) -> None:
    mark = _local.marks.pop()
    if rolled_back:
        for entry in _local.tracked[mark:]:
            entry.void = True
        del _local.tracked[mark:]
    if not _local.marks:
        _local.tracked.clear()  # the outermost savepoint is over: Django holds what is left


@contextlib.contextmanager
def job_savepoint() -> Iterator[JobScope]:
    """Run a job in a savepoint; roll it back if it raised, was marked failed, or left the
    transaction unusable (marked for rollback, or a Postgres transaction aborted by an error)."""
    conn = _connection()
    execute("SAVEPOINT moltnet_job")
    _open_mark()
    scope = _local.job = JobScope(len(conn.atomic_blocks))
    rolled_back = False
    try:
        yield scope
    except BaseException:
        scope.failed = True
        raise
    finally:
        _local.job = None
        if scope.failed or conn.needs_rollback or _transaction_failed(conn):
            execute("ROLLBACK TO SAVEPOINT moltnet_job")
            conn.needs_rollback = False  # the job's writes are undone; the transaction goes on
            rolled_back = True
        execute("RELEASE SAVEPOINT moltnet_job")
        _close_mark(rolled_back)


def _transaction_failed(conn: Any) -> bool:
    """Postgres refuses every statement after an error until a rollback; SQLite does not."""
    if conn.vendor != "postgresql":
        return False
    from psycopg.pq import TransactionStatus

    return conn.connection.info.transaction_status == TransactionStatus.INERROR


def mark_job_failed() -> None:
    """Roll back the current job's writes when its savepoint ends."""
    job = getattr(_local, "job", None)
    if job is not None:
        job.failed = True


@contextlib.contextmanager
def savepoint(name: str = "moltnet_sp") -> Iterator[None]:
    """atomic() for a block inside a transaction, as plain SAVEPOINT SQL: an exception rolls the
    block back (and propagates); outside a transaction it is transaction.atomic()."""
    conn = _connection()
    if not conn.in_atomic_block:
        with transaction.atomic():
            yield
        return
    job = getattr(_local, "job", None)
    if job is not None and job.depth == len(conn.atomic_blocks):
        try:
            yield
        except BaseException:
            job.failed = True  # the job's savepoint is this block's: the job is rolled back
            raise
        return
    execute(f"SAVEPOINT {name}")
    _open_mark()
    try:
        yield
    except BaseException:
        execute(f"ROLLBACK TO SAVEPOINT {name}")
        execute(f"RELEASE SAVEPOINT {name}")
        conn.needs_rollback = False  # the block's writes are undone; the transaction goes on
        _close_mark(rolled_back=True)
        raise
    rolled_back = conn.needs_rollback  # an inner atomic(savepoint=False) failed and was swallowed
    if rolled_back:
        execute(f"ROLLBACK TO SAVEPOINT {name}")
        conn.needs_rollback = False
    execute(f"RELEASE SAVEPOINT {name}")
    _close_mark(rolled_back)
