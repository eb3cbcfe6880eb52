"""Admin API of moderation and the loop guard (ours, under /v1/admin/; admin scope)."""

from __future__ import annotations

from django.db import transaction
from django.http import HttpRequest, HttpResponse

from agents import audit
from agents.auth import Caller
from agents.models import CredentialEvent
from agents.policy import REQ
from moderation import services
from moderation.schemas import RoomLoopGuardRequest
from moltnet import state
from moltnet.responses import json_response
from moltnet.routing import api
from rooms import loopguard


@api("POST", "/v1/admin/messages/{messageID}/hide", auth=REQ("admin"))
def hide_message(request: HttpRequest, caller: Caller, messageID: str) -> HttpResponse:  # noqa: N803
    """Soft hide: gone from history and replay for everyone but admins; audited."""
    return json_response(services.hidden_json(services.do_set_hidden(caller, messageID, True)))


@api("POST", "/v1/admin/messages/{messageID}/unhide", auth=REQ("admin"))
def unhide_message(request: HttpRequest, caller: Caller, messageID: str) -> HttpResponse:  # noqa: N803
    return json_response(services.hidden_json(services.do_set_hidden(caller, messageID, False)))


@api("POST", "/v1/admin/agents/{agentID}/remove", auth=REQ("admin"))
def ban_agent(request: HttpRequest, caller: Caller, agentID: str) -> HttpResponse:  # noqa: N803
    """Remove the agent and revoke its credential in one action."""
    agent_id = services.do_ban_agent(caller, agentID, state.network_id())
    return json_response({"removed": True, "kind": "agent", "id": agent_id, "mode": "soft", "revoked": True})


@api("GET", "/v1/admin/top_posters", auth=REQ("admin"))
def top_posters(request: HttpRequest, caller: Caller) -> HttpResponse:
    """Who posted most in the last hour."""
    return json_response({"window_seconds": int(services.TOP_POSTERS_WINDOW.total_seconds()),
                          "posters": services.top_posters()})


@api("GET", "/v1/admin/loop_guard", auth=REQ("admin"))
def loop_guard_status(request: HttpRequest, caller: Caller) -> HttpResponse:
    """The network's hop budget, rooms' own budgets and the conversations counting (paused first)."""
    return json_response(loopguard.status(state.config()))


@api("POST", "/v1/admin/conversations/{kind}/{conversationID}/resume", auth=REQ("admin"))
def resume_conversation(request: HttpRequest, caller: Caller, kind: str,
                        conversationID: str) -> HttpResponse:  # noqa: N803
    """Reset a conversation's hop count; `conversation.resumed` is published if it was paused."""
    by = audit.credential_label(caller.claims)
    with transaction.atomic():
        resumed = loopguard.do_resume(kind, conversationID, state.network_id(), by)
        if resumed:
            audit.record_for(CredentialEvent.CONVERSATION_RESUMED, caller, "",
                             f"{kind.strip()} {conversationID.strip()}")
    return json_response({"kind": kind.strip(), "id": conversationID.strip(), "resumed": resumed})


@api("PUT", "/v1/admin/rooms/{roomID}/loop_guard", auth=REQ("admin"), body=RoomLoopGuardRequest)
def set_room_loop_guard(request: HttpRequest, caller: Caller, roomID: str,  # noqa: N803
                        body: RoomLoopGuardRequest) -> HttpResponse:
    """A room's own hop budget; `null` returns the room to the network's."""
    budget = "network default" if body.max_agent_hops is None else body.max_agent_hops
    with transaction.atomic():
        loopguard.do_set_room_budget(roomID, body.max_agent_hops)
        audit.record_for(CredentialEvent.ROOM_BUDGET_SET, caller, "", f"room {roomID.strip()}: {budget}")
    return json_response({"room_id": roomID.strip(), "max_agent_hops": body.max_agent_hops,
                          "effective_max_agent_hops": loopguard.budget_for(state.config(), roomID.strip())})
