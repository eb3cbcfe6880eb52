"""Reading the durable log: pages after a seq, and where a cursor resumes (docs/protocol/events.md §5.2, adapted).

The Go server replays from a 256-event memory ring. Here the ring is the log itself: a known
cursor resumes right after its row however old it is (while retained); an unknown or pruned
cursor yields `stream.replay_gap` followed by the newest REPLAY_WINDOW events, which is what
Go's "whole buffer" means; an `evt_gap_…` cursor replays that window again without a gap event.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from events.log import build_event
from events.models import Event
from moltnet import jsonshape, leansql
from moltnet.ids import message_event_id, replay_gap_event_id
from rooms.models import Message

REPLAY_WINDOW = 256
PAGE = 500


@dataclass
class LogEvent:
    """One event as read from the log; `data` is parsed once and shared by all subscribers."""

    seq: int
    id: str
    type: str
    body: str
    hidden: bool = False  # a message a moderator hid: replayed to admins only

    @cached_property
    def data(self) -> dict[str, Any]:
        return json.loads(self.body)

    @classmethod
    def committed(cls, seq: int, event_id: str, event_type: str, body: str, data: dict[str, Any]) -> LogEvent:
        """An event this process just appended, with the dict its body was encoded from as `data`
        (not parsed back)."""
        event = cls(seq, event_id, event_type, body)
        event.__dict__["data"] = data  # where cached_property keeps its value
        return event


@dataclass
class Plan:
    """Where delivery starts: replay rows with seq > after (None = live only), after an optional gap."""

    after: int | None
    gap: LogEvent | None = None


# Plain SQL: every attachment runs these (IDENTIFY, then replay), and the ORM's query compiler
# cost more than the queries themselves.
_AFTER = f"SELECT seq, event_id, type, body FROM {Event._meta.db_table} WHERE seq > %s ORDER BY seq LIMIT %s"
_NEWEST = f"SELECT seq FROM {Event._meta.db_table} ORDER BY seq DESC LIMIT 1 OFFSET %s"


def read_after(after: int, limit: int = PAGE) -> list[LogEvent]:
    events = [LogEvent(*row) for row in leansql.execute(_AFTER, [after, limit])]
    if any(event.type == "message.created" for event in events) and (hidden := hidden_event_ids()):
        for event in events:
            event.hidden = event.id in hidden
    return events


def hidden_event_ids() -> set[str]:
    """`message.created` event ids of the messages a moderator hid (few: a partial index finds them)."""
    ids = Message.objects.filter(hidden_at__isnull=False).values_list("id", flat=True)
    return {message_event_id(message_id) for message_id in ids}


def newest_seq() -> int:
    return leansql.fetch_value(_NEWEST, [0]) or 0


def window_floor() -> int:
    """The seq just below the newest REPLAY_WINDOW events (0 for a short or empty log).

    A replayed `agent.removed` ends the session only when it lies above this floor: inside the
    window Go's 256-event ring would still hold. Older removals were already answered by the
    registration this IDENTIFY made, so a node resuming from an old cursor is not kicked on
    every reconnect for as long as the durable log retains the removal.
    """
    oldest = leansql.fetch_value(_NEWEST, [REPLAY_WINDOW - 1])
    return oldest - 1 if oldest is not None else 0


def plan(cursor: str) -> Plan:
    cursor = (cursor or "").strip()
    if not cursor:
        return Plan(None)
    window = list(Event.objects.order_by("-seq").values_list("seq", "event_id", "network_id")[:REPLAY_WINDOW])
    if not window:
        return Plan(None)  # empty log: no replay and no gap, as with Go's empty buffer
    window_after = window[-1][0] - 1
    if cursor.startswith("evt_gap_"):
        return Plan(window_after)
    found = Event.objects.filter(event_id=cursor).values_list("seq", flat=True).first()
    if found is not None:
        return Plan(found)
    gap = build_event("stream.replay_gap", window[0][2], "replay_gap",
                      jsonshape.omit_empty({"requested_event_id": cursor, "oldest_event_id": window[-1][1],
                                            "newest_event_id": window[0][1]}),
                      event_id=replay_gap_event_id(cursor))
    return Plan(window_after, LogEvent(0, gap["id"], gap["type"], jsonshape.dumps(gap)))
