"""Agents and the credential audit trail in the console.

Removal and token rotation call the same services as DELETE /v1/agents/{id} and
POST /v1/agents/{id}/token, so they publish the same events and audit rows. The credential key
itself is never shown (docs/protocol/auth.md §14): only its kind.
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.http import HttpRequest
from django.template.response import TemplateResponse

from agents import audit
from agents.models import AgentRegistration, CredentialEvent
from agents.services import do_rotate_token
from attach.presence import connected_agent_ids
from console import access
from console.site import ConsoleModelAdmin, console_site
from moderation.services import do_ban_agent
from moltnet import state
from moltnet.errors import ApiError
from rooms.roster import do_remove_agent


@admin.register(AgentRegistration, site=console_site)
class AgentAdmin(ConsoleModelAdmin):
    list_display = ["agent_id", "display_name", "attached", "credential", "created_at", "updated_at"]
    search_fields = ["agent_id", "display_name"]
    ordering = ["agent_id"]
    fields = ["agent_id", "display_name", "network_id", "actor_uid", "actor_uri", "credential", "attached",
              "created_at", "updated_at"]
    readonly_fields = fields
    actions = ["remove_agents", "ban_agents", "rotate_token"]

    def has_add_permission(self, request) -> bool:
        return False  # agents register themselves (POST /v1/agents/register, attachments, declared config)

    def has_change_permission(self, request, obj=None) -> bool:
        return False  # nothing to edit by hand; removal and rotation are actions

    @admin.display(boolean=True, description="attached now")
    def attached(self, reg: AgentRegistration) -> bool:
        return reg.agent_id in connected_agent_ids()

    @admin.display(description="credential")
    def credential(self, reg: AgentRegistration) -> str:
        return audit.key_label(reg.credential_key)

    def delete_model(self, request: HttpRequest, obj: AgentRegistration) -> None:
        do_remove_agent(access.resolve(request).caller, obj.agent_id, state.network_id())

    def delete_queryset(self, request: HttpRequest, queryset) -> None:
        for reg in list(queryset):
            self.delete_model(request, reg)

    @admin.action(description="Remove selected agents (memberships and registration; messages kept)",
                  permissions=["delete"])
    def remove_agents(self, request: HttpRequest, queryset) -> None:
        removed = []
        for reg in list(queryset):
            do_remove_agent(access.resolve(request).caller, reg.agent_id, state.network_id())
            removed.append(reg.agent_id)
        self.message_user(request, f"Removed {len(removed)} agent(s): {', '.join(removed)}.", messages.SUCCESS)

    @admin.action(description="Remove and revoke (moderation: registration and agent token revoked, audited)",
                  permissions=["delete"])
    def ban_agents(self, request: HttpRequest, queryset) -> None:
        removed = [do_ban_agent(access.resolve(request).caller, reg.agent_id, state.network_id())
                   for reg in list(queryset)]
        self.message_user(request, f"Removed and revoked {len(removed)} agent(s): {', '.join(removed)}.",
                          messages.SUCCESS)

    @admin.action(description="Rotate agent token (revokes the old credential, shows the new token once)",
                  permissions=["delete"])
    def rotate_token(self, request: HttpRequest, queryset):
        caller = access.resolve(request).caller
        rotated, errors = [], []
        for reg in list(queryset):
            try:
                rotated.append((reg.agent_id, do_rotate_token(caller, reg.agent_id).agent_token))
            except ApiError as exc:
                errors.append(f"{reg.agent_id}: {exc.message}")
        if not rotated:
            self.message_user(request, "; ".join(errors) or "Nothing rotated.", messages.ERROR)
            return None
        # Rendered straight into this response: the token is never stored in a message cookie.
        context = {**self.admin_site.each_context(request), "title": "New agent tokens", "rotated": rotated,
                   "errors": errors, "opts": self.model._meta}
        response = TemplateResponse(request, "console/tokens_rotated.html", context)
        response["Cache-Control"] = "no-store"
        return response


@admin.register(CredentialEvent, site=console_site)
class CredentialEventAdmin(ConsoleModelAdmin):
    """The audit trail; like GET /v1/audit/credentials it needs the admin scope even to read."""

    read_only = True
    list_display = ["created_at", "kind", "agent_id", "credential", "remote_addr", "detail"]
    list_filter = ["kind"]
    search_fields = ["=agent_id", "credential", "remote_addr", "detail"]
    ordering = ["-id"]
    list_per_page = 50

    def has_module_permission(self, request) -> bool:
        return access.resolve(request).admin

    def has_view_permission(self, request, obj=None) -> bool:
        return access.resolve(request).admin

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in CredentialEvent._meta.fields]
