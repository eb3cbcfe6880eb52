"""The one send path (docs/protocol/http-api.md §4.8): every message — HTTP, console composer, relay — comes here.

`check_*` steps validate and resolve without writing; `do_send` writes the message, its
conversation, artifacts and events in one transaction. Duplicate ids are accepted idempotently.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from django.db.models import F

from agents.auth import Caller
from agents.identity import SenderFacts, check_sender
from events import log
from moltnet import jsonshape, leansql, wireshapes
from moltnet.batchmemo import memoized
from moltnet.config import ServerConfig
from moltnet.errors import ApiError
from moltnet.gocompat import quote
from moltnet.ids import (
    actor_matches,
    agent_fqid,
    artifact_fqid,
    dm_fqid,
    message_event_id,
    new_message_id,
    now,
    parse_agent_fqid,
    parse_scoped,
    remote_participant_id,
    scoped_id,
    thread_fqid,
    trim,
)
from rooms import loopguard, mentions, shapes
from rooms.access import require_writable
from rooms.models import Artifact, DirectConversation, DirectParticipant, Message, Room, Thread
from rooms.schemas import SendMessageRequest
from rooms.services import live_room, members_of, writable_room
from rooms.validation import check_send, dedupe


@dataclass(frozen=True)
class Accepted:
    message_id: str
    event_id: str
    thread_created: bool = False
    dm_created: bool = False

    def as_json(self) -> dict:
        return wireshapes.accepted({"message_id": self.message_id, "event_id": self.event_id, "accepted": True,
                                    "thread_created": self.thread_created, "dm_created": self.dm_created})


@dataclass(frozen=True)
class CheckedSend:
    """What `check_send_request` resolved: the message id and its wire-shaped actor and target."""

    message_id: str
    actor: dict
    target: dict
    mentions: list[str]


def normalize_actor(actor: dict, local: str) -> dict:
    network = actor.get("network_id") if trim(actor.get("network_id")) else local
    fqid = actor.get("fqid") if trim(actor.get("fqid")) else ""
    if not fqid and trim(actor.get("id")):
        fqid = agent_fqid(network, actor["id"])
    return shapes.actor_json({**actor, "network_id": network, "fqid": fqid})


def normalize_participants(participants: list[str], actor: dict) -> list[str]:
    """Spec 01 §7: rewrite to scoped form only when some participant is scoped or an FQID."""
    qualified = [p for p in participants if parse_scoped(trim(p)) or parse_agent_fqid(trim(p))]
    if not qualified:
        return list(participants)
    result: list[str] = []
    for raw in participants:
        value = trim(raw)
        if actor_matches(actor["network_id"], actor["id"], value):
            result.append(scoped_id(actor["network_id"], actor["id"]))
            continue
        ref = parse_scoped(value) or parse_agent_fqid(value)
        if ref:
            result.append(f"{ref.network}:{ref.agent}")
    return dedupe(result)


def write_room_for(target: dict) -> Room:
    """The room whose write policy applies: the stored thread's room, else target.room_id."""
    room_id = target["room_id"]
    if target["kind"] == "thread":
        thread = Thread.objects.filter(id=target["thread_id"]).first()
        if thread is not None:
            room_id = thread.room_id
    room = memoized(("live_room", room_id), lambda: writable_room(room_id))
    if room is None:
        raise ApiError(404, f"unknown room {quote(room_id)}")
    return room


def room_members(room: Room) -> list[str]:
    return memoized(("members", room.id), lambda: members_of(room))


