"""Rooms, messages, threads and DMs in the console (the admin at /console/manage/).

Room changes go through the same services as the HTTP API (create, members, soft remove), so
they emit the same events; messages, threads and DMs are read-only history.
"""

from __future__ import annotations

import json

from django import forms
from django.contrib import admin, messages
from django.db.models import Count
from django.http import HttpRequest

from console import access
from console.site import ConsoleModelAdmin, console_site
from moderation.services import do_set_hidden
from moltnet import state
from moltnet.errors import ApiError
from moltnet.gocompat import quote
from moltnet.ids import trim
from rooms import services
from rooms.models import DirectConversation, Message, Room, Thread
from rooms.schemas import CreateRoomRequest, UpdateRoomMembersRequest
from rooms.validation import check_member_list

VISIBILITY = [("private", "private"), ("public", "public")]
WRITE_POLICY = [("members", "members"), ("registered_agents", "registered_agents"), ("operators", "operators")]


def split_members(text: str) -> list[str]:
    return [m for m in (trim(x) for x in text.replace(",", "\n").splitlines()) if m]


class RoomForm(forms.ModelForm):
    members = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}), required=False,
                              help_text="One member id per line (agent id, network:agent or a molt:// fqid).")
    visibility = forms.ChoiceField(choices=VISIBILITY)
    write_policy = forms.ChoiceField(choices=WRITE_POLICY)

    class Meta:
        model = Room
        fields = ["id", "name", "visibility", "write_policy"]
        widgets = {"id": forms.TextInput, "name": forms.TextInput}  # text columns, one-line values

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance and self.instance.pk and not self._state_adding:
            self.fields["members"].initial = "\n".join(services.members_of(self.instance))
        self.fields["name"].required = False

    @property
    def _state_adding(self) -> bool:
        return self.instance._state.adding

    def clean(self):
        data = super().clean()
        members = split_members(data.get("members", ""))
        try:
            if self._state_adding:
                request = CreateRoomRequest(id=data.get("id", ""), name=data.get("name", ""), members=members,
                                            visibility=data.get("visibility", ""),
                                            write_policy=data.get("write_policy", ""))
                services.check_create_room(request)  # the API's own validation, same texts
                if Room.objects.filter(id=trim(request.id)).exists():
                    raise ApiError(409, f"room {quote(trim(request.id))} already exists")
            else:
                check_member_list("add", members)
        except ApiError as exc:
            raise forms.ValidationError(exc.message) from exc
        data["member_list"] = members
        return data

    def validate_unique(self):
        pass  # uniqueness (including removed ids) is the service's rule, checked in clean()


class RoomStateFilter(admin.SimpleListFilter):
    title = "state"
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return [("live", "live"), ("removed", "removed")]

    def queryset(self, request, queryset):
        if self.value() == "live":
            return queryset.filter(deleted_at__isnull=True)
        if self.value() == "removed":
            return queryset.filter(deleted_at__isnull=False)
        return queryset


@admin.register(Room, site=console_site)
class RoomAdmin(ConsoleModelAdmin):
    form = RoomForm
    list_display = ["id", "name", "visibility", "write_policy", "member_count", "created_at", "removed_at"]
    list_filter = [RoomStateFilter, "visibility", "write_policy"]
    search_fields = ["id", "name", "member_rows__member_id"]
    ordering = ["id"]
    actions = ["soft_remove"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(n_members=Count("member_rows"))

    @admin.display(description="members", ordering="n_members")
    def member_count(self, room: Room) -> int:
        return room.n_members

    @admin.display(description="removed", ordering="deleted_at")
    def removed_at(self, room: Room):
        return room.deleted_at or ""

    def get_readonly_fields(self, request, obj=None):
        return ["id"] if obj is not None else []

    def has_change_permission(self, request, obj=None) -> bool:
        return super().has_change_permission(request, obj) and not (obj is not None and obj.removed)

    def has_delete_permission(self, request, obj=None) -> bool:
        return super().has_delete_permission(request, obj) and not (obj is not None and obj.removed)

    def save_model(self, request: HttpRequest, obj: Room, form: RoomForm, change: bool) -> None:
        data = form.cleaned_data
        members = data["member_list"]
        if not change:
            req = CreateRoomRequest(id=obj.id, name=data.get("name", ""), members=members,
                                    visibility=data["visibility"], write_policy=data["write_policy"])
            room, _ = services.do_create_room(req, state.network_id())
            form.instance = room
            return
        before = services.members_of(obj)
        add = sorted(set(members) - set(before))
        remove = sorted(set(before) - set(members))
        if add or remove:  # publishes room.members.updated, exactly like PATCH /v1/rooms/{id}/members
            services.do_update_members(obj.id, UpdateRoomMembersRequest(add=add, remove=remove))
        settings_req = CreateRoomRequest(id=obj.id, name=data.get("name", ""), members=members,
                                         visibility=data["visibility"], write_policy=data["write_policy"])
        services.do_reconcile_room(settings_req, state.network_id())  # name and policies, as /v1/apply does

    def save_related(self, request, form, formsets, change):
        pass  # members are written by the services above

    def delete_model(self, request: HttpRequest, obj: Room) -> None:
        services.do_remove_room(obj.id)  # soft removal: room.removed, history kept

    def delete_queryset(self, request: HttpRequest, queryset) -> None:
        for room in queryset.filter(deleted_at__isnull=True):
            services.do_remove_room(room.id)

    @admin.action(description="Remove selected rooms (soft: history is kept)", permissions=["delete"])
    def soft_remove(self, request: HttpRequest, queryset) -> None:
        removed = []
        for room in queryset.filter(deleted_at__isnull=True):
            services.do_remove_room(room.id)
            self.log_change(request, room, "removed")
            removed.append(room.id)
        self.message_user(request, f"Removed {len(removed)} room(s): {', '.join(removed) or 'none'}.",
                          messages.SUCCESS if removed else messages.WARNING)


def _target_label(message: Message) -> str:
    if message.target_kind == "thread":
        return f"thread {message.thread_id} (# {message.room_id})"
    if message.target_kind == "dm":
        return f"dm {message.dm_id}"
    return f"# {message.room_id}"


class ReadOnlyAdmin(ConsoleModelAdmin):
    read_only = True

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields]


