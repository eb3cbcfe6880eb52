"""The durable event log in the console: read-only, filterable by type, searchable by id and body."""

from __future__ import annotations

import json

from django.contrib import admin
from django.utils.html import format_html

from console.site import ConsoleModelAdmin, console_site
from events.models import Event


def subject_of(body: dict) -> str:
    """What an event is about, in a few words (the payload key docs/protocol/model.md §4.14 says is present)."""
    if message := body.get("message"):
        target = message.get("target") or {}
        where = {"room": f"# {target.get('room_id', '')}", "thread": f"thread {target.get('thread_id', '')}",
                 "dm": f"dm {target.get('dm_id', '')}"}.get(target.get("kind", ""), "")
        sender = (message.get("from") or {}).get("id", "")
        return f"{sender} → {where}".strip()
    for key, field in (("room", "id"), ("thread", "id"), ("dm", "id"), ("agent", "agent_id"), ("pairing", "id")):
        if payload := body.get(key):
            return f"{key} {payload.get(field, '')}"
    if gap := body.get("replay_gap"):
        return f"gap after {gap.get('requested_event_id', '')}"
    return ""


@admin.register(Event, site=console_site)
class EventAdmin(ConsoleModelAdmin):
    read_only = True
    list_display = ["seq", "type", "subject", "event_id", "created_at"]
    list_filter = ["type"]
    search_fields = ["=event_id", "body"]
    ordering = ["-seq"]
    show_full_result_count = False
    list_per_page = 50
    fields = ["seq", "event_id", "type", "network_id", "created_at", "recorded_at", "event"]

    def get_readonly_fields(self, request, obj=None):
        return self.fields

    @admin.display(description="about")
    def subject(self, event: Event) -> str:
        return subject_of(json.loads(event.body))

    @admin.display(description="event JSON")
    def event(self, event: Event) -> str:
        return format_html("<pre>{}</pre>", json.dumps(json.loads(event.body), indent=2, ensure_ascii=False))
