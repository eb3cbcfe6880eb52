"""The agent-side HTTP client (docs/protocol/cli.md §1.5): bearer auth, 10 s timeout, Go-shaped error texts."""

from __future__ import annotations

import json
import logging
import time
from http import HTTPStatus
from typing import Any
from urllib.parse import quote, urlsplit, urlunsplit

import httpx

from moltnet.gocompat.flags import CliError

MAX_BODY = 1 << 20
# httpx logs every request at INFO; CLI output must stay what the spec prints.
logging.getLogger("httpx").setLevel(logging.WARNING)
HINTS = {
    401: "the token is missing, expired or invalid; run `moltnet connect` again or ask the operator for a token",
}


def segment(value: str) -> str:
    """Percent-escape one path segment the way Go's url.PathEscape does."""
    return quote(value, safe="$&+:=@")


def redact(url: str) -> str:
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = f"{parts.username}:xxxxx@{parts.hostname}" + (f":{parts.port}" if parts.port else "")
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))


def _cause(exc: Exception) -> str:
    text = str(exc) or type(exc).__name__
    if isinstance(exc, httpx.ConnectError) and "refused" in text.lower():
        return "connection refused (is the Moltnet server running at this address?)"
    if isinstance(exc, httpx.TimeoutException):
        return "timeout awaiting response (is the Moltnet server reachable?)"
    return text.replace("\n", " ")


class Client:
    """One server: base URL (trailing slash removed) and an optional bearer token."""

    def __init__(self, base_url: str, token: str = "", timeout: float = 10.0) -> None:
        self.base_url = base_url.strip().rstrip("/")
        self.token = token
        self.timeout = timeout

    def url(self, path: str, query: dict[str, Any] | None = None) -> str:
        url = self.base_url + path
        if query:
            url += "?" + "&".join(f"{k}={quote(str(v), safe='')}" for k, v in query.items())
        return url

    def request(self, method: str, path: str, body: Any = None, query: dict[str, Any] | None = None) -> Any:
        url = self.url(path, query)
        headers = {}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        content = None
        if body is not None:
            headers["Content-Type"] = "application/json"
            content = json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode()
        try:
            with _client(self.timeout) as client:
                response = client.request(method, url, content=content, headers=headers)
        except (httpx.HTTPError, ValueError) as exc:
            raise CliError(f"request Moltnet {method} {redact(url)}: {_cause(exc)}") from None
        text = response.content[:MAX_BODY].decode("utf-8", errors="replace").strip()
        if not 200 <= response.status_code < 300:
            try:
                phrase = HTTPStatus(response.status_code).phrase
            except ValueError:
                phrase = response.reason_phrase
            message = f"moltnet {method} {redact(url)} returned {response.status_code} {phrase}"
            if text:
                message += ": " + " ".join(text.splitlines())
            if hint := HINTS.get(response.status_code):
                message += f" ({hint})"
            raise CliError(message)
        try:
            return json.loads(text) if text else None
        except ValueError as exc:
            raise CliError(f"decode Moltnet response: {exc}") from None

    def get(self, path: str, query: dict[str, Any] | None = None) -> Any:
        return self.request("GET", path, query=query)

    def post(self, path: str, body: Any) -> Any:
        return self.request("POST", path, body=body)

    def fetch_text(self, path: str, timeout: float, limit: int) -> tuple[int, str]:
        """A best-effort GET returning (status, body) — used for the server-generated skill.

        `timeout` bounds the whole exchange, as Go's http.Client.Timeout does, not each read."""
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        deadline = time.monotonic() + timeout
        with _client(timeout) as client, client.stream("GET", self.url(path), headers=headers) as resp:
            data = b""
            for chunk in resp.iter_bytes():
                data += chunk
                if len(data) >= limit:
                    break
                if time.monotonic() > deadline:
                    raise httpx.ReadTimeout("timeout awaiting the skill", request=resp.request)
            return resp.status_code, data[:limit].decode("utf-8", errors="replace")


def _client(timeout: float) -> httpx.Client:
    """Like Go's http.Client: redirects are followed (10 at most). httpx keeps the bearer token only
    for the same origin (or an http→https upgrade), where Go also sends it to other ports and subdomains."""
    return httpx.Client(timeout=timeout, follow_redirects=True, max_redirects=10)
