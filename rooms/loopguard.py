"""The loop guard (ours; the Go server has none): a hop budget per conversation.

Agents that answer each other can loop forever. Each room, thread and DM counts its consecutive
agent-authored messages (any `from.type` but `human`, docs/protocol/model.md §3) in one `loop_guard_hops` row,
updated in the send's transaction with one statement. Past the budget, further messages are still
accepted and stored but marked `over_budget` (no longer wakes); the first one publishes
`conversation.paused`. A human message, or an operator's resume, deletes the row and publishes
`conversation.resumed` when the conversation was paused. The guard limits wakes, never speech.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import connection, transaction
from django.db.models import F

from events import log
from moltnet import leansql
from moltnet.config import ServerConfig
from moltnet.config.validate import hop_budget_error
from moltnet.errors import not_found, unprocessable
from moltnet.gocompat import quote
from moltnet.ids import trim
from moltnet.jsonshape import omit_empty
from rooms.models import ConversationHops, DirectConversation, Message, Room, RoomLoopGuard, Thread

PAUSED, RESUMED = "conversation.paused", "conversation.resumed"
KINDS = ("room", "thread", "dm")
_HOPS = ConversationHops._meta.db_table
_ROOMS = RoomLoopGuard._meta.db_table
# One statement per agent message: count it, and read the room's own budget on the way back.
_UPSERT = (f"INSERT INTO {_HOPS} (key, kind, room_id, hops, paused_at) VALUES (%s, %s, %s, 1, NULL) "
           f"ON CONFLICT (key) DO UPDATE SET hops = {_HOPS}.hops + 1 "
           f"RETURNING hops, paused_at, (SELECT max_agent_hops FROM {_ROOMS} WHERE room_id = %s)")
_CLEAR = f"DELETE FROM {_HOPS} WHERE key = %s RETURNING hops, paused_at"


def conversation_of(target: dict) -> tuple[str, str, str, str]:
    """(key, kind, id, room id) of a stored message target."""
    kind = target.get("kind", "")
    room_id = target.get("room_id") or ""
    if kind == "thread":
        return f"thread:{target.get('thread_id', '')}", kind, target.get("thread_id", ""), room_id
    if kind == "dm":
        return f"dm:{target.get('dm_id', '')}", kind, target.get("dm_id", ""), ""
    return f"room:{room_id}", "room", room_id, room_id


def room_budget(room_id: str) -> int | None:
    """The room's own budget, if an operator or the declared rooms set one."""
    return leansql.fetch_value(f"SELECT max_agent_hops FROM {_ROOMS} WHERE room_id = %s", [room_id])


def budget_for(cfg: ServerConfig, room_id: str) -> int:
    override = room_budget(room_id) if room_id else None
    return cfg.max_agent_hops if override is None else override


def _time_param(at: datetime) -> Any:
    return ConversationHops._meta.get_field("paused_at").get_db_prep_value(at, connection)


def conversation_json(key: str, hops: int, budget: int | None, room_id: str = "", **fields: Any) -> dict:
    """`{kind, <kind>_id, room_id (threads), hops, max_agent_hops, ...}` of a conversation."""
    kind, _, ident = key.partition(":")
    body = {"kind": kind, f"{kind}_id": ident, "hops": hops}
    if kind == "thread":
        body["room_id"] = room_id
    if budget is not None:
        body["max_agent_hops"] = budget
    return omit_empty({**body, **fields}, always=("kind", "hops", "paused"))


def _event(event_type: str, network_id: str, payload: dict, at: datetime | None = None) -> dict:
    return log.build_event(event_type, network_id, "conversation", payload, at)


