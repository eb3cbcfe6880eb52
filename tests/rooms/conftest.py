"""Helpers for conversation API tests: rooms on demand and a compact `send`."""

from __future__ import annotations

import pytest

from events.models import Event


def text(body: str) -> list[dict]:
    return [{"kind": "text", "text": body}]


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


def room(room_id: str = "lab") -> dict:
    return {"kind": "room", "room_id": room_id}


def thread(thread_id: str, room_id: str = "lab", **extra) -> dict:
    return {"kind": "thread", "room_id": room_id, "thread_id": thread_id, **extra}


def dm(dm_id: str, *participants: str) -> dict:
    return {"kind": "dm", "dm_id": dm_id, "participant_ids": list(participants or ("ada", "grace"))}


def event_types() -> list[str]:
    """Event types in log order."""
    return list(Event.objects.order_by("seq").values_list("type", flat=True))


@pytest.fixture
def as_admin(db):
    """A JSON client with the `admin-secret` token (configure a token with that value)."""
    from tests.conftest import ApiClient

    return ApiClient("admin-secret")
