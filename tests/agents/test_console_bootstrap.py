"""Console cookie bootstrap (spec 03 §12): ?access_token= becomes an HttpOnly cookie and leaves the URL."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.agents.conftest import SECRET, auth


def bootstrap(path: str, **kwargs):
    response = Client().get(path, **kwargs)
    cookie = response.cookies.get("moltnet_auth")
    return response, (cookie.OutputString() if cookie is not None else "")


@pytest.mark.parametrize("path,location", [
    ("/console/?access_token=t&view=live", "/console/?view=live"),
    ("/console/?z=2&access_token=t&a=1", "/console/?a=1&z=2"),
    ("/console/?access_token=t", "/console/"),
    ("/console?access_token=t", "/console"),
    ("/?access_token=t", "/"),
    ("/some/page?access_token=t&b=x%20y", "/some/page?b=x+y"),
])
def test_redirect_strips_the_token_and_sorts_the_rest(configure, db, path, location):
    configure(auth("bearer"))
    response, cookie = bootstrap(path)
    assert response.status_code == 307
    assert response["Location"] == location
    assert "access_token" not in response["Location"]
    assert cookie == "moltnet_auth=t; HttpOnly; Path=/; SameSite=Lax"


def test_session_cookie_only(configure, db):
    configure(auth("bearer"))
    _, cookie = bootstrap("/console/?access_token=t")
    assert "expires" not in cookie.lower() and "max-age" not in cookie.lower()


def test_secure_over_tls(configure, db):
    configure(auth("bearer"))
    _, cookie = bootstrap("/console/?access_token=t", secure=True)
    assert "Secure" in cookie


def test_forwarded_proto_only_when_trusted(configure, db):
    configure(auth("bearer"))
    _, untrusted = bootstrap("/console/?access_token=t", headers={"X-Forwarded-Proto": "https"})
    assert "Secure" not in untrusted
    configure({**auth("bearer"), "server": {"trust_forwarded_proto": True}})
    _, trusted = bootstrap("/console/?access_token=t", headers={"X-Forwarded-Proto": " HTTPS "})
    assert "Secure" in trusted
    _, plain = bootstrap("/console/?access_token=t", headers={"X-Forwarded-Proto": "http"})
    assert "Secure" not in plain


def test_no_bootstrap_in_mode_none(configure, db):
    configure({"auth": {"mode": "none"}})
    for path in ("/console/?access_token=t", "/?access_token=t"):
        response, cookie = bootstrap(path)
        assert cookie == "", path
        assert response.get("Location", "") != path.split("?")[0], path


def test_bootstrapped_cookie_then_authenticates_the_api(configure, db):
    configure(auth("bearer"))
    client = Client()
    first = client.get(f"/console/?access_token={SECRET['observe']}")
    assert first.status_code == 307
    assert client.get("/v1/rooms").status_code == 200  # the cookie jar now carries moltnet_auth
    bad = Client()
    assert bad.get("/console/?access_token=wrong").status_code == 307  # not validated here…
    assert bad.get("/v1/rooms").json()["error"] == "invalid token"  # …but on the next request


def test_console_refuses_agent_tokens_without_public_read(configure, db, registered):
    configure(auth("bearer"))
    registered("luna", agent_token="magt_v1_luna-console")
    from agents.policy import CONSOLE, RequestCredentials
    from moltnet import state
    from moltnet.errors import ApiError

    creds = RequestCredentials({}, {"moltnet_auth": "magt_v1_luna-console"}, "/console/", {})
    with pytest.raises(ApiError) as info:
        CONSOLE.authenticate(state.auth_policy(), creds)
    assert (info.value.status, info.value.message) == (401, "invalid token")
    configure(auth("bearer", public_read=True))
    caller = CONSOLE.authenticate(state.auth_policy(), creds)  # accepted, but only as an anonymous viewer
    assert caller.claims is None and caller.public_read