class RoomFilter(admin.SimpleListFilter):
    title = "room"
    parameter_name = "room"

    def lookups(self, request, model_admin):
        return [(r, r) for r in Room.objects.values_list("id", flat=True)[:200]]

    def queryset(self, request, queryset):
        return queryset.filter(room_id=self.value()) if self.value() else queryset


@admin.register(Message, site=console_site)
class MessageAdmin(ReadOnlyAdmin):
    list_display = ["id", "target", "sender", "preview", "hidden", "over_budget", "created_at"]
    list_filter = ["target_kind", RoomFilter]
    actions = ["hide_messages", "unhide_messages"]

    def has_moderate_permission(self, request) -> bool:
        return access.resolve(request).admin

    def _set_hidden(self, request, queryset, hidden: bool) -> None:
        changed = [do_set_hidden(access.resolve(request).caller, m.id, hidden).id for m in list(queryset)]
        verb = "Hid" if hidden else "Showed again"
        self.message_user(request, f"{verb} {len(changed)} message(s): {', '.join(changed)}.", messages.SUCCESS)

    @admin.action(description="Hide selected messages (soft: gone from history and replay except for admins)",
                  permissions=["moderate"])
    def hide_messages(self, request, queryset) -> None:
        self._set_hidden(request, queryset, True)

    @admin.action(description="Show selected hidden messages again", permissions=["moderate"])
    def unhide_messages(self, request, queryset) -> None:
        self._set_hidden(request, queryset, False)

    @admin.display(boolean=True, description="hidden")
    def hidden(self, message: Message) -> bool:
        return message.hidden_at is not None
    search_fields = ["=id", "=room_id", "=thread_id", "=dm_id", "parts_json", "from_json"]
    ordering = ["-created_at", "-id"]
    show_full_result_count = False  # counting a large history on every page is the slow part
    list_per_page = 50

    @admin.display(description="target")
    def target(self, message: Message) -> str:
        return _target_label(message)

    @admin.display(description="from")
    def sender(self, message: Message) -> str:
        actor = json.loads(message.from_json or "{}")
        return f"{actor.get('type', '')} {actor.get('id', '')}".strip()

    @admin.display(description="text")
    def preview(self, message: Message) -> str:
        parts = json.loads(message.parts_json or "[]")
        text = " ".join(p.get("text") or p.get("url") or p.get("filename") or "" for p in parts)
        return text[:120] + ("…" if len(text) > 120 else "")


@admin.register(Thread, site=console_site)
class ThreadAdmin(ReadOnlyAdmin):
    list_display = ["id", "room_id", "parent_message_id", "message_count", "last_message_at"]
    search_fields = ["=id", "=room_id", "=parent_message_id"]
    list_filter = [RoomFilter]
    ordering = ["-last_message_at"]


@admin.register(DirectConversation, site=console_site)
class DirectConversationAdmin(ReadOnlyAdmin):
    list_display = ["dm_id", "participant_list", "message_count", "last_message_at"]
    search_fields = ["=dm_id", "participants__participant_id"]
    ordering = ["-last_message_at"]

    def has_module_permission(self, request) -> bool:
        return super().has_module_permission(request) and state.config().direct_messages

    def has_view_permission(self, request, obj=None) -> bool:
        return super().has_view_permission(request, obj) and state.config().direct_messages

    @admin.display(description="participants")
    def participant_list(self, dm: DirectConversation) -> str:
        return ", ".join(sorted(dm.participants.values_list("participant_id", flat=True)))

