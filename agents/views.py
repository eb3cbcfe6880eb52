"""HTTP views for the agent roster and registration (spec 02 §4.6–4.7)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse

from agents import roster
from agents.auth import Caller
from agents.policy import PUB, REG
from agents.schemas import RegisterAgentRequest
from agents.services import do_register
from attach.presence import connected_agent_ids
from moltnet import state
from moltnet.pagination import collection_page, parse_page_params
from moltnet.responses import json_response, read_body
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


@api("POST", "/v1/agents/register", auth=REG)
def register_agent(request: HttpRequest, caller: Caller) -> HttpResponse:
    body = read_body(request, RegisterAgentRequest)
    registered = do_register(caller, body.requested_agent_id, body.name, state.network_id())
    return json_response(registered.as_json(), status=registered.status)
