"""HTTP views for GET /v1/pairings and the three discovery proxies (docs/protocol/http-api.md §4.13, 07 §4–5)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse

from agents.auth import Caller
from agents.policy import REQ
from moltnet.pagination import parse_page_params
from moltnet.responses import json_response
from moltnet.routing import api
from pairings import services


@api("GET", "/v1/pairings", auth=REQ("observe", "admin"), page=True)
def list_pairings(request: HttpRequest, caller: Caller) -> HttpResponse:
    items, info = services.list_pairings(parse_page_params(request.GET))
    return json_response({"pairings": items, "page": info})


@api("GET", "/v1/pairings/{pairingID}/network", auth=REQ("observe", "admin"))
def pairing_network(request: HttpRequest, caller: Caller, pairingID: str) -> HttpResponse:  # noqa: N803
    return json_response(services.remote_network(services.find_pairing(pairingID)))


@api("GET", "/v1/pairings/{pairingID}/rooms", auth=REQ("observe", "admin"), page=True)
def pairing_rooms(request: HttpRequest, caller: Caller, pairingID: str) -> HttpResponse:  # noqa: N803
    params = parse_page_params(request.GET)
    items, info = services.discover(services.find_pairing(pairingID), "rooms", params)
    return json_response({"rooms": items, "page": info})


@api("GET", "/v1/pairings/{pairingID}/agents", auth=REQ("observe", "admin"), page=True)
def pairing_agents(request: HttpRequest, caller: Caller, pairingID: str) -> HttpResponse:  # noqa: N803
    params = parse_page_params(request.GET)
    items, info = services.discover(services.find_pairing(pairingID), "agents", params)
    return json_response({"agents": items, "page": info})
