"""Room lifecycle and conversation lookups. Writers record their events in the same transaction."""

from __future__ import annotations

from django.db import DEFAULT_DB_ALIAS, IntegrityError, transaction

from events import log
from moltnet import leansql
from moltnet.errors import ApiError, conflict, not_found, unprocessable
from moltnet.gocompat import quote
from moltnet.ids import is_valid_id, now, room_fqid, trim
from rooms import shapes
from rooms.models import DirectConversation, Room, RoomMember, Thread
from rooms.queries import sorted_groups
from rooms.schemas import CreateRoomRequest, UpdateRoomMembersRequest
from rooms.validation import check_member_list, dedupe, room_request_error


def members_of(room: Room) -> list[str]:
    # Plain SQL: this runs on every send, and the ORM's query compiler costs more than the query.
    rows = leansql.execute(f"SELECT member_id FROM {RoomMember._meta.db_table} WHERE room_id = %s", [room.id])
    return sorted(row[0] for row in rows)


def members_by_room(rooms: list[Room]) -> dict[str, list[str]]:
    """Member lists for many rooms in one query."""
    ids = [room.id for room in rooms]
    return sorted_groups(ids, RoomMember.objects.filter(room_id__in=ids).values_list("room_id", "member_id"))


def live_room(room_id: str) -> Room | None:
    # Plain SQL (leansql): every history read and most room routes ask, and the ORM's query
    # compiler cost ~0.2 ms of a ~1 ms history page.
    room = leansql.fetch_row(Room, room_id)
    return room if room is not None and room.deleted_at is None else None


_WRITE_POLICY_FIELDS = ("id", "network_id", "visibility", "write_policy")


def writable_room(room_id: str) -> Room | None:
    """The live room with what the send path's write policy needs (other fields load on access)."""
    rows = leansql.execute(f"SELECT {', '.join(_WRITE_POLICY_FIELDS)} FROM {Room._meta.db_table} "
                           "WHERE id = %s AND deleted_at IS NULL", [room_id])
    return Room.from_db(DEFAULT_DB_ALIAS, _WRITE_POLICY_FIELDS, rows[0]) if rows else None


def get_live_room(room_id: str) -> Room:
    room = live_room(trim(room_id))
    if room is None:
        raise not_found(f"unknown room {quote(room_id)}")
    return room


def get_thread(thread_id: str) -> tuple[Thread, Room]:
    thread = Thread.objects.filter(id=trim(thread_id)).first()
    if thread is None:
        raise not_found(f"unknown thread {quote(thread_id)}")
    room = live_room(thread.room_id)
    if room is None:
        raise not_found(f"unknown room {quote(thread.room_id)}")
    return thread, room


def get_dm(dm_id: str) -> DirectConversation:
    dm = DirectConversation.objects.filter(dm_id=trim(dm_id)).first()
    if dm is None:
        raise not_found(f"unknown direct conversation {quote(dm_id)}")
    return dm


def dm_participants(dm: DirectConversation) -> list[str]:
    return sorted(dm.participants.values_list("participant_id", flat=True))


def normalized_visibility(value: str) -> str:
    return "public" if value == "public" else "private"


def normalized_write_policy(value: str) -> str:
    return value if value in ("registered_agents", "operators") else "members"


def room_event(event_type: str, room: Room, members: list[str], created_at=None) -> dict:
    return log.build_event(event_type, room.network_id, "room", shapes.room_json(room, members),
                           created_at=created_at)


def check_create_room(req: CreateRoomRequest) -> None:
    if err := room_request_error(req):
        raise unprocessable(err)


def do_create_room(req: CreateRoomRequest, network_id: str) -> tuple[Room, list[str]]:
    """Create a room and publish `room.created`; 409 if the id exists or was ever removed."""
    check_create_room(req)
    room_id = trim(req.id)
    members = sorted(dedupe(req.members))
    room = Room(
        id=room_id, network_id=network_id, fqid=room_fqid(network_id, room_id),
        name=trim(req.name) or room_id, created_at=now(),
        visibility=normalized_visibility(req.visibility), write_policy=normalized_write_policy(req.write_policy),
    )
    try:
        with transaction.atomic():
            if Room.objects.filter(id=room_id).exists():
                raise IntegrityError("room exists")
            room.save(force_insert=True)
            RoomMember.objects.bulk_create([RoomMember(room=room, member_id=m) for m in members])
            log.record(room_event("room.created", room, members, room.created_at), room.created_at)
    except IntegrityError as exc:
        raise conflict(f"room {quote(room_id)} already exists") from exc
    return room, members


def do_update_members(room_id: str, req: UpdateRoomMembersRequest) -> tuple[Room, list[str]]:
    add = check_member_list("add", req.add)
    remove = check_member_list("remove", req.remove)
    with transaction.atomic():
        room = get_live_room(room_id)
        before = members_of(room)
        after = sorted((set(before) | set(add)) - set(remove))
        if after != before:
            RoomMember.objects.filter(room=room, member_id__in=set(before) - set(after)).delete()
            RoomMember.objects.bulk_create([RoomMember(room=room, member_id=m) for m in set(after) - set(before)])
            # Go quirk kept: the event's created_at is the room's creation time.
            log.record(room_event("room.members.updated", room, after, room.created_at), room.created_at)
    return room, after


def do_remove_room(room_id: str) -> Room:
    room_id = trim(room_id)

    if not is_valid_id(room_id):
        raise unprocessable("room id is required")
    with transaction.atomic():
        room = live_room(room_id)
        if room is None:
            raise not_found(f"unknown room {quote(room_id)}")
        members = members_of(room)
        event = room_event("room.removed", room, members)
        room.deleted_at = now()
        room.save(update_fields=["deleted_at"])
        RoomMember.objects.filter(room=room).delete()
        log.record(event)
    return room


def do_reconcile_room(req: CreateRoomRequest, network_id: str) -> tuple[Room, list[str]]:
    """Declared-state apply: create, or replace name/members/policies of an existing room."""
    check_create_room(req)
    room_id = trim(req.id)
    existing = Room.objects.filter(id=room_id).first()
    if existing is None:
        return do_create_room(req, network_id)
    if existing.removed:
        raise ApiError(404, f"unknown room {quote(room_id)}")
    members = sorted(dedupe(req.members))
    with transaction.atomic():
        existing.name = trim(req.name) or room_id
        existing.visibility = normalized_visibility(req.visibility)
        existing.write_policy = normalized_write_policy(req.write_policy)
        existing.save(update_fields=["name", "visibility", "write_policy"])
        RoomMember.objects.filter(room=existing).delete()
        RoomMember.objects.bulk_create([RoomMember(room=existing, member_id=m) for m in members])
    return existing, members
