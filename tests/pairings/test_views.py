"""GET /v1/pairings and the discovery proxies against a real (scripted) partner HTTP server."""

from __future__ import annotations

import json

import pytest

from events.models import Event
from tests.pairings.remote import NETWORK, ScriptedRemote

TOKEN = "outbound-secret-7f3a"


@pytest.fixture
def remote():
    server = ScriptedRemote()
    yield server
    server.close()


def pairings_config(remote_url: str, **extra) -> dict:
    return {"network": {"id": "alpha", "name": "Alpha Net"},
            "pairings": [{"id": "beta", "remote_network_id": "beta", "remote_network_name": "Beta Net",
                          "remote_base_url": remote_url, "token": TOKEN, **extra},
                         {"id": "aardvark", "remote_base_url": "http://127.0.0.1:9/x"}]}


def pairing_events() -> list[dict]:
    return [json.loads(e.body)["pairing"] for e in Event.objects.filter(type="pairing.updated").order_by("seq")]


def test_list_is_sorted_tokenless_and_never_calls_the_remote(api, configure, remote) -> None:
    configure(pairings_config(remote.url, status="connected"))
    response = api.get("/v1/pairings")
    assert response.status_code == 200
    body = response.json()
    assert [p["id"] for p in body["pairings"]] == ["aardvark", "beta"]
    assert body["page"] == {"has_more": False}
    beta = body["pairings"][1]
    assert {k: beta[k] for k in ("id", "remote_network_id", "remote_network_name", "remote_base_url", "status")} == {
        "id": "beta", "remote_network_id": "beta", "remote_network_name": "Beta Net",
        "remote_base_url": remote.url, "status": "connected"}
    assert body["pairings"][0]["status"] == "unknown"
    assert body["pairings"][0]["remote_network_id"] == ""
    assert TOKEN not in response.content.decode()
    assert remote.seen == []


def test_list_pagination_and_cursor_errors(api, configure, remote) -> None:
    configure(pairings_config(remote.url))
    first = api.get("/v1/pairings?limit=1").json()
    assert [p["id"] for p in first["pairings"]] == ["aardvark"]
    assert first["page"] == {"has_more": True, "next_after": "aardvark"}
    assert [p["id"] for p in api.get("/v1/pairings?after=aardvark").json()["pairings"]] == ["beta"]
    unknown = api.get("/v1/pairings?after=zebra")
    assert unknown.status_code == 422
    assert unknown.json()["error"] == 'invalid cursor "zebra"'
    both = api.get("/v1/pairings?after=beta&before=beta")
    assert both.json()["error"] == "before and after cannot both be set"


def test_pairing_routes_need_observe_or_admin_even_with_public_read(api, configure, remote) -> None:
    configure({**pairings_config(remote.url), "auth": {"mode": "bearer", "public_read": True, "tokens": [
        {"id": "peer", "value": "pair-token", "scopes": ["pair"]},
        {"id": "ops", "value": "observe-token", "scopes": ["observe"]}]}})
    assert api.get("/v1/pairings").status_code == 401
    assert api.with_token("pair-token").get("/v1/pairings").status_code == 403
    assert api.with_token("pair-token").get("/v1/pairings/beta/network").status_code == 403
    assert api.with_token("observe-token").get("/v1/pairings").status_code == 200


def test_unknown_pairing_is_404(api, configure, remote) -> None:
    configure(pairings_config(remote.url))
    response = api.get("/v1/pairings/nope/rooms")
    assert response.status_code == 404
    assert response.json()["error"] == 'unknown pairing "nope"'


