"""Read-side queries for history and listings."""

from __future__ import annotations

from django.db.models import QuerySet

from rooms.models import Artifact, DirectConversation, DirectParticipant, Message, Room, Thread


def live_rooms() -> list[Room]:
    # Byte order, not the database collation (spec 02 §1.6).
    return sorted(Room.objects.filter(deleted_at__isnull=True), key=lambda r: r.id)


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


def participants_by_dm(dms: list[DirectConversation]) -> dict[str, list[str]]:
    result: dict[str, list[str]] = {dm.dm_id: [] for dm in dms}
    rows = DirectParticipant.objects.filter(dm_id__in=list(result)).values_list("dm_id", "participant_id")
    for dm_id, participant in rows:
        result[dm_id].append(participant)
    return {k: sorted(v) for k, v in result.items()}


def artifacts_for(*, thread_id: str = "", dm_id: str = "", room_id: str = "") -> QuerySet:
    """The first non-empty of thread, dm, room applies; room includes its threads' artifacts."""
    if thread_id:
        return Artifact.objects.filter(thread_id=thread_id)
    if dm_id:
        return Artifact.objects.filter(dm_id=dm_id)
    return Artifact.objects.filter(room_id=room_id)
