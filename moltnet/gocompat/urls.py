"""Go's `net/url.Parse` verdicts and error texts, for error texts that must match Go.

Only what decides *whether* a URL parses and *what the error says* is ported; callers use the
returned scheme and host to apply their own rules.
"""

from __future__ import annotations

from dataclasses import dataclass

from moltnet.gocompat.quoting import quote

_HEX = "0123456789abcdefABCDEF"
_HOST_OK = set("!$&'()*+,;=:[]<>\"-_.~")


class UrlError(ValueError):
    """A URL Go's url.Parse refuses; the text is Go's."""


@dataclass(frozen=True)
class ParsedUrl:
    scheme: str
    host: str


def _scheme(raw: str) -> tuple[str, str]:
    for index, char in enumerate(raw):
        if char.isascii() and char.isalpha():
            continue
        if char.isdigit() or char in "+-.":
            if index == 0:
                return "", raw
            continue
        if char == ":":
            if index == 0:
                raise UrlError("missing protocol scheme")
            return raw[:index], raw[index + 1:]
        return "", raw
    return "", raw


def _should_escape_host(char: str) -> bool:
    return not (char.isascii() and char.isalnum()) and char not in _HOST_OK


def _unescape(value: str, host: bool = False) -> None:
    index = 0
    while index < len(value):
        char = value[index]
        if char == "%":
            if index + 2 >= len(value) or value[index + 1] not in _HEX or value[index + 2] not in _HEX:
                raise UrlError(f"invalid URL escape {quote(value[index:index + 3])}")
            if host and int(value[index + 1], 16) < 8 and value[index:index + 3] != "%25":
                raise UrlError(f"invalid URL escape {quote(value[index:index + 3])}")
            index += 3
            continue
        if host and ord(char) < 0x80 and _should_escape_host(char):
            raise UrlError(f"invalid character {quote(char)} in host name")
        index += 1


def _valid_port(colon_port: str) -> bool:
    return colon_port == "" or (colon_port[0] == ":" and all(c in "0123456789" for c in colon_port[1:]))


def _host(host: str) -> str:
    if host.startswith("["):
        end = host.rfind("]")
        if end < 0:
            raise UrlError("missing ']' in host")
        if not _valid_port(host[end + 1:]):
            raise UrlError(f"invalid port {quote(host[end + 1:])} after host")
    elif (colon := host.rfind(":")) != -1 and not _valid_port(host[colon:]):
        raise UrlError(f"invalid port {quote(host[colon:])} after host")
    _unescape(host, host=True)
    return host


def _parse(raw: str) -> ParsedUrl:
    if any(ord(c) < 0x20 or ord(c) == 0x7F for c in raw):
        raise UrlError("net/url: invalid control character in URL")
    if raw == "*":
        return ParsedUrl("", "")
    scheme, rest = _scheme(raw)
    scheme = scheme.lower()
    rest = rest[:-1] if rest.endswith("?") and rest.count("?") == 1 else rest.split("?", 1)[0]
    if not rest.startswith("/"):
        if scheme:
            return ParsedUrl(scheme, "")  # opaque: not checked further
        if ":" in rest.split("/", 1)[0]:
            raise UrlError("first path segment in URL cannot contain colon")
    host = ""
    if (scheme or not rest.startswith("///")) and rest.startswith("//"):
        authority, slash, path = rest[2:].partition("/")
        rest = slash + path
        at = authority.rfind("@")
        host = _host(authority[at + 1:])
        if at >= 0:
            userinfo = authority[:at]
            if any(not (c.isascii() and (c.isalnum() or c in "-._:~!$&'()*+,;=%@")) for c in userinfo):
                raise UrlError("net/url: invalid userinfo")
            _unescape(userinfo)
    _unescape(rest)
    return ParsedUrl(scheme, host)


def parse_url(raw: str) -> ParsedUrl:
    """url.Parse: raises UrlError whose text is Go's `parse "<url>": <reason>`."""
    base, hash_mark, fragment = raw.partition("#")
    try:
        parsed = _parse(base)
    except UrlError as exc:
        raise UrlError(f"parse {quote(base)}: {exc}") from None
    if hash_mark:
        try:
            _unescape(fragment)
        except UrlError as exc:
            raise UrlError(f"parse {quote(raw)}: {exc}") from None
    return parsed