def resolve_mentions(req: SendMessageRequest, target: dict, cfg: ServerConfig,
                     known: tuple[str, list[str]] | None = None) -> list[str]:
    """Spec 01 §10; `known` is (room id, members) already loaded by the write-policy step."""
    texts = [p.text for p in req.parts if p.kind == "text" and p.text]
    cands = mentions.candidates(req.mentions, texts)
    if not cands:
        return []
    if target["kind"] == "dm":
        member_list = list(req.target.participant_ids)
    elif known is not None and known[0] == target["room_id"]:
        member_list = known[1]
    else:
        room = live_room(target["room_id"])
        if room is None:
            raise ApiError(404, f'unknown room {quote(target["room_id"])}')
        member_list = members_of(room)
    aliases = mentions.network_aliases(cfg.network_id, cfg.network_name, cfg.pairings)
    return mentions.resolve(cands, member_list, cfg.network_id, aliases)


def check_send_request(caller: Caller, req: SendMessageRequest, cfg: ServerConfig) -> CheckedSend:
    """Steps 2–9: gates, identity, validation, write policy, mentions. Writes nothing."""
    local = cfg.network_id
    if trim(req.target.kind) == "dm" and not cfg.direct_messages:
        raise ApiError(403, "direct messages are disabled for this network")
    if req.from_.type == "human" and not cfg.human_ingress:
        raise ApiError(403, "human ingress is disabled for this network")
    facts = SenderFacts(req.from_.type, req.from_.id, req.from_.network_id, req.from_.fqid, req.origin.network_id)
    check_sender(caller, facts, local)
    message_id = trim(req.id) or new_message_id()
    check_send(req)
    actor = normalize_actor(req.from_.model_dump(), local)
    target = req.target.model_dump()  # kind is exact here (validated)
    for key in ("room_id", "thread_id", "parent_message_id", "dm_id"):
        target[key] = trim(target[key])
    known = None
    if target["kind"] in ("room", "thread"):
        room = write_room_for(target)
        known = (room.id, room_members(room))
        require_writable(caller, room, known[1], actor, local)
    resolved = resolve_mentions(req, target, cfg, known)
    if target["kind"] == "dm":
        target["participant_ids"] = normalize_participants(req.target.participant_ids, actor)
    return CheckedSend(message_id, actor, shapes.target_json(target), resolved)


def is_artifact(part: dict) -> bool:
    return part.get("kind") != "text" or any(part.get(k) for k in ("url", "filename", "media_type"))


def _artifacts(message: Message, parts: list[dict], target: dict) -> list[Artifact]:
    found = []
    for index, part in enumerate(parts):
        if not is_artifact(part):
            continue
        artifact_id = f"art_{message.id}_{index}"
        found.append(Artifact(
            id=artifact_id, network_id=message.network_id, fqid=artifact_fqid(message.network_id, artifact_id),
            message=message, target_kind=message.target_kind, room_id=message.room_id, thread_id=message.thread_id,
            dm_id=message.dm_id, target_json=jsonshape.dumps(target), part_index=index, kind=part.get("kind", ""),
            media_type=part.get("media_type") or None, filename=part.get("filename") or None,
            url=part.get("url") or None, created_at=message.created_at,
        ))
    return found


def _upsert_thread(target: dict, network: str, at: datetime) -> Thread:
    thread, _ = Thread.objects.get_or_create(
        id=target["thread_id"],
        defaults={"network_id": network, "fqid": thread_fqid(network, target["thread_id"]),
                  "room_id": target["room_id"], "parent_message_id": target.get("parent_message_id", ""),
                  "message_count": 0, "last_message_at": at},
    )
    Thread.objects.filter(pk=thread.pk).update(message_count=F("message_count") + 1, last_message_at=at)
    thread.refresh_from_db()
    return thread


def _upsert_dm(target: dict, actor: dict, network: str, at: datetime) -> tuple[DirectConversation, list[str]]:
    dm, _ = DirectConversation.objects.get_or_create(
        dm_id=target["dm_id"],
        defaults={"network_id": network, "fqid": dm_fqid(network, target["dm_id"]), "message_count": 0,
                  "last_message_at": at},
    )
    DirectConversation.objects.filter(pk=dm.pk).update(message_count=F("message_count") + 1, last_message_at=at)
    dm.refresh_from_db()
    wanted = set(dedupe(target.get("participant_ids") or []))
    wanted.add(remote_participant_id(actor["network_id"], actor["id"], network))
    have = set(dm.participants.values_list("participant_id", flat=True))
    DirectParticipant.objects.bulk_create([DirectParticipant(dm=dm, participant_id=p) for p in sorted(wanted - have)])
    return dm, sorted(wanted | have)


