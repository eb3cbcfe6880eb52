"""Search test helpers: reading hit ids and error envelopes."""

from __future__ import annotations


def hits(response) -> list[str]:
    """The ids of a search answer, asserting it is a 200."""
    assert response.status_code == 200, response.content
    return [m["id"] for m in response.json()["messages"]]


def error(response) -> tuple[int, str]:
    return response.status_code, response.json().get("error", "")

