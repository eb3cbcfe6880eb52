"""`console.can_send_human` in GET /v1/network (docs/protocol/auth.md §8.3)."""

from __future__ import annotations

import pytest

from tests.support.agents import auth


def can_send_human(client) -> bool:
    response = client.get("/v1/network")
    assert response.status_code == 200, response.content
    return response.json()["console"]["can_send_human"]


def test_mode_none_and_the_ingress_switch(configure, as_token):
    configure({"auth": {"mode": "none"}})
    assert can_send_human(as_token(None)) is True
    configure({"auth": {"mode": "none"}, "server": {"human_ingress": False}})
    assert can_send_human(as_token(None)) is False


@pytest.mark.parametrize("token,expected", [("ops", True), ("operator", True), ("observe", False),
                                            ("attach", False), ("magt_v1_luna-network", False)])
def test_bearer_needs_a_static_write_token(configure, as_token, registered, token, expected):
    configure(auth("bearer"))
    registered("luna", agent_token="magt_v1_luna-network")
    assert can_send_human(as_token(token)) is expected


def test_open_mode_viewers(configure, as_token):
    configure(auth("open"))
    assert can_send_human(as_token(None)) is False
    assert can_send_human(as_token("write")) is False  # write-only: no claims on this route under public read
    assert can_send_human(as_token("ops")) is True
