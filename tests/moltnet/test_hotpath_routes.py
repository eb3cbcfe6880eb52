"""Which requests the hot path serves: matched once, by Django's resolver over the route table."""

from __future__ import annotations

import pytest

from moltnet.hotpath import READS, WRITES, _hot_route


@pytest.mark.parametrize(("method", "path", "pattern"), [
    ("POST", "/v1/messages", "/v1/messages"),
    ("GET", "/v1/rooms/lab/messages", "/v1/rooms/{roomID}/messages"),
    ("GET", "/v1/threads/t1/messages", "/v1/threads/{threadID}/messages"),
    ("GET", "/v1/dms/d1/messages", "/v1/dms/{dmID}/messages"),
    ("GET", "/healthz", "/healthz"),
    ("GET", "/readyz", "/readyz"),
])
def test_the_hot_routes_resolve_to_their_declared_pattern(method, path, pattern):
    hot = _hot_route(method, path)
    assert hot is not None
    key, match = hot
    assert key == (method, pattern) and (key in WRITES or key in READS)
    assert match.func.pattern == pattern


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
