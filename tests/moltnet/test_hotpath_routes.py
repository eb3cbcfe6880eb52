"""Which requests the hot path serves: matched once, by Django's resolver over the route table."""

from __future__ import annotations

import pytest

from moltnet import routing
from moltnet.hotpath import _hot_route

HOT = [
    ("POST", "/v1/messages", "/v1/messages", "write"),
    ("GET", "/v1/rooms/lab/messages", "/v1/rooms/{roomID}/messages", "read"),
    ("GET", "/v1/threads/t1/messages", "/v1/threads/{threadID}/messages", "read"),
    ("GET", "/v1/dms/d1/messages", "/v1/dms/{dmID}/messages", "read"),
    ("GET", "/healthz", "/healthz", "read"),
    ("GET", "/readyz", "/readyz", "read"),
]


@pytest.mark.parametrize(("method", "path", "pattern", "serve"), HOT)
def test_the_hot_routes_resolve_to_their_declared_pattern(method, path, pattern, serve):
    hot = _hot_route(method, path)
    assert hot is not None
    route, match = hot
    assert (route.method, route.pattern, route.serve) == (method, pattern, serve)
    assert match.func.pattern == pattern


def test_exactly_these_routes_are_declared_hot():
    declared = {(r.method, r.pattern, r.serve) for ms in routing.ROUTES.values() for r in ms.values() if r.serve}
    assert declared == {(method, pattern, serve) for method, _, pattern, serve in HOT}


@pytest.mark.parametrize(("method", "path"), [
    ("GET", "/v1/messages"),  # the path is hot for POST only
    ("POST", "/v1/rooms/lab/messages"),
    ("GET", "/v1/rooms/lab"),
    ("GET", "/v1/rooms//messages"),  # not canonical: Django's handler redirects it
    ("GET", "/console/"),
    ("GET", "/no/such/path"),
    ("DELETE", "/v1/messages"),
])
def test_everything_else_goes_to_djangos_handler(method, path):
    assert _hot_route(method, path) is None
