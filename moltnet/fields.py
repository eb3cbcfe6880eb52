"""Model fields shared by the apps."""

from __future__ import annotations

from datetime import UTC

from django.db import models


class SortableDateTimeField(models.DateTimeField):
    """A DateTimeField that SQLite stores in fixed width (always 6 fractional digits).

    Django writes `str(datetime)` to SQLite, which drops `.000000`; text comparison then puts
    a whole-second time after a fractional one in the same second. History pages compare
    `(created_at, id)`, so the stored form must sort like the time (spec 04 §7.2).
    """

    def get_db_prep_value(self, value, connection, prepared=False):
        value = super().get_db_prep_value(value, connection, prepared)
        if connection.vendor == "sqlite" and value is not None and hasattr(value, "strftime"):
            if value.tzinfo is not None:
                value = value.astimezone(UTC).replace(tzinfo=None)
            return value.strftime("%Y-%m-%d %H:%M:%S.%f")
        return value
