"""HTTP views for agent registration (docs/protocol/http-api.md §4.7), plus the extensions: admin token rotation and
the credential audit trail. The directory, removal and apply read rooms: they are rooms.directory."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse

from agents import audit
from agents.auth import Caller
from agents.policy import REG, REQ
from agents.ratelimit import check_rate_limit
from agents.schemas import RegisterAgentRequest
from agents.services import do_register, do_rotate_token
from moltnet import state
from moltnet.errors import unprocessable
from moltnet.pagination import parse_page_params
from moltnet.responses import json_response
from moltnet.routing import api


def _register_limit(request: HttpRequest, caller: Caller) -> None:
    if caller.claims is None:  # anonymous registration is limited per client address
        check_rate_limit("register", caller.remote_addr)


@api("POST", "/v1/agents/register", auth=REG, body=RegisterAgentRequest, limit=_register_limit, status=201)
def register_agent(request: HttpRequest, caller: Caller, body: RegisterAgentRequest) -> HttpResponse:
    registered = do_register(caller, body.requested_agent_id, body.name, state.network_id())
    return json_response(registered.as_json(), status=registered.status)


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
