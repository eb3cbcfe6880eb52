"""Cursor pagination (docs/protocol/http-api.md §1.6): page parameters, history pages and collection pages."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from django.db.models import Q, QuerySet, Subquery

from moltnet.errors import unprocessable
from moltnet.gocompat import quote
from moltnet.gocompat.numbers import atoi
from moltnet.ids import id_error, trim

DEFAULT_LIMIT = 100
MAX_LIMIT = 500
T = TypeVar("T")


@dataclass(frozen=True)
class PageParams:
    limit: int = DEFAULT_LIMIT
    before: str = ""
    after: str = ""


def query_value(query: dict[str, str] | Any, name: str) -> str:
    """Go's `URL.Query().Get`: the first value of a repeated parameter (Django's `get` gives the last)."""
    values = query.getlist(name) if hasattr(query, "getlist") else [query.get(name) or ""]
    return values[0] if values else ""


def parse_page_params(query: dict[str, str] | Any) -> PageParams:
    """Parse and format-check `limit`, `before`, `after`; 422 on malformed cursors."""
    raw = trim(query_value(query, "limit"))
    try:
        limit = atoi(raw)  # Go reads `limit` with strconv.Atoi; what it refuses is the default
    except ValueError:
        limit = DEFAULT_LIMIT
    if limit <= 0:
        limit = DEFAULT_LIMIT
    limit = min(limit, MAX_LIMIT)
    before = trim(query_value(query, "before"))
    after = trim(query_value(query, "after"))
    if before and after:
        raise unprocessable("before and after cannot both be set")
    for name, value in (("before", before), ("after", after)):
        if value and (err := id_error(value)):
            raise unprocessable(f"{name} {err}")
    return PageParams(limit, before, after)


def page_info(has_more: bool, next_before: str = "", next_after: str = "") -> dict[str, Any]:
    info: dict[str, Any] = {"has_more": has_more}
    if next_before:
        info["next_before"] = next_before
    if next_after:
        info["next_after"] = next_after
    return info


def history_page(queryset: QuerySet, params: PageParams) -> tuple[list, dict]:
    """Oldest→newest page over `(created_at, id)` of the queryset's model (messages, artifacts).

    The cursor row's stored `created_at` is compared in SQL, stored value against stored value as
    the Go server does, so rows another server wrote (Go's nanoseconds, Go's variable-width
    SQLite text) page exactly: no cursor row comes back, none is skipped.
    """
    qs = queryset
    if params.before or params.after:
        cursor = params.before or params.after
        cursor_row = queryset.model._default_manager.filter(pk=cursor)
        if not cursor_row.exists():
            raise unprocessable(f"invalid cursor {quote(cursor)}")
        position = Subquery(cursor_row.values("created_at")[:1])
        # `(created_at, id) < (pos, cursor)` spelled so the bare range on created_at bounds the index
        # scan; the plain OR form makes SQLite walk the index from the newest row down (O(depth)).
        if params.before:
            qs = qs.filter(created_at__lte=position).filter(Q(created_at__lt=position) | Q(id__lt=cursor))
        else:
            qs = qs.filter(created_at__gte=position).filter(Q(created_at__gt=position) | Q(id__gt=cursor))
    if params.after:
        rows = list(qs.order_by("created_at", "id")[: params.limit + 1])
        has_more = len(rows) > params.limit
        rows = rows[: params.limit]
        return rows, page_info(has_more, next_after=rows[-1].id if has_more and rows else "")
    rows = list(qs.order_by("-created_at", "-id")[: params.limit + 1])
    has_more = len(rows) > params.limit
    rows = list(reversed(rows[: params.limit]))
    return rows, page_info(has_more, next_before=rows[0].id if has_more and rows else "")


def collection_page[T](items: Sequence[T], params: PageParams, key: Callable[[T], str]) -> tuple[list[T], dict]:
    """Id-ordered window over already-sorted, caller-visible items."""
    ids = [key(item) for item in items]
    start, end = 0, len(items)
    if params.after or params.before:
        cursor = params.after or params.before
        if cursor not in ids:
            raise unprocessable(f"invalid cursor {quote(cursor)}")
        index = ids.index(cursor)
        if params.after:
            start = index + 1
        else:
            end = index
    window_start, window_end = start, end
    if end - start > params.limit:
        if params.before:
            window_start = end - params.limit
        else:
            window_end = start + params.limit
    page = list(items[window_start:window_end])
    before_exists = window_start > 0
    after_exists = window_end < len(items)
    return page, page_info(
        before_exists or after_exists,
        next_before=ids[window_start] if before_exists and page else "",
        next_after=ids[window_end - 1] if after_exists and page else "",
    )
