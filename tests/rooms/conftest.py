"""Fixtures for conversation API tests: rooms on demand, a compact `send`, an admin client."""

from __future__ import annotations

import pytest

from tests.support.api import ApiClient
from tests.support.rooms import text


@pytest.fixture
def make_room(api):
    def make(room_id: str = "lab", **fields) -> dict:
        response = api.post("/v1/rooms", {"id": room_id, **fields})
        assert response.status_code == 201, response.content
        return response.json()

    return make


@pytest.fixture
def send(api):
    """POST /v1/messages with defaults: agent `ada`, one text part; returns the response."""

    def post(target: dict, body: str = "hello", *, sender: str = "ada", **fields):
        payload = {"target": target, "from": {"type": "agent", "id": sender}, "parts": text(body), **fields}
        return api.post("/v1/messages", payload)

    return post


@pytest.fixture
def as_admin(db):
    """A JSON client with the `admin-secret` token (configure a token with that value)."""
    return ApiClient("admin-secret")
