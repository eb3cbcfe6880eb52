"""Moderation test helpers: the admin/reader tokens and text parts."""

from __future__ import annotations

TOKENS = [{"id": "admin", "value": "admin-secret", "scopes": ["admin", "write", "observe"]},
          {"id": "reader", "value": "reader-secret", "scopes": ["observe", "write"]}]


def text(body: str) -> list[dict]:
    return [{"kind": "text", "text": body}]
