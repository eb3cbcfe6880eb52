"""Model fields shared by the apps."""

from __future__ import annotations

from datetime import UTC, datetime

from django.db import models

from moltnet.ids import ZERO_TIME


def sqlite_time_text(value: datetime) -> str:
    """Fixed-width RFC 3339 in UTC with nine fractional digits: `2026-12-02T07:33:27.123456000Z`.

    Go parses it with time.RFC3339Nano, and text order is time order (docs/protocol/config.md §7.2). Go's zero
    time keeps Go's spelling.
    """
    if value.tzinfo is not None:
        value = value.astimezone(UTC).replace(tzinfo=None)
    if value == datetime.min:
        return ZERO_TIME  # Go's zero time.Time as its SQL store writes it
    return (f"{value.year:04d}-{value.month:02d}-{value.day:02d}T{value.hour:02d}:{value.minute:02d}:"
            f"{value.second:02d}.{value.microsecond:06d}000Z")


class SortableDateTimeField(models.DateTimeField):
    """A timestamp column as the Go server keeps it (docs/protocol/config.md §7.2, §7.3).

    SQLite: a TEXT column holding `sqlite_time_text`, for values written and for lookup
    parameters alike, so `(created_at, id)` comparisons stay consistent. Django's own form
    (`2026-12-02 07:33:27.123456`) would read as Go's zero time, and it drops `.000000`, which
    misorders whole seconds. Reading accepts any RFC 3339 text (Go writes `…27.1234Z`, `…27Z`).
    Postgres: `timestamp with time zone`, as in Go.
    """

    def db_type(self, connection) -> str | None:
        if connection.vendor == "sqlite":
            return "text"
        return super().db_type(connection)

    def get_db_prep_value(self, value, connection, prepared=False):
        if connection.vendor != "sqlite":
            return super().get_db_prep_value(value, connection, prepared)
        if not prepared and not (isinstance(value, datetime) and value.tzinfo is not None):
            value = self.get_prep_value(value)  # an aware datetime needs no preparing (every send writes three)
        if isinstance(value, datetime):
            return sqlite_time_text(value)
        return value
