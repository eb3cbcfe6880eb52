"""Validation of send and room requests with the spec's exact error texts (docs/protocol/model.md §8)."""

from __future__ import annotations

from moltnet.errors import unprocessable
from moltnet.gocompat import UrlError, parse_url, quote
from moltnet.ids import id_error, member_id_error, parse_agent_fqid, parse_scoped, trim
from moltnet.roomrules import MAX_IDS, dedupe, member_list_error, room_declaration_error
from rooms.schemas import CreateRoomRequest, PartIn, SendMessageRequest, TargetIn

PART_KINDS = ("text", "url", "data", "file", "image", "audio")


def url_error(raw: str) -> str | None:
    """Spec 01 §8.1 rules 5–7 for one trimmed, non-blank URL, with Go's exact texts."""
    try:
        parsed = parse_url(raw)
    except UrlError as exc:
        return f"url is invalid: {exc}"
    if parsed.scheme not in ("http", "https", "molt"):
        return f"url scheme {quote(parsed.scheme)} is unsupported"
    if parsed.scheme != "molt" and not trim(parsed.host):
        return "url host is required"
    return None


def check_part(index: int, part: PartIn) -> None:
    if trim(part.kind) not in PART_KINDS:
        # Go quotes the kind as sent (untrimmed) in this message.
        raise unprocessable(f"parts[{index}]: unsupported part kind {quote(part.kind)}")
    url = trim(part.url)
    if url and (err := url_error(url)):
        raise unprocessable(f"parts[{index}]: {err}")


def target_error(target: TargetIn) -> str | None:
    kind = target.kind  # exact: " room" is an unsupported kind (only the DMs-disabled gate trims it)
    room_id, thread_id = trim(target.room_id), trim(target.thread_id)
    if kind == "room":
        if not room_id:
            return "target.room_id is required for room messages"
        if err := id_error(room_id):
            return f"target.room_id room id {err}"
        return None
    if kind == "thread":
        if not thread_id:
            return "target.thread_id is required for thread messages"
        if not room_id:
            return "target.room_id is required for thread messages"
        if err := id_error(room_id):
            return f"target.room_id room id {err}"
        if err := id_error(thread_id):
            return f"target.thread_id {err}"
        parent = trim(target.parent_message_id)
        if parent and (err := id_error(parent)):
            return f"target.parent_message_id {err}"
        return None
    if kind == "dm":
        dm_id = trim(target.dm_id)
        participants = dedupe(target.participant_ids)
        if not dm_id:
            return "target.dm_id is required for direct messages"
        if len(participants) < 2:
            return "target.participant_ids must declare at least two direct-message participants"
        if err := id_error(dm_id):
            return f"target.dm_id {err}"
        if len(participants) > MAX_IDS:
            return "target.participant_ids must contain 256 IDs or fewer"
        for index, participant in enumerate(participants):
            if err := member_id_error(participant):
                return f"target.participant_ids[{index}] {err}"
        return None
    return f"unsupported target kind {quote(kind)}"


def check_send(req: SendMessageRequest) -> None:
    """Rules 1–9 of docs/protocol/model.md §8.1; first failure wins."""
    actor_id = trim(req.from_.id)
    if not actor_id:
        raise unprocessable("from.id is required")
    if err := member_id_error(actor_id):
        raise unprocessable(f"from.id {err}")
    if not req.parts:
        raise unprocessable("parts must not be empty")
    for index, part in enumerate(req.parts):
        check_part(index, part)
    message_id = trim(req.id)
    if message_id and (err := id_error(message_id)):
        raise unprocessable(err)
    if err := target_error(req.target):
        raise unprocessable(err)


def is_qualified(member: str) -> bool:
    member = trim(member)
    return parse_scoped(member) is not None or parse_agent_fqid(member) is not None


def check_member_list(name: str, members: list[str]) -> list[str]:
    unique = dedupe(members)
    if err := member_list_error(name, unique):
        raise unprocessable(err)
    return unique


def room_request_error(req: CreateRoomRequest) -> str | None:
    """Spec 01 §8.2 without the 409 (existence is the store's concern)."""
    return room_declaration_error(req.id, req.members, req.visibility, req.write_policy)
