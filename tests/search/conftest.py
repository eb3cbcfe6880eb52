"""Fixtures for search tests: the auth tests' credentials and rooms, and a compact send."""

from __future__ import annotations

import pytest

from tests.agents.conftest import as_token, registered, room_with  # noqa: F401 - fixtures
from tests.rooms.conftest import make_room, send  # noqa: F401 - fixtures


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