def test_network_proxy_reencodes_the_remote_and_records_connected(api, configure, remote) -> None:
    configure(pairings_config(remote.url))
    response = api.get("/v1/pairings/beta/network")
    assert response.status_code == 200
    body = response.json()
    assert "extra_top_level" not in body and "future_flag" not in body["capabilities"]
    assert body["id"] == "beta" and body["protocols"] == NETWORK["protocols"]
    assert remote.seen[0].headers["Authorization"] == f"Bearer {TOKEN}"

    listed = api.get("/v1/pairings").json()["pairings"][1]
    assert listed["status"] == "connected"
    diag = listed["diagnostics"]
    assert list(diag) == ["checked_at", "remote_version", "remote_network_id", "remote_protocols"]
    assert diag["remote_version"] == "0.3.1" and diag["remote_network_id"] == "beta"
    events = pairing_events()
    assert len(events) == 1 and events[0]["status"] == "connected" and "token" not in events[0]
    assert events[0]["diagnostics"] == diag

    api.get("/v1/pairings/beta/network")  # same answer, but a new check time: another event
    assert len(pairing_events()) == 2


@pytest.mark.parametrize(
    ("changes", "status", "reason", "message"),
    [
        ({"id": "gamma"}, "incompatible", "network_id_mismatch",
         'Remote network_id "gamma" does not match configured remote_network_id "beta".'),
        ({"protocols": {"http": ["moltnet.http.v2"]}}, "incompatible", "unsupported_http_protocol",
         "Remote server does not advertise moltnet.http.v1."),
        ({"protocols": {"http": ["moltnet.http.v1"], "pair": ["moltnet.pair.v0"]}}, "incompatible",
         "unsupported_pair_protocol", "Remote server does not advertise moltnet.pair.v1."),
        ({"protocols": {"http": ["moltnet.http.v1"]}}, "connected", "", ""),
        ({"protocols": {}}, "connected", "", ""),  # legacy remote with cursor pagination
        ({"protocols": {}, "capabilities": {"direct_messages": True}}, "incompatible", "unsupported_http_protocol",
         "Remote server does not advertise moltnet.http.v1."),  # legacy without cursor pagination
        ({"capabilities": {**NETWORK["capabilities"], "direct_messages": False}}, "degraded",
         "direct_messages_disabled", "Remote server has direct_messages disabled."),
    ],
)
def test_compatibility_rules(api, configure, remote, changes, status, reason, message) -> None:
    configure(pairings_config(remote.url))
    remote.network(**changes)
    assert api.get("/v1/pairings/beta/network").status_code == 200
    beta = api.get("/v1/pairings").json()["pairings"][1]
    assert beta["status"] == status
    assert beta["diagnostics"].get("reason", "") == reason
    assert beta["diagnostics"].get("message", "") == message


def test_incompatible_and_error_pairings_raise_network_warnings(api, configure, remote) -> None:
    configure(pairings_config(remote.url))
    remote.network(protocols={"http": ["moltnet.http.v1"], "pair": ["moltnet.pair.v0"]})
    api.get("/v1/pairings/beta/network")
    assert api.get("/v1/pairings/aardvark/network").status_code == 502
    warnings = api.get("/v1/network").json()["warnings"]
    assert warnings == [
        {"severity": "error", "code": "pairings.incompatible", "message": "1 pairing incompatible.",
         "action": "Open the Pairings panel for diagnostics."},
        {"severity": "warning", "code": "pairings.error", "message": "1 pairing in error.",
         "action": "Check remote network connectivity and pairing credentials."},
    ]


def test_unreachable_remote_is_a_sanitized_502_and_an_error_diagnostic(api, configure, remote) -> None:
    configure(pairings_config(remote.url))
    remote.answers["/v1/network"] = (401, {"error": f"bad token {TOKEN}"})
    response = api.get("/v1/pairings/beta/network")
    assert response.status_code == 502
    assert response.json()["error"] == "bad gateway" and response.json()["code"] == "bad_gateway"
    listed = api.get("/v1/pairings")
    beta = listed.json()["pairings"][1]
    assert beta["status"] == "error"
    assert set(beta["diagnostics"]) == {"checked_at", "remote_protocols", "reason", "message"}
    assert beta["diagnostics"]["remote_protocols"] == {}
    assert beta["diagnostics"]["message"] == "Remote network metadata could not be fetched."
    assert TOKEN not in listed.content.decode()


