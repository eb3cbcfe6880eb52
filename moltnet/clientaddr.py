"""The client's address: the TCP peer, or — only behind a trusted proxy — what the proxy says.

Every per-address decision (registration and attach limits, send limits for anonymous senders,
the SSE per-identity cap, the failed-auth audit rows, the access log) asks `client_address`.
With `server.trusted_proxies` empty (the default) it is the TCP peer, whatever the headers say.
When the peer is a trusted proxy, the address is the right-most hop of `X-Forwarded-For` that is
not itself a trusted proxy (the hops to its left are written by the client and can be forged);
without `X-Forwarded-For`, the same walk runs over the `for=` values of `Forwarded` (RFC 7239).
X-Forwarded-For wins when both are present because common proxies (the README's nginx) append to
it but pass a client's own `Forwarded` header through untouched.
"""

from __future__ import annotations

import functools
import ipaddress
from collections.abc import Mapping
from typing import Any

from django.conf import settings

from moltnet.config.model import ConfigError
from moltnet.config.proxies import Network, parse_trusted

MAX_HOPS = 32  # a longer chain is not a proxy chain; only its right-most hops are read


@functools.lru_cache(maxsize=8)
def _trusted(entries: tuple[str, ...]) -> tuple[Network, ...]:
    try:
        return parse_trusted(entries)
    except ConfigError:  # validated at start-up; a config swapped in by a test trusts nothing
        return ()


def _ip(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """An address as a proxy writes one: `1.2.3.4`, `1.2.3.4:80`, `::1`, `[::1]:80`; None otherwise."""
    text = text.strip().strip('"').strip()
    if text.startswith("["):
        text = text[1:].split("]", 1)[0]
    elif text.count(":") == 1:
        text = text.split(":", 1)[0]
    try:
        ip = ipaddress.ip_address(text.split("%", 1)[0])
    except ValueError:
        return None
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    return ip


def _is_trusted(ip: ipaddress.IPv4Address | ipaddress.IPv6Address, trusted: tuple[Network, ...]) -> bool:
    return any(ip.version == net.version and ip in net for net in trusted)


def _split_commas(value: str) -> list[str]:
    """Comma-separated elements, commas inside quoted strings kept (RFC 7230 lists)."""
    parts, current, quoted, escaped = [], [], False, False
    for ch in value:
        if escaped:
            current.append(ch)
            escaped = False
        elif ch == "\\" and quoted:
            current.append(ch)
            escaped = True
        elif ch == '"':
            quoted = not quoted
            current.append(ch)
        elif ch == "," and not quoted:
            parts.append("".join(current))
            current = []
        else:
            current.append(ch)
    parts.append("".join(current))
    return [p.strip() for p in parts if p.strip()]


def forwarded_for(value: str) -> list[str]:
    """The `for=` value of each element of a `Forwarded` header (RFC 7239 §4), unquoted; "" where absent."""
    hops = []
    for element in _split_commas(value):
        found = ""
        for pair in element.split(";"):
            name, sep, raw = pair.partition("=")
            if sep and name.strip().lower() == "for":
                raw = raw.strip()
                if len(raw) >= 2 and raw[0] == raw[-1] == '"':
                    raw = raw[1:-1].replace('\\"', '"').replace("\\\\", "\\")
                found = raw
        hops.append(found)
    return hops


def client_address(peer: str, headers: Mapping[str, str], trusted: tuple[Network, ...]) -> str:
    """The client's address for a request from TCP peer `peer` (headers keyed in lower case)."""
    if not trusted or not peer:
        return peer
    peer_ip = _ip(peer)
    if peer_ip is None or not _is_trusted(peer_ip, trusted):
        return peer
    xff = headers.get("x-forwarded-for", "")
    hops = [h.strip() for h in xff.split(",")] if xff.strip() else forwarded_for(headers.get("forwarded", ""))
    client = peer_ip
    for hop in reversed(hops[-MAX_HOPS:]):
        ip = _ip(hop)
        if ip is None:  # garbage, "unknown" or an obfuscated id: the last proxy's word is all we have
            break
        client = ip
        if not _is_trusted(ip, trusted):
            break
    return str(client)


def trusted_networks() -> tuple[Network, ...]:
    """The running config's trusted proxies, parsed once."""
    return _trusted(tuple(settings.MOLTNET.trusted_proxies))  # what moltnet.state.config() reads


def of_request(request: Any) -> str:
    """The client address of a Django request (computed once per request)."""
    cached = getattr(request, "client_address", None)
    if cached is None:
        peer = request.META.get("REMOTE_ADDR", "") or ""
        trusted = trusted_networks()
        cached = client_address(peer, _request_headers(request), trusted) if trusted else peer
        request.client_address = cached
    return cached


def _request_headers(request: Any) -> dict[str, str]:
    meta = request.META
    return {"x-forwarded-for": meta.get("HTTP_X_FORWARDED_FOR", ""), "forwarded": meta.get("HTTP_FORWARDED", "")}


def of_scope(scope: Mapping[str, Any], headers: Mapping[str, str]) -> str:
    """The client address of an ASGI connection (WebSocket, SSE); `headers` keyed in lower case."""
    client = scope.get("client") or ("", 0)
    peer = str(client[0] or "")
    trusted = trusted_networks()
    return client_address(peer, headers, trusted) if trusted else peer
