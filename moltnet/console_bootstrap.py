"""The console cookie bootstrap (spec 03 §12): ?access_token= becomes an HttpOnly cookie."""

from __future__ import annotations

from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse

from moltnet import state


def bootstrap_redirect(request: HttpRequest) -> HttpResponse | None:
    """307 to the same path without access_token, setting the auth cookie; None if not applicable."""
    cfg = state.config()
    token = request.GET.get("access_token", "").strip()
    if cfg.auth_mode == "none" or not token:
        return None
    remaining = sorted((k, v) for k in request.GET if k != "access_token" for v in request.GET.getlist(k))
    location = request.path + (f"?{urlencode(remaining)}" if remaining else "")
    response = HttpResponse(status=307)
    response["Location"] = location
    forwarded = request.headers.get("X-Forwarded-Proto", "").strip().lower()
    secure = request.is_secure() or (cfg.trust_forwarded_proto and forwarded == "https")
    response.set_cookie("moltnet_auth", request.GET.get("access_token"), path="/", httponly=True, samesite="Lax",
                        secure=secure)
    return response
