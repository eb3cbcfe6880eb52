"""Read-side queries for history and listings."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import NamedTuple

from django.db.models import QuerySet

from moltnet import leansql
from moltnet.pagination import PageParams, history_page, page_info
from rooms.models import Artifact, DirectConversation, DirectParticipant, Message, Room, Thread
from rooms.shapes import MESSAGE_COLUMNS


def live_rooms() -> list[Room]:
    # Byte order, not the database collation (docs/protocol/http-api.md §1.6).
    return sorted(Room.objects.filter(deleted_at__isnull=True), key=lambda r: r.id)


# Which column holds a conversation's id, per message kind (the history routes).
_CONVERSATION_COLUMN = {"room": "room_id", "thread": "thread_id", "dm": "dm_id"}


def message_history(kind: str, conversation_id: str, params: PageParams,
                    include_hidden: bool = False) -> tuple[list, dict]:
    """A history page of a room, thread or DM as rows of rooms.shapes.MESSAGE_COLUMNS.

    The newest page (no cursor) — what clients read most — is one plain SQL query on the
    (conversation, created_at, id) index; pages behind a cursor go through history_page.
    Messages a moderator hid are left out unless `include_hidden` (admin callers).
    """
    if params.before or params.after:
        qs = Message.objects.filter(**{_CONVERSATION_COLUMN[kind]: conversation_id, "target_kind": kind})
        if not include_hidden:
            qs = qs.filter(hidden_at__isnull=True)
        return history_page(qs.values_list(*MESSAGE_COLUMNS, named=True), params)
    table, column = Message._meta.db_table, _CONVERSATION_COLUMN[kind]
    visible = "" if include_hidden else "AND hidden_at IS NULL "
    rows = leansql.execute(
        f"SELECT {', '.join(MESSAGE_COLUMNS)} FROM {table} WHERE {column} = %s AND target_kind = %s {visible}"
        "ORDER BY created_at DESC, id DESC LIMIT %s", [conversation_id, kind, params.limit + 1])
    has_more = len(rows) > params.limit
    page = [_MessageRow(*row) for row in reversed(rows[: params.limit])]
    return page, page_info(has_more, next_before=page[0].id if has_more and page else "")


class _MessageRow(NamedTuple):
    id: str
    network_id: str
    origin_json: str
    mentions_json: str
    target_json: str
    from_json: str
    parts_json: str
    created_at: datetime | str  # SQLite: the stored RFC 3339 text; Postgres: a datetime
    over_budget: bool | None
    hidden_at: datetime | str | None


def room_history(room_id: str) -> QuerySet:
    return Message.objects.filter(room_id=room_id, target_kind="room")


def thread_history(thread_id: str) -> QuerySet:
    return Message.objects.filter(thread_id=thread_id, target_kind="thread")


def dm_history(dm_id: str) -> QuerySet:
    return Message.objects.filter(dm_id=dm_id, target_kind="dm")


def threads_of(room_id: str) -> list[Thread]:
    return sorted(Thread.objects.filter(room_id=room_id), key=lambda t: t.id)


def thread_exists(thread_id: str) -> bool:
    return Thread.objects.filter(id=thread_id).exists()


def all_dms() -> list[DirectConversation]:
    return sorted(DirectConversation.objects.all(), key=lambda d: d.dm_id)


def sorted_groups(keys: Iterable[str], rows: Iterable[tuple[str, str]]) -> dict[str, list[str]]:
    """`{key: sorted values}` of (key, value) rows, in the order of `keys`; a key no row names gets []."""
    result: dict[str, list[str]] = {key: [] for key in keys}
    for key, value in rows:
        result[key].append(value)
    return {key: sorted(values) for key, values in result.items()}


def participants_by_dm(dms: list[DirectConversation]) -> dict[str, list[str]]:
    ids = [dm.dm_id for dm in dms]
    return sorted_groups(ids, DirectParticipant.objects.filter(dm_id__in=ids).values_list("dm_id", "participant_id"))


def artifacts_for(*, thread_id: str = "", dm_id: str = "", room_id: str = "", include_hidden: bool = False) -> QuerySet:
    """The first non-empty of thread, dm, room applies; room includes its threads' artifacts.
    Artifacts of messages a moderator hid are left out unless `include_hidden` (admin callers)."""
    visible = Artifact.objects.all() if include_hidden else Artifact.objects.filter(message__hidden_at__isnull=True)
    if thread_id:
        return visible.filter(thread_id=thread_id)
    if dm_id:
        return visible.filter(dm_id=dm_id)
    return visible.filter(room_id=room_id)
