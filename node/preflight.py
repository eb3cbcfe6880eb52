"""The compatibility preflight: `GET /v1/network` checked before any runtime is touched (docs/protocol/node.md §7.2).

Also the URL helpers the node's HTTP calls share (redacted URLs in errors, API paths, status lines).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from urllib.parse import urlsplit, urlunsplit

import httpx

from moltnet.config import ConfigError
from moltnet.gocompat import quote
from node.config import BridgeConfig

PROTOCOL = "moltnet.attach.v1"
MAX_FRAME = 1 << 20


def json_object(data: bytes | str, not_object: str) -> dict:
    """Parse one JSON object; ValueError with the parser's reason, or `not_object` for any other JSON value."""
    value = json.loads(data)
    if not isinstance(value, dict):
        raise ValueError(not_object)
    return value


def redact(url: str) -> str:
    """Hide user-info credentials in URLs shown in errors and logs."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return url
    if "@" not in parts.netloc:
        return url
    return urlunsplit(parts._replace(netloc="***@" + parts.netloc.rsplit("@", 1)[1]))


def api_url(base_url: str, path: str) -> str:
    return base_url.rstrip("/") + path


def status_line(response: httpx.Response) -> str:
    return f"{response.status_code} {response.reason_phrase}".strip()


# ---- compatibility preflight (docs/protocol/node.md §7.2)
# ----------------------------------------------------------------------

def _protocol_issue(document: dict, key: str, want: str, hint_key: str, hint_value: str, legacy: bool) -> str | None:
    """Reported protocol names are compared and listed trimmed; a list of blanks is reported as `none`."""
    reported = _list(_dict(document.get("protocols")).get(key))
    if reported:
        names = [p.strip() for p in reported if isinstance(p, str) and p.strip()]
        if want in names:
            return None
        return f"required protocol {want} in protocols.{key}, reported {','.join(names) or 'none'}"
    if not legacy:
        return f"required protocol {want} in protocols.{key}, reported none"
    if _text(_dict(document.get("capabilities")).get(hint_key)).strip() != hint_value:
        return (f"required protocol {want} in protocols.{key}, reported none; "
                f"legacy hint {hint_key}={hint_value} is missing")
    return None


def _dict(value: object) -> dict:
    return value if isinstance(value, dict) else {}


def _list(value: object) -> list:
    return value if isinstance(value, list) else []


def _text(value: object) -> str:
    return value if isinstance(value, str) else ""


def compatibility_issues(cfg: BridgeConfig, document: dict) -> list[str]:
    issues = []
    expected = cfg.moltnet.network_id.strip()
    reported = _text(document.get("id")).strip()
    if reported != expected:
        issues.append(f"network_id mismatch: expected {quote(expected)}, reported {quote(reported)}")
    protocols = _dict(document.get("protocols"))
    legacy = not any(_list(protocols.get(k)) for k in ("http", "attach", "pair"))
    for key, want, hint_key, hint_value in (("http", "moltnet.http.v1", "message_pagination", "cursor"),
                                            ("attach", PROTOCOL, "attachment_protocol", "websocket")):
        issue = _protocol_issue(document, key, want, hint_key, hint_value, legacy)
        if issue:
            issues.append(issue)
    caps = _dict(document.get("capabilities"))
    attachment_protocol = _text(caps.get("attachment_protocol")).strip()
    if attachment_protocol != "websocket":
        issues.append(f"required capability attachment_protocol=websocket, reported {quote(attachment_protocol)}")
    if cfg.dms is not None and cfg.dms.enabled and caps.get("direct_messages") is not True:
        issues.append("required capability direct_messages=true, reported false")
    return issues


async def fetch_network(cfg: BridgeConfig, token: str | None) -> dict:
    url = api_url(cfg.moltnet.base_url, "/v1/network")
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    try:
        async with httpx.AsyncClient(timeout=15, trust_env=True) as http:
            response = await http.get(url, headers=headers)
    except httpx.HTTPError as exc:
        raise ConfigError(f"request moltnet compatibility metadata from {redact(url)}: {exc}") from None
    body = response.content[:MAX_FRAME]
    if response.status_code in (401, 403):
        raise ConfigError(f"moltnet compatibility preflight {redact(url)} returned {status_line(response)}: configured "
                          "credentials cannot read network compatibility metadata; required scopes: observe, pair, "
                          "or attach")
    if not 200 <= response.status_code < 300:
        text = body.decode(errors="replace").strip()
        raise ConfigError(f"moltnet compatibility preflight {redact(url)} returned {status_line(response)}"
                          + (f": {text}" if text else ""))
    try:
        document = json_object(body, "network document is not an object")
    except ValueError as exc:
        raise ConfigError(f"decode moltnet compatibility metadata: {exc}") from None
    return document


async def preflight(cfg: BridgeConfig, environ: Mapping[str, str] | None = None,
                    cache: dict | None = None) -> None:
    """Check the server before any runtime is touched; `cache` shares results between a node's attachments."""
    try:
        token = cfg.moltnet.resolve_token(environ)
    except ConfigError as exc:
        raise ConfigError(f"resolve moltnet token for compatibility preflight: {exc}") from None
    key = (cfg.moltnet.base_url.rstrip("/"), cfg.moltnet.network_id,
           hashlib.sha256(token.encode()).hexdigest() if token else "none")
    if cache is not None and key in cache:
        document = cache[key]
    else:
        document = await fetch_network(cfg, token)
        if cache is not None:
            cache[key] = document
    issues = compatibility_issues(cfg, document)
    if issues:
        raise ConfigError(f"moltnet compatibility check failed for {redact(cfg.moltnet.base_url)}: "
                          + "; ".join(issues))