def do_send(caller: Caller, req: SendMessageRequest, cfg: ServerConfig, checked: CheckedSend | None = None) -> Accepted:
    """Validate (unless `checked` is check_send_request's answer already), then store the message
    and its events atomically; a known id is an idempotent retry."""
    checked = checked or check_send_request(caller, req, cfg)
    message_id, actor, target = checked.message_id, checked.actor, checked.target
    local = cfg.network_id
    event_id = message_event_id(message_id)
    created_at = now()
    parts = [shapes.part_json(p.model_dump()) for p in req.parts]
    origin = {"network_id": trim(req.origin.network_id) or local,
              "message_id": trim(req.origin.message_id) or message_id}
    message = Message(
        id=message_id, network_id=local, target_kind=target["kind"], room_id=target.get("room_id") or None,
        thread_id=target.get("thread_id") or None, parent_message_id=target.get("parent_message_id") or None,
        dm_id=target.get("dm_id") or None, target_json=jsonshape.dumps(target), from_json=jsonshape.dumps(actor),
        parts_json=jsonshape.dumps(parts), mentions_json=json.dumps(checked.mentions) if checked.mentions else "null",
        origin_json=jsonshape.dumps(origin), created_at=created_at,
    )
    try:
        with leansql.savepoint("moltnet_send"):
            # The loop guard's count first, so the row is written with its over_budget mark.
            guard_events = loopguard.count_send(message, actor, target, cfg, created_at)
            # A stored id (a retry, or a concurrent sender first) writes no row: the idempotent
            # answer, with the count undone by this block's savepoint.
            if not leansql.insert(message, if_absent=True):
                raise _AlreadyStoredError
            events = _store_rest(message, actor, target, parts, local, created_at, event_id, guard_events,
                                 (origin, checked.mentions or None))
            thread_created = any(e["type"] == "thread.created" for e in events)
            dm_created = any(e["type"] == "dm.created" for e in events)
            for event in events:
                log.record(event, created_at)
    except _AlreadyStoredError:
        return Accepted(message_id, event_id)
    return Accepted(message_id, event_id, thread_created, dm_created)


class _AlreadyStoredError(Exception):
    """The message id is stored already (raised inside the send's savepoint to undo its writes)."""


def _store_rest(message: Message, actor: dict, target: dict, parts: list[dict], local: str, created_at: datetime,
                event_id: str, guard_events: list[dict], origin_mentions: tuple[dict, list | None]) -> list[dict]:
    """After the message row: its thread or DM and its artifacts; returns the events to record, in
    order (a new thread or DM, the loop guard's pause or resume, then `message.created`)."""
    events = []
    if target["kind"] == "thread":
        thread = _upsert_thread(target, local, created_at)
        if thread.message_count == 1:
            events.append(log.build_event("thread.created", local, "thread", shapes.thread_json(thread), created_at))
    elif target["kind"] == "dm":
        dm, participants = _upsert_dm(target, actor, local, created_at)
        if dm.message_count == 1:
            events.append(log.build_event("dm.created", local, "dm", shapes.dm_json(dm, participants), created_at))
    events.extend(guard_events)
    if artifacts := _artifacts(message, parts, target):
        Artifact.objects.bulk_create(artifacts)
    origin, mentions = origin_mentions
    body = shapes.new_message_json(message, origin, target, actor, parts, mentions)
    events.append(log.build_event("message.created", local, "message", body, created_at, event_id=event_id))
    return events
