"""HTTP views for the agent directory, agent removal and apply (docs/protocol/http-api.md §4.6, 4.11, 4.12).

They read or change room memberships, so they live above agents, in rooms; registration, token
rotation and the credential audit trail stay in agents.views.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse

from agents.auth import Caller
from agents.policy import PUB, REQ
from agents.presence import connected_agent_ids
from moltnet import state
from moltnet.pagination import collection_page, parse_page_params
from moltnet.responses import json_response
from moltnet.routing import api
from rooms import queries, roster
from rooms.access import can_read
from rooms.apply import do_apply
from rooms.schemas import ApplyConfigRequest
from rooms.services import members_by_room


def _rooms(caller: Caller | None) -> dict[str, list[str]]:
    rooms = [r for r in queries.live_rooms() if caller is None or can_read(caller, r)]
    return members_by_room(rooms)


@api("GET", "/v1/agents", auth=PUB("observe", "admin", "pair"), page=True)
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


@api("DELETE", "/v1/agents/{agentID}", auth=REQ("admin"))
def remove_agent(request: HttpRequest, caller: Caller, agentID: str) -> HttpResponse:  # noqa: N803
    agent_id = roster.do_remove_agent(caller, agentID, state.network_id())
    return json_response({"removed": True, "kind": "agent", "id": agent_id, "mode": "soft"})


@api("POST", "/v1/apply", auth=REQ("admin"), body=ApplyConfigRequest)
def apply_config(request: HttpRequest, caller: Caller, body: ApplyConfigRequest) -> HttpResponse:
    applied = do_apply(body, state.network_id())
    return json_response(applied.as_json())
