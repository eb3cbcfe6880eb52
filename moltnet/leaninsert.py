"""Single-row INSERTs for the send path without Django's query compiler or cursor wrappers.

`Model.save()` compiles an INSERT for every row, and Django's cursor wrapper rewrites the SQL's
placeholders on every execute; on the send path both cost more than the SQL. This writes the
same columns with the same field conversions (each non-text field's own `get_db_prep_save`, so
SQLite times stay RFC 3339 text) on the driver's cursor, inside Django's transaction and with
Django's exception classes (an IntegrityError is django.db.IntegrityError, as from save()).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from django.db import connection
from django.db.models import AutoField, BigAutoField, CharField, Field, Model, TextField

Converter = Callable[[Any], Any] | None


@functools.cache
def _statement(model: type[Model], vendor: str) -> tuple[str, tuple[Field, ...], tuple[bool, ...], bool]:
    meta = model._meta
    auto = isinstance(meta.pk, AutoField | BigAutoField)
    fields = tuple(f for f in meta.concrete_fields if not (auto and f.primary_key))
    # Plain text columns go to the driver as they are; other fields convert as Django would.
    plain = tuple(type(f) in (TextField, CharField) for f in fields)
    quote = connection.ops.quote_name
    marker = "?" if vendor == "sqlite" else "%s"
    sql = (f"INSERT INTO {quote(meta.db_table)} ({', '.join(quote(f.column) for f in fields)}) "
           f"VALUES ({', '.join([marker] * len(fields))})")
    if auto and vendor == "postgresql":
        sql += f" RETURNING {quote(meta.pk.column)}"
    return sql, fields, plain, auto


def insert_values(model: type[Model], values: dict[str, Any]) -> Any:
    """INSERT one row of `model` from attribute values; returns the auto primary key, if any."""
    sql, fields, plain, auto = _statement(model, connection.vendor)
    params = [values.get(f.attname) if is_plain else f.get_db_prep_save(values.get(f.attname), connection)
              for f, is_plain in zip(fields, plain, strict=True)]
    connection.ensure_connection()
    with connection.wrap_database_errors:
        cursor = connection.connection.cursor()
        try:
            cursor.execute(sql, params)
            if not auto:
                return None
            return cursor.fetchone()[0] if connection.vendor == "postgresql" else cursor.lastrowid
        finally:
            cursor.close()


def insert(obj: Model) -> Model:
    """INSERT `obj` as one row (IntegrityError on a duplicate key, as save(force_insert=True))."""
    pk = insert_values(type(obj), obj.__dict__)
    if pk is not None:
        obj.pk = pk
    obj._state.adding = False
    obj._state.db = connection.alias
    return obj
