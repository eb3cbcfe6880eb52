"""Fixtures for search tests: the auth tests' credentials and rooms, and a compact send."""

from __future__ import annotations

import pytest

from tests.agents.conftest import as_token, auth, registered, room_with  # noqa: F401 - fixtures
from tests.rooms.conftest import make_room, send  # noqa: F401 - fixtures


def hits(response) -> list[str]:
    """The ids of a search answer, asserting it is a 200."""
    assert response.status_code == 200, response.content
    return [m["id"] for m in response.json()["messages"]]


def error(response) -> tuple[int, str]:
    return response.status_code, response.json().get("error", "")


@pytest.fixture
def post(api):
    """POST /v1/messages as an agent with the given parts (or one text part); asserts the 202."""

    def send_parts(target: dict, text: str = "", *, sender: str = "ada", parts: list | None = None, **fields):
        payload = {"target": target, "from": {"type": "agent", "id": sender},
                   "parts": parts or [{"kind": "text", "text": text}], **fields}
        response = api.post("/v1/messages", payload)
        assert response.status_code == 202, response.content
        return response.json()

    return send_parts


__all__ = ["auth", "error", "hits"]
