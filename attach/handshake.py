"""Checks made before /v1/attach upgrades (docs/protocol/attach.md §3, 03 §11, §13): auth, origin, handshake.

Daphne hands a request to the WebSocket stack only when it carries `Upgrade: websocket`; the
ASGI websocket scope cannot answer with an HTTP status, so refusals there are written as a raw
HTTP response on the connection (`deny`). Requests without that header reach `attach_http`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from http import HTTPStatus
from http.cookies import SimpleCookie
from urllib.parse import parse_qsl, urlsplit

from agents.auth import Caller
from agents.policy import ATTACH, STREAM, RequestCredentials
from agents.ratelimit import check_rate_limit
from attach import db
from moltnet import clientaddr, jsonshape, metrics, state
from moltnet.errors import ApiError, error_envelope
from moltnet.ids import new_request_id

REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")


@dataclass
class Denial:
    status: int
    body: bytes
    content_type: str
    headers: list[tuple[str, str]] = field(default_factory=list)


def header_map(scope: dict) -> dict[str, str]:
    out: dict[str, str] = {}
    for name, value in scope.get("headers", []):
        key = name.decode("latin1").lower()
        text = value.decode("latin1")
        out[key] = f"{out[key]},{text}" if key in out and key != "cookie" else text
    return out


def request_id(headers: dict[str, str]) -> str:
    incoming = (headers.get("x-request-id") or "").strip()
    return incoming if REQUEST_ID.fullmatch(incoming) else new_request_id()


def credentials(scope: dict, headers: dict[str, str]) -> RequestCredentials:
    cookies: dict[str, str] = {}
    if headers.get("cookie"):
        jar = SimpleCookie()
        try:
            jar.load(headers["cookie"])
        except Exception:  # a malformed cookie header is just no cookie
            jar = SimpleCookie()
        cookies = {k: m.value for k, m in jar.items()}
    query = dict(parse_qsl(scope.get("query_string", b"").decode("latin1"), keep_blank_values=True))
    return RequestCredentials(headers=headers, cookies=cookies, path=scope.get("path", ""), query=query,
                              remote_addr=clientaddr.of_scope(scope, headers))


def json_denial(exc: ApiError, rid: str) -> Denial:
    body = (jsonshape.dumps(error_envelope(exc.status, exc.message, rid)) + "\n").encode()
    return Denial(exc.status, body, "application/json", [("X-Request-Id", rid), *exc.headers.items()])


def plain_denial(status: int) -> Denial:
    body = (HTTPStatus(status).phrase + "\n").encode()
    return Denial(status, body, "text/plain; charset=utf-8", [("Sec-Websocket-Version", "13")])


# --- origins (03 §13) ------------------------------------------------------------------------
def normalize_origin(value: str) -> str | None:
    try:
        parts = urlsplit(value.strip())
    except ValueError:
        return None
    if not parts.scheme or not parts.netloc or parts.path not in ("", "/"):
        return None
    return f"{parts.scheme.lower()}://{parts.netloc}"


def allowed_origins() -> set[str]:
    cfg = state.config()
    listed = {o for o in (normalize_origin(v) for v in cfg.allowed_origins) if o}
    if listed:
        return listed
    host, sep, port = cfg.listen_addr.rpartition(":")
    if not sep or not port.isdigit():
        return set()
    host = host.strip("[]")
    hosts = ["localhost", "127.0.0.1"]
    if host and host not in ("0.0.0.0", "::"):
        hosts.append(host)
    out = set()
    for h in hosts:
        shown = f"[{h}]" if ":" in h else h
        out |= {f"http://{shown}:{port}", f"https://{shown}:{port}"}
    return out


def origin_allowed(headers: dict[str, str]) -> bool:
    if "origin" not in headers:
        return True
    origin = normalize_origin(headers["origin"])
    return origin is not None and origin in allowed_origins()


# --- the checks --------------------------------------------------------------------------------
def authenticate_attach(scope: dict) -> tuple[Caller | None, Denial | None, str]:
    """Route class ATTACH, then the anonymous-attach rate limit, then the origin (sync: may hit the DB)."""
    headers = header_map(scope)
    rid = request_id(headers)
    creds = credentials(scope, headers)
    try:
        caller = ATTACH.authenticate(state.auth_policy(), creds)
        if caller.claims is None and caller.mode != "none" and (caller.registration == "open"
                                                                 or caller.mode == "open"):
            check_rate_limit("attach", creds.remote_addr)
    except ApiError as exc:
        return None, json_denial(exc, rid), rid
    if not origin_allowed(headers):
        return None, plain_denial(403), rid
    return caller, None, rid


def authenticate_stream(scope: dict) -> tuple[Caller | None, Denial | None, str, RequestCredentials]:
    headers = header_map(scope)
    rid = request_id(headers)
    creds = credentials(scope, headers)
    try:
        return STREAM.authenticate(state.auth_policy(), creds), None, rid, creds
    except ApiError as exc:
        return None, json_denial(exc, rid), rid, creds


def raw_response(denial: Denial) -> bytes:
    lines = [f"HTTP/1.1 {denial.status} {HTTPStatus(denial.status).phrase}",
             f"Content-Type: {denial.content_type}", f"Content-Length: {len(denial.body)}",
             "X-Content-Type-Options: nosniff", *(f"{k}: {v}" for k, v in denial.headers), "Connection: close"]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin1") + denial.body


async def send_denial(send, denial: Denial) -> None:
    """Answer a plain HTTP request with the denial."""
    headers = [(b"content-type", denial.content_type.encode()), (b"x-content-type-options", b"nosniff")]
    headers += [(k.lower().encode(), v.encode()) for k, v in denial.headers]
    await send({"type": "http.response.start", "status": denial.status, "headers": headers})
    await send({"type": "http.response.body", "body": denial.body})


async def attach_http(scope: dict, receive, send) -> None:
    """`/v1/attach` without `Upgrade: websocket`: auth first (401/403/429 JSON), then the handshake's 400."""
    if scope.get("method") not in ("GET", "HEAD"):
        rid = request_id(header_map(scope))
        await send_denial(send, json_denial(ApiError(405, "method not allowed", {"Allow": "GET, HEAD"}), rid))
        metrics.observe_request(scope.get("method", ""), "/v1/attach", 405, 0)
        return
    _, denial, _ = await db.run(authenticate_attach, scope)
    if denial is None or denial.status == 403 and denial.content_type.startswith("text/plain"):
        # Connection/Upgrade tokens are checked before the origin: a plain GET is a 400.
        denial = plain_denial(400)
    await send_denial(send, denial)
    metrics.observe_request(scope.get("method", "GET"), "GET /v1/attach", denial.status, 0)
