"""The search service: GET /v1/search, the console's search box and the MCP tool all call it.

Visibility is not a policy of its own: a room's messages are searched when `rooms.access.can_read`
lets the caller read that room's history, DMs when the caller could read DM history (observe or
admin, DMs enabled), hidden messages only for admins (as history), and a filter on a room,
thread or DM fails with the error its history route gives for the same id.

One addition, for agents: an agent token also finds what was said in its own conversations, the
rooms it is a member of and the DMs it takes part in (the events it is woken for), which Go's
history routes never show an agent token (they ask for observe or admin).
"""

from __future__ import annotations

import json
import re
from datetime import datetime
from typing import Any

from agents.auth import Caller
from moltnet import state
from moltnet.errors import forbidden, unprocessable
from moltnet.ids import id_error, parse_time, trim
from moltnet.jsonshape import dumps
from moltnet.pagination import PageParams, page_info, parse_page_params
from rooms import queries as room_queries
from rooms.access import can_read, require_dms, require_readable
from rooms.models import DirectParticipant, RoomMember
from rooms.services import get_dm, get_live_room, get_thread
from rooms.shapes import message_json_text
from search import queries
from search.syntax import parse_query

ORDERS = ("newest", "relevance")
_RFC3339 = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$", re.IGNORECASE)


def search_messages(caller: Caller, *, q: str, room_id: str | None = None, thread_id: str | None = None,
                    dm_id: str | None = None, from_agent: str | None = None, since: str | datetime | None = None,
                    until: str | datetime | None = None, limit: int | str | None = None, before: str | None = None,
                    order: str = "newest") -> dict[str, Any]:
    """`{"messages": [...], "page": {...}}`, the body GET /v1/search answers; raises ApiError on bad input.

    Each message is the history message object plus `snippet` (matches in `[[…]]`), newest first
    (`order="newest"`) or best match first (`order="relevance"`).
    """
    return json.loads(search_page_text(caller, q=q, room_id=room_id, thread_id=thread_id, dm_id=dm_id,
                                       from_agent=from_agent, since=since, until=until, limit=limit,
                                       before=before, order=order))


def search_page_text(caller: Caller, *, q: str, room_id: str | None = None, thread_id: str | None = None,
                     dm_id: str | None = None, from_agent: str | None = None, since: str | datetime | None = None,
                     until: str | datetime | None = None, limit: int | str | None = None,
                     before: str | None = None, order: str = "newest") -> str:
    """The JSON text of a search page; each message is spelled byte for byte as history spells it."""
    params = _page_params(limit, before)
    order = trim(order) or "newest"
    if order not in ORDERS:
        raise unprocessable('order must be "newest" or "relevance"')
    scope = check_scope(caller, room_id=trim(room_id), thread_id=trim(thread_id), dm_id=trim(dm_id))
    scope.from_agent = _agent_id(from_agent)
    scope.since, scope.until = _time("since", since), _time("until", until)
    parsed = parse_query(q or "")
    hits, has_more = queries.search(parsed, q.strip(), scope, limit=params.limit, before=params.before,
                                    relevance=order == "relevance")
    info = page_info(has_more, next_before=hits[-1].row.id if has_more and hits else "")
    items = (message_json_text(hit.row)[:-1] + ',"snippet":' + dumps(hit.snippet) + "}" for hit in hits)
    return '{"messages":[' + ",".join(items) + '],"page":' + dumps(info) + "}"


def check_scope(caller: Caller, *, room_id: str = "", thread_id: str = "", dm_id: str = "") -> queries.Scope:
    """The messages this caller may search, narrowed to one room, thread or DM when asked."""
    if sum(bool(x) for x in (room_id, thread_id, dm_id)) > 1:
        raise unprocessable("give at most one of room_id, thread_id, dm_id")
    include_hidden = caller.has_any("admin")  # as history: only admins are shown hidden messages
    agent = agent_of(caller)
    member_of = set(RoomMember.objects.filter(member_id=agent).values_list("room_id", flat=True)) if agent else set()
    if room_id:
        room = get_live_room(room_id)
        if room.id not in member_of:
            require_readable(caller, room)
        return queries.Scope(room_ids=[room.id], include_hidden=include_hidden)
    if thread_id:
        thread, room = get_thread(thread_id)
        if room.id not in member_of:
            require_readable(caller, room)
        return queries.Scope(room_ids=[room.id], thread_id=thread.id, include_hidden=include_hidden)
    dms_enabled = state.config().direct_messages
    if dm_id:
        if agent and dms_enabled and _takes_part(agent, dm_id):
            return queries.Scope(dm_ids=[dm_id], dm_id=dm_id, include_hidden=include_hidden)
        require_dm_reader(caller)
        dm = get_dm(dm_id)
        return queries.Scope(include_dms=True, dm_id=dm.dm_id, include_hidden=include_hidden)
    rooms = [room.id for room in room_queries.live_rooms() if room.id in member_of or can_read(caller, room)]
    include_dms = caller.can_observe and dms_enabled
    own_dms = _own_dms(agent) if agent and dms_enabled and not include_dms else []
    return queries.Scope(room_ids=rooms, include_dms=include_dms, dm_ids=own_dms, include_hidden=include_hidden)


def agent_of(caller: Caller) -> str:
    """The agent an agent token speaks for ('' for every other caller)."""
    claims = caller.claims
    return claims.agent_id if claims is not None and claims.is_agent_token else ""


def _takes_part(agent: str, dm_id: str) -> bool:
    return DirectParticipant.objects.filter(dm_id=dm_id, participant_id=agent).exists()


def _own_dms(agent: str) -> list[str]:
    return list(DirectParticipant.objects.filter(participant_id=agent).values_list("dm_id", flat=True))


def require_dm_reader(caller: Caller) -> None:
    """DM history is REQ(observe, admin) and needs DMs enabled; the same holds for searching a DM."""
    if not caller.can_observe:
        raise forbidden()
    require_dms()


def _page_params(limit: int | str | None, before: str | None) -> PageParams:
    return parse_page_params({"limit": "" if limit is None else str(limit), "before": before or ""})


def _agent_id(value: str | None) -> str:
    agent = trim(value)
    if agent and (err := id_error(agent)):
        raise unprocessable(f"from {err}")
    return agent


def _time(name: str, value: str | datetime | None) -> datetime | None:
    if value is None or isinstance(value, datetime):
        return value
    text = trim(value)
    if not text:
        return None
    try:
        if not _RFC3339.match(text):
            raise ValueError(text)
        return parse_time(text)
    except ValueError:
        raise unprocessable(f"{name} must be an RFC 3339 time, e.g. 2026-12-04T10:00:00Z") from None
