"""Room test helpers: targets (room, thread, DM), text parts, the event types in the log."""

from __future__ import annotations

from events.models import Event


def text(body: str) -> list[dict]:
    return [{"kind": "text", "text": body}]


def room(room_id: str = "lab") -> dict:
    return {"kind": "room", "room_id": room_id}


def thread(thread_id: str, room_id: str = "lab", **extra) -> dict:
    return {"kind": "thread", "room_id": room_id, "thread_id": thread_id, **extra}


def dm(dm_id: str, *participants: str) -> dict:
    return {"kind": "dm", "dm_id": dm_id, "participant_ids": list(participants or ("ada", "grace"))}


def event_types() -> list[str]:
    """Event types in log order."""
    return list(Event.objects.order_by("seq").values_list("type", flat=True))
