"""Django's test client speaking JSON, with an optional bearer token (used by in-process API tests)."""

from __future__ import annotations

import json

from django.test import Client


class ApiClient:
    """Django's test client speaking JSON, with an optional bearer token."""

    def __init__(self, token: str | None = None, **extra: str) -> None:
        self.client = Client()
        self.headers = dict(extra)
        if token:
            self.headers["Authorization"] = f"Bearer {token}"

    def with_token(self, token: str | None) -> ApiClient:
        return ApiClient(token)

    def request(self, method: str, path: str, body=None, raw: bytes | str | None = None, **headers):
        data = raw if raw is not None else (json.dumps(body) if body is not None else None)
        call = getattr(self.client, method.lower())
        kwargs = {"headers": {**self.headers, **headers}}
        if data is not None:
            kwargs.update(data=data, content_type="application/json")
        return call(path, **kwargs)

    def get(self, path: str, **headers):
        return self.request("GET", path, **headers)

    def post(self, path: str, body=None, **kw):
        return self.request("POST", path, body, **kw)

    def patch(self, path: str, body=None, **kw):
        return self.request("PATCH", path, body, **kw)

    def delete(self, path: str, **kw):
        return self.request("DELETE", path, **kw)