def test_a_2xx_without_json_is_a_failure(api, configure, remote) -> None:
    configure(pairings_config(remote.url))
    remote.answers["/v1/network"] = (200, b"")
    assert api.get("/v1/pairings/beta/network").status_code == 502


def test_rooms_and_agents_proxies_paginate_the_remote_first_page(api, configure, remote) -> None:
    configure(pairings_config(remote.url))
    remote.answers["/v1/rooms"] = (200, {"rooms": [
        {"id": "lobby", "name": "Lobby", "members": ["gamma"], "created_at": "2026-01-01T00:00:00Z", "x": 1,
         "access": {"can_read": True, "can_write": False, "reason": "private/members-write"}},
        {"id": "atrium", "name": "Atrium", "created_at": "2026-01-02T00:00:00Z"}]})
    remote.answers["/v1/agents"] = (200, {"agents": [{"id": "gamma", "network_id": "beta", "connected": True}]})
    rooms = api.get("/v1/pairings/beta/rooms?limit=1")
    assert rooms.status_code == 200
    assert rooms.json() == {"rooms": [{"id": "lobby", "name": "Lobby", "members": ["gamma"],
                                       "access": {"can_read": True, "can_write": False,
                                                  "reason": "private/members-write"},
                                       "created_at": "2026-01-01T00:00:00Z"}],
                            "page": {"has_more": True, "next_after": "lobby"}}
    assert [r["id"] for r in api.get("/v1/pairings/beta/rooms?after=lobby").json()["rooms"]] == ["atrium"]
    assert api.get("/v1/pairings/beta/rooms?after=nowhere").status_code == 422
    agents = api.get("/v1/pairings/beta/agents").json()
    assert agents == {"agents": [{"id": "gamma", "network_id": "beta", "connected": True}],
                      "page": {"has_more": False}}
    assert [s.path for s in remote.seen if s.path != "/v1/network"] == ["/v1/rooms", "/v1/rooms", "/v1/rooms",
                                                                         "/v1/agents"]


def test_missing_cursor_pagination_blocks_discovery_and_sticks(api, configure, remote) -> None:
    configure(pairings_config(remote.url))
    caps = {k: v for k, v in NETWORK["capabilities"].items() if k != "message_pagination"}
    remote.network(capabilities=caps)
    assert api.get("/v1/pairings/beta/rooms").status_code == 502
    assert "/v1/rooms" not in [s.path for s in remote.seen]
    remote.network()  # even a fully capable answer on /network does not clear a discovery degradation
    assert api.get("/v1/pairings/beta/network").status_code == 200
    beta = api.get("/v1/pairings").json()["pairings"][1]
    assert beta["status"] == "degraded"
    assert beta["diagnostics"]["reason"] == "missing_cursor_pagination"
    assert api.get("/v1/pairings/beta/rooms").status_code == 502  # rooms 404 on the scripted remote
    beta = api.get("/v1/pairings").json()["pairings"][1]
    assert (beta["status"], beta["diagnostics"]["message"]) == ("error", "Remote rooms could not be fetched.")


def test_configured_diagnostics_are_the_initial_state(api, configure, remote) -> None:
    configure(pairings_config(remote.url, status="degraded", diagnostics={
        "checked_at": "2026-04-01T09:00:00Z", "reason": "direct_messages_disabled",
        "message": "Remote server has direct_messages disabled."}))
    beta = api.get("/v1/pairings").json()["pairings"][1]
    assert beta["status"] == "degraded"
    assert beta["diagnostics"] == {"checked_at": "2026-04-01T09:00:00Z", "remote_protocols": {},
                                   "reason": "direct_messages_disabled",
                                   "message": "Remote server has direct_messages disabled."}
    assert pairing_events() == []
