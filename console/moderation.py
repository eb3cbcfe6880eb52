"""The console's moderation page (/console/manage/moderation/, admin scope): the loop guard's state
with resume and room budgets, hiding a message by id, and who posts most in the last hour.

Every form calls the same service as the admin API (rooms.loopguard, moderation.services), so it
publishes the same events and writes the same audit rows.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.admin import AdminSite
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse

from agents import audit
from agents.models import CredentialEvent
from console import access
from moderation import services
from moltnet import state
from moltnet.errors import ApiError
from rooms import loopguard

PATH = "/console/manage/moderation/"


def _budget(raw: str) -> int | None:
    raw = raw.strip()
    if not raw:
        return None
    try:
        return int(raw)
    except ValueError:
        raise ApiError(422, f"max_agent_hops must be a whole number or empty, got {raw!r}") from None


def _act(request: HttpRequest) -> str:
    """Run one POSTed action; the confirmation shown after the redirect."""
    caller = access.resolve(request).caller
    form = request.POST
    action = form.get("action", "")
    if action == "resume":
        kind, ident = form.get("kind", ""), form.get("id", "")
        with transaction.atomic():
            resumed = loopguard.do_resume(kind, ident, state.network_id(), audit.credential_label(caller.claims))
            if resumed:
                audit.record_for(CredentialEvent.CONVERSATION_RESUMED, caller, "", f"{kind.strip()} {ident.strip()}")
        return f"Resumed {kind} {ident}." if resumed else f"{kind} {ident} was not paused."
    if action == "room_budget":
        room_id, budget = form.get("room_id", "").strip(), _budget(form.get("max_agent_hops", ""))
        with transaction.atomic():
            loopguard.do_set_room_budget(room_id, budget)
            audit.record_for(CredentialEvent.ROOM_BUDGET_SET, caller, "",
                             f"room {room_id}: {'network default' if budget is None else budget}")
        return f"Room {room_id}: " + ("the network's budget." if budget is None else f"{budget} agent hops.")
    if action in ("hide", "unhide"):
        message = services.do_set_hidden(caller, form.get("message_id", ""), action == "hide")
        return f"Message {message.id} {'hidden' if action == 'hide' else 'shown again'}."
    raise ApiError(422, f"unknown action {action!r}")


def moderation_page(request: HttpRequest, site: AdminSite) -> HttpResponse:
    """The moderation page, framed by `site` (the console's AdminSite, which routes here)."""
    if not access.resolve(request).admin:
        raise PermissionDenied
    if request.method == "POST":
        try:
            messages.success(request, _act(request))
        except ApiError as exc:
            messages.error(request, exc.message)
        return HttpResponseRedirect(PATH)
    context = {**site.each_context(request), "title": "Moderation",
               "loop_guard": loopguard.status(state.config()), "posters": services.top_posters(),
               "window_minutes": int(services.TOP_POSTERS_WINDOW.total_seconds() // 60),
               "refused_patterns": state.config().refused_agent_patterns}
    return TemplateResponse(request, "console/moderation.html", context)