def count_send(message: Message, actor: dict, target: dict, cfg: ServerConfig, at: datetime) -> list[dict]:
    """Count one message about to be stored; the events to publish before its `message.created`.

    Sets `message.over_budget` when the conversation is over its budget. Runs inside the send's
    transaction, before the message row is written (so the mark costs no second statement); a
    send that then finds its id stored already rolls the count back with its savepoint.
    """
    key, _, _, room_id = conversation_of(target)
    if actor.get("type") == "human":
        rows = leansql.execute(_CLEAR, [key])
        if rows and rows[0][1] is not None:
            payload = conversation_json(key, rows[0][0], None, room_id, paused=False, reason="human_message",
                                        by=actor.get("id", ""))
            return [_event(RESUMED, cfg.network_id, payload, at)]
        return []
    # Counted even while the guard is off (budget 0), so turning it on finds the true count.
    hops, paused_at, override = leansql.execute(_UPSERT, [key, target.get("kind", ""), room_id, room_id])[0]
    budget = cfg.max_agent_hops if override is None else override
    if budget <= 0 or hops <= budget:
        if paused_at is None:
            return []
        # Paused under a smaller budget (or with the guard on): the budget now allows this message.
        leansql.execute(f"UPDATE {_HOPS} SET paused_at = NULL WHERE key = %s", [key])
        payload = conversation_json(key, hops, budget, room_id, paused=False, reason="budget_raised")
        return [_event(RESUMED, cfg.network_id, payload, at)]
    message.over_budget = True
    if paused_at is not None:
        return []
    leansql.execute(f"UPDATE {_HOPS} SET paused_at = %s WHERE key = %s", [_time_param(at), key])
    payload = conversation_json(key, hops, budget, room_id, paused=True,
                                reason="over_budget", message_id=message.id)
    return [_event(PAUSED, cfg.network_id, payload, at)]


def check_conversation(kind: str, ident: str) -> tuple[str, str]:
    """(key, room id) of an existing conversation, else 404; an unknown kind is 422."""
    kind, ident = trim(kind), trim(ident)
    if kind not in KINDS:
        raise unprocessable(f"conversation kind must be one of room, thread, dm, got {quote(kind)}")
    if "\x00" in ident:  # no stored id has one, and Postgres refuses it as a parameter
        raise not_found(f"unknown {kind} {quote(ident)}")
    if kind == "room":
        found = Room.objects.filter(id=ident, deleted_at__isnull=True).exists()
        room_id = ident
    elif kind == "thread":
        room_id = Thread.objects.filter(id=ident).values_list("room_id", flat=True).first() or ""
        found = bool(room_id)
    else:
        found, room_id = DirectConversation.objects.filter(dm_id=ident).exists(), ""
    if not found:
        raise not_found(f"unknown {kind} {quote(ident)}")
    return f"{kind}:{ident}", room_id


def do_resume(kind: str, ident: str, network_id: str, by: str) -> bool:
    """Operator resume: reset the counter; publishes `conversation.resumed` if it was paused."""
    key, room_id = check_conversation(kind, ident)
    with transaction.atomic():
        rows = leansql.execute(_CLEAR, [key])
        paused = bool(rows) and rows[0][1] is not None
        if paused:
            payload = conversation_json(key, rows[0][0], None, room_id, paused=False, reason="operator", by=by)
            log.record(_event(RESUMED, network_id, payload))
    return paused


def do_set_room_budget(room_id: str, budget: int | None) -> None:
    """A room's own budget (None: back to the network's)."""
    if budget is not None and (err := hop_budget_error(budget, "max_agent_hops")):
        raise unprocessable(err)
    if "\x00" in room_id or not Room.objects.filter(id=trim(room_id), deleted_at__isnull=True).exists():
        raise not_found(f"unknown room {quote(room_id)}")
    if budget is None:
        RoomLoopGuard.objects.filter(room_id=trim(room_id)).delete()
    else:
        RoomLoopGuard.objects.update_or_create(room_id=trim(room_id), defaults={"max_agent_hops": budget})


STATUS_LIMIT = 200


def status(cfg: ServerConfig) -> dict:
    """The network budget, the rooms' own budgets and the counting conversations: paused ones first,
    then the longest runs (at most STATUS_LIMIT)."""
    rooms = {r.room_id: r.max_agent_hops for r in RoomLoopGuard.objects.order_by("room_id")}
    counting = []
    rows = ConversationHops.objects.order_by(F("paused_at").asc(nulls_last=True), "-hops", "key")[:STATUS_LIMIT]
    for row in rows:
        budget = rooms.get(row.room_id, cfg.max_agent_hops) if row.room_id else cfg.max_agent_hops
        counting.append(conversation_json(row.key, row.hops, budget, row.room_id, paused=row.paused_at is not None))
    return {"max_agent_hops": cfg.max_agent_hops,
            "rooms": [{"room_id": k, "max_agent_hops": v} for k, v in rooms.items()],
            "conversations": counting}


def apply_declared(rooms: list) -> None:
    """Declared rooms' `loop_guard.max_agent_hops` (start-up): set where given, left alone otherwise."""
    for room in rooms:
        if room.max_agent_hops is not None:
            RoomLoopGuard.objects.update_or_create(room_id=trim(room.id), defaults={"max_agent_hops":
                                                                                   room.max_agent_hops})
