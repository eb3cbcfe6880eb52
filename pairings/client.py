"""Outbound HTTP client for one pairing (spec 07 §2).

The token goes only into the `Authorization: Bearer` header; error texts built here never
contain it (and never echo remote bodies verbatim without redaction).
"""

from __future__ import annotations

import json
import threading
from typing import Any

import httpx

from moltnet.config import PairingConfig
from moltnet.ids import trim

REQUEST_TIMEOUT = 10.0
MAX_BODY = 1 << 20


class RemoteError(Exception):
    """A failed remote call; `str()` is a short, token-free description for diagnostics and logs."""

    def __init__(self, detail: str, status: int = 0, remote_error: str = "") -> None:
        super().__init__(detail)
        self.status = status
        self.remote_error = remote_error  # the `error` text of the remote's envelope, if any


def base_url(pairing: PairingConfig) -> str:
    return trim(pairing.remote_base_url).rstrip("/")


def redact(text: str, pairing: PairingConfig) -> str:
    token = trim(pairing.token)
    return text.replace(token, "[redacted]") if token else text


def _headers(pairing: PairingConfig) -> dict[str, str]:
    token = trim(pairing.token)
    return {"Authorization": f"Bearer {token}"} if token else {}


def _error_text(body: bytes) -> str:
    try:
        decoded = json.loads(body)
    except ValueError:
        return ""
    if isinstance(decoded, dict) and isinstance(decoded.get("error"), str):
        return decoded["error"][:200]
    return ""


_clients: dict[str, httpx.Client] = {}
_clients_lock = threading.Lock()


def http_client(pairing: PairingConfig) -> httpx.Client:
    """A pooled client per pairing: building one per call costs an SSL context (tens of ms), and a
    client per pairing keeps one remote's cookies away from another remote on the same host."""
    with _clients_lock:
        client = _clients.get(pairing.id)
        if client is None:
            client = _clients[pairing.id] = httpx.Client(follow_redirects=False)
        return client


def request(pairing: PairingConfig, method: str, path: str, body: Any = None,
            timeout: float = REQUEST_TIMEOUT) -> Any:
    """One call: 2xx with a JSON body (≤ 1 MiB) is success; anything else raises RemoteError."""
    headers = _headers(pairing)
    content = None
    if body is not None:
        headers["Content-Type"] = "application/json"
        content = json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode()
    label = f"{method} {path}"
    try:
        with http_client(pairing).stream(method, base_url(pairing) + path, headers=headers, content=content,
                                  timeout=timeout) as response:
            data = b""
            for chunk in response.iter_bytes():
                data += chunk
                if len(data) > MAX_BODY:
                    raise RemoteError(f"{label}: response body exceeds 1 MiB", response.status_code)
            status = response.status_code
    except httpx.TimeoutException:
        raise RemoteError(f"{label}: timed out") from None
    except httpx.HTTPError as exc:
        raise RemoteError(redact(f"{label}: {type(exc).__name__}", pairing)) from None
    if not 200 <= status < 300:
        detail = _error_text(data)
        text = f"{label}: remote answered {status}" + (f" ({detail})" if detail else "")
        raise RemoteError(redact(text, pairing), status, redact(detail, pairing))
    try:
        return json.loads(data)
    except ValueError:
        raise RemoteError(f"{label}: response is not JSON", status) from None


def _object(value: Any, label: str) -> dict:
    if not isinstance(value, dict):
        raise RemoteError(f"{label}: response is not a JSON object")
    return value


def _list_field(value: Any, key: str, label: str) -> list[dict]:
    items = _object(value, label).get(key)
    if items is None:
        return []
    if not isinstance(items, list) or not all(isinstance(item, dict) for item in items):
        raise RemoteError(f"{label}: {key} is not a list of objects")
    return items


def fetch_network(pairing: PairingConfig) -> dict:
    return _object(request(pairing, "GET", "/v1/network"), "GET /v1/network")


def fetch_rooms(pairing: PairingConfig) -> list[dict]:
    return _list_field(request(pairing, "GET", "/v1/rooms"), "rooms", "GET /v1/rooms")


def fetch_agents(pairing: PairingConfig) -> list[dict]:
    return _list_field(request(pairing, "GET", "/v1/agents"), "agents", "GET /v1/agents")


def relay(pairing: PairingConfig, body: dict, timeout: float) -> dict:
    """POST the relay body; the remote answers MessageAccepted."""
    return _object(request(pairing, "POST", "/v1/messages", body, timeout), "POST /v1/messages")
