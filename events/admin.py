"""The durable event log in the console: read-only, filterable by type, searchable by id and body."""

from __future__ import annotations

from django.contrib import admin

from console.site import ConsoleModelAdmin, console_site
from events.models import Event


@admin.register(Event, site=console_site)
class EventAdmin(ConsoleModelAdmin):
    read_only = True
    list_display = ["seq", "type", "event_id", "created_at", "recorded_at"]
    list_filter = ["type"]
    search_fields = ["=event_id", "body"]
    ordering = ["-seq"]
    show_full_result_count = False
    list_per_page = 50

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in Event._meta.fields]
