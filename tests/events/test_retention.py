"""Event retention: old events are pruned and their cursors then yield a replay gap."""

from __future__ import annotations

from datetime import timedelta

import pytest

from attach import replay
from events import retention
from events.log import build_event, record
from events.models import Event
from moltnet.gocompat import parse_duration
from moltnet.ids import now


@pytest.mark.parametrize(("text", "seconds"), [("168h", 168 * 3600), ("90m", 5400), ("1h30m", 5400),
                                               ("1.5s", 1.5), ("0", 0), ("250ms", 0.25)])
def test_go_durations(text, seconds):
    assert parse_duration(text).total_seconds() == seconds


@pytest.mark.parametrize("text", ["", "7d", "h", "1hh", "-1h"])
def test_bad_durations(text):
    with pytest.raises(ValueError):
        parse_duration(text)


def add_event(age: timedelta) -> Event:
    seq = record(build_event("room.removed", "local", "room", {"id": "r", "name": "R"}))
    Event.objects.filter(seq=seq).update(recorded_at=now() - age)
    return Event.objects.get(seq=seq)


def test_prune_drops_expired_events_and_their_cursors_gap(db, configure):
    configure({"server": {"event_retention": "1h"}})
    old = add_event(timedelta(hours=2))
    fresh = add_event(timedelta(minutes=5))
    assert retention.prune() == 1
    assert list(Event.objects.values_list("event_id", flat=True)) == [fresh.event_id]
    plan = replay.plan(old.event_id)
    assert plan.gap is not None and plan.gap.data["replay_gap"]["requested_event_id"] == old.event_id
    assert replay.read_after(plan.after)[0].id == fresh.event_id
    assert replay.plan(fresh.event_id).after == fresh.seq


def test_zero_retention_keeps_everything(db, configure):
    configure({"server": {"event_retention": "0"}})
    add_event(timedelta(days=400))
    assert retention.prune() == 0


def test_empty_log_means_no_replay_and_no_gap(db, configure):
    assert replay.plan("evt_anything") == replay.Plan(None)
    assert replay.plan("") == replay.Plan(None)
