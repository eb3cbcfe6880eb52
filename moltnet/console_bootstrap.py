"""The console cookie bootstrap (docs/protocol/auth.md §12): ?access_token= becomes an HttpOnly cookie."""

from __future__ import annotations

from urllib.parse import quote, urlencode

from django.http import HttpRequest, HttpResponse

from moltnet import state

COOKIE = "moltnet_auth"
# Characters Go's URL.EscapedPath leaves as they are in a path (everything else is percent-encoded).
_PATH_SAFE = "/!$&'()*+,;=:@"


def cookie_value(token: str) -> str:
    """The value as Go's http.SetCookie writes it (docs/protocol/auth.md §12: the token as given).

    Bytes that are not cookie-octets (controls, non-ASCII, `"`, `;`, `\\`) are dropped and the
    value is quoted only when it holds a space or a comma — Python's cookie module would instead
    quote and octal-escape values containing `/`, `=` or `?`, as a base64 secret does.
    """
    kept = bytes(b for b in token.encode() if 0x20 <= b < 0x7F and b not in b'";\\').decode("ascii")
    return f'"{kept}"' if " " in kept or "," in kept else kept


def redirect_location(request: HttpRequest) -> str:
    """The request path (percent-encoded) plus the other query parameters, keys sorted, value order kept."""
    remaining = [(key, value) for key in sorted(request.GET) if key != "access_token"
                 for value in request.GET.getlist(key)]
    path = quote(request.path, safe=_PATH_SAFE)
    return path + (f"?{urlencode(remaining)}" if remaining else "")


def bootstrap_redirect(request: HttpRequest) -> HttpResponse | None:
    """307 to the same path without access_token, setting the auth cookie; None if not applicable.

    Applies to GET and HEAD (Go's `GET` patterns answer both) when auth is enabled and the query
    carries a non-empty `access_token`; like Go, the first value is the token and it is not trimmed.
    """
    if request.method not in ("GET", "HEAD"):
        return None
    cfg = state.config()
    tokens = request.GET.getlist("access_token")
    token = tokens[0] if tokens else ""
    if cfg.auth_mode == "none" or not token:
        return None
    response = HttpResponse(status=307)
    response["Location"] = redirect_location(request)
    forwarded = request.headers.get("X-Forwarded-Proto", "").strip().lower()
    secure = request.is_secure() or (cfg.trust_forwarded_proto and forwarded == "https")
    response.set_cookie(COOKIE, token, path="/", httponly=True, samesite="Lax", secure=secure)
    response.cookies[COOKIE].set(COOKIE, token, cookie_value(token))
    return response
