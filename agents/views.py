"""HTTP views for the agent roster, registration, removal and apply (spec 02 §4.6, 4.7, 4.11, 4.12),
plus the extensions: admin token rotation and the credential audit trail."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse

from agents import audit, roster
from agents.apply import do_apply
from agents.auth import Caller
from agents.policy import PUB, REG, REQ
from agents.ratelimit import check_rate_limit
from agents.schemas import ApplyConfigRequest, RegisterAgentRequest
from agents.services import do_register, do_remove_agent, do_rotate_token
from attach.presence import connected_agent_ids
from moltnet import state
from moltnet.errors import unprocessable
from moltnet.pagination import collection_page, parse_page_params
from moltnet.responses import json_response
from moltnet.routing import api
from rooms import queries
from rooms.access import can_read
from rooms.services import members_by_room


def _rooms(caller: Caller | None) -> dict[str, list[str]]:
    rooms = [r for r in queries.live_rooms() if caller is None or can_read(caller, r)]
    return members_by_room(rooms)


@api("GET", "/v1/agents", auth=PUB("observe", "admin", "pair"))
def list_agents(request: HttpRequest, caller: Caller) -> HttpResponse:
    params = parse_page_params(request.GET)
    entries = roster.build_roster(caller, _rooms(caller), state.network_id())
    page, info = collection_page(entries, params, key=lambda e: e["id"])
    connected = connected_agent_ids()
    return json_response({"agents": [roster.summary_json(e, connected) for e in page], "page": info})


@api("GET", "/v1/agents/{agentID}", auth=PUB("observe", "admin"))
def get_agent(request: HttpRequest, caller: Caller, agentID: str) -> HttpResponse:  # noqa: N803
    entry = roster.get_summary(caller, agentID, _rooms(caller), _rooms(None), state.network_id())
    return json_response(roster.summary_json(entry, connected_agent_ids()))


def _register_limit(request: HttpRequest, caller: Caller) -> None:
    if caller.claims is None:  # anonymous registration is limited per client address
        check_rate_limit("register", caller.remote_addr)


@api("POST", "/v1/agents/register", auth=REG, body=RegisterAgentRequest, limit=_register_limit)
def register_agent(request: HttpRequest, caller: Caller, body: RegisterAgentRequest) -> HttpResponse:
    registered = do_register(caller, body.requested_agent_id, body.name, state.network_id())
    return json_response(registered.as_json(), status=registered.status)


@api("DELETE", "/v1/agents/{agentID}", auth=REQ("admin"))
def remove_agent(request: HttpRequest, caller: Caller, agentID: str) -> HttpResponse:  # noqa: N803
    agent_id = do_remove_agent(caller, agentID, state.network_id())
    return json_response({"removed": True, "kind": "agent", "id": agent_id, "mode": "soft"})


@api("POST", "/v1/apply", auth=REQ("admin"), body=ApplyConfigRequest)
def apply_config(request: HttpRequest, caller: Caller, body: ApplyConfigRequest) -> HttpResponse:
    applied = do_apply(body, state.network_id())
    return json_response(applied.as_json())


@api("POST", "/v1/agents/{agentID}/token", auth=REQ("admin"))
def rotate_token(request: HttpRequest, caller: Caller, agentID: str) -> HttpResponse:  # noqa: N803
    """Extension: revoke an agent's credential and show a new agent token once."""
    return json_response(do_rotate_token(caller, agentID).as_json())


@api("GET", "/v1/audit/credentials", auth=REQ("admin"))
def credential_events(request: HttpRequest, caller: Caller) -> HttpResponse:
    """Extension: the credential audit trail, newest first; `before` is the last id seen."""
    params = parse_page_params({"limit": request.GET.get("limit", "")})
    raw_before = request.GET.get("before", "").strip()
    if raw_before and not raw_before.isdigit():
        raise unprocessable("before must be an audit event id")
    rows, has_more = audit.list_events(limit=params.limit, before=int(raw_before) if raw_before else None,
                                       agent_id=request.GET.get("agent_id", "").strip(),
                                       kind=request.GET.get("kind", "").strip())
    info: dict = {"has_more": has_more}
    if has_more and rows:
        info["next_before"] = str(rows[-1].id)
    return json_response({"events": [audit.event_json(e) for e in rows], "page": info})
