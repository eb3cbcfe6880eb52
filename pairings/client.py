"""Outbound HTTP client for one pairing (docs/protocol/pairings.md §2).

Like Go's `http.Client` it follows redirects (10 requests at most; the token is not sent on to
another origin) and bounds each call in total, body included. Success is a 2xx whose body — read up
to 1 MiB — starts with a JSON value that decodes into the expected shape (`pairings.wire`).
The token goes only into the `Authorization: Bearer` header; error texts built here never
contain it (and never echo remote bodies verbatim without redaction).
"""

from __future__ import annotations

import json
import threading
import time
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

import httpx

from moltnet.config import PairingConfig
from moltnet.decoding import DecodeError
from moltnet.gocompat.jsondecode import JsonError, loads_first
from moltnet.ids import trim
from pairings import wire

REQUEST_TIMEOUT = 10.0
MAX_BODY = 1 << 20
MAX_REDIRECTS = 9  # Go's client stops before its 11th request: "stopped after 10 redirects"


class RemoteError(Exception):
    """A failed remote call; `str()` is a short, token-free description for diagnostics and logs."""

    def __init__(self, detail: str, status: int = 0, remote_error: str = "", retry_after: float = 0.0) -> None:
        super().__init__(detail)
        self.status = status
        self.remote_error = remote_error  # the `error` text of the remote's envelope, if any
        self.retry_after = retry_after  # seconds asked for by a Retry-After header (0: none)


def retry_after_seconds(value: str | None) -> float:
    """A Retry-After header in seconds: delta-seconds or an HTTP date; 0 when absent or unreadable."""
    value = (value or "").strip()
    if not value:
        return 0.0
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return 0.0
    if when.tzinfo is None:
        return 0.0
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


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
            client = _clients[pairing.id] = httpx.Client(follow_redirects=True, max_redirects=MAX_REDIRECTS)
        return client


def request(pairing: PairingConfig, method: str, path: str, body: Any = None,
            timeout: float = REQUEST_TIMEOUT) -> Any:
    """One call within `timeout` seconds in total: a 2xx with a JSON body is success (its first
    JSON value, read from at most 1 MiB); anything else raises RemoteError."""
    headers = _headers(pairing)
    content = None
    if body is not None:
        headers["Content-Type"] = "application/json"
        content = json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode()
    label = f"{method} {path}"
    deadline = time.monotonic() + timeout
    try:
        with http_client(pairing).stream(method, base_url(pairing) + path, headers=headers, content=content,
                                         timeout=timeout) as response:
            data = b""
            for chunk in response.iter_bytes():
                data += chunk
                if len(data) >= MAX_BODY:
                    data = data[:MAX_BODY]
                    break
                if time.monotonic() > deadline:
                    raise httpx.ReadTimeout("deadline exceeded")
            status = response.status_code
            retry_after = retry_after_seconds(response.headers.get("Retry-After"))
    except httpx.TimeoutException:
        raise RemoteError(f"{label}: timed out") from None
    except httpx.TooManyRedirects:
        raise RemoteError(f"{label}: stopped after 10 redirects") from None
    except httpx.HTTPError as exc:
        raise RemoteError(redact(f"{label}: {type(exc).__name__}", pairing)) from None
    except httpx.InvalidURL:
        raise RemoteError(f"{label}: remote_base_url is not a valid URL") from None
    if not 200 <= status < 300:
        detail = _error_text(data)
        text = f"{label}: remote answered {status}" + (f" ({detail})" if detail else "")
        raise RemoteError(redact(text, pairing), status, redact(detail, pairing), retry_after)
    try:
        return loads_first(data)  # what Go's json.Decoder.Decode reads: the rest is ignored
    except JsonError:
        raise RemoteError(f"{label}: response is not JSON", status) from None


def _decode[M: wire.WireModel](value: Any, model: type[M], label: str) -> M:
    try:
        return wire.decode(value, model)
    except DecodeError as exc:
        raise RemoteError(f"{label}: response does not decode: {exc}") from None


def fetch_network(pairing: PairingConfig) -> wire.NetworkIn:
    return _decode(request(pairing, "GET", "/v1/network"), wire.NetworkIn, "GET /v1/network")


def fetch_rooms(pairing: PairingConfig) -> list[wire.RoomIn]:
    return _decode(request(pairing, "GET", "/v1/rooms"), wire.RoomsIn, "GET /v1/rooms").rooms


def fetch_agents(pairing: PairingConfig) -> list[wire.AgentIn]:
    return _decode(request(pairing, "GET", "/v1/agents"), wire.AgentsIn, "GET /v1/agents").agents


def relay(pairing: PairingConfig, body: dict, timeout: float) -> wire.MessageAcceptedIn:
    """POST the relay body; the remote answers MessageAccepted."""
    return _decode(request(pairing, "POST", "/v1/messages", body, timeout), wire.MessageAcceptedIn,
                   "POST /v1/messages")
