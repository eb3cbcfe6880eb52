"""Console cookie bootstrap (docs/protocol/auth.md §12): ?access_token= becomes an HttpOnly cookie and leaves the
URL."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.support.agents import SECRET, auth


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


def test_cookie_value_is_written_as_given_like_go(configure, db):
    """A base64-style secret keeps its `/`, `+` and `=` (no Python cookie quoting); invalid bytes drop."""
    configure(auth("bearer"))
    for token, written in [("a/b%2Bc==", "a/b+c=="), ("a%3Bb", "ab"), ("two%20words", '"two words"')]:
        _, cookie = bootstrap(f"/console/?access_token={token}")
        assert cookie == f"moltnet_auth={written}; HttpOnly; Path=/; SameSite=Lax", token


def test_slash_and_equals_token_round_trips_through_the_cookie(configure, db):
    configure({"auth": {"mode": "bearer", "tokens": [{"id": "b64", "value": "c2Vj/cmV0+==", "scopes": ["observe"]}]}})
    client = Client()
    assert client.get("/console/?access_token=c2Vj%2FcmV0%2B%3D%3D").status_code == 307
    assert client.get("/v1/rooms").status_code == 200


def test_first_access_token_wins_and_all_are_removed(configure, db):
    configure(auth("bearer"))
    response, cookie = bootstrap("/console/?access_token=first&view=live&access_token=second")
    assert response["Location"] == "/console/?view=live"
    assert cookie.startswith("moltnet_auth=first;")


def test_repeated_parameters_keep_their_order(configure, db):
    configure(auth("bearer"))
    response, _ = bootstrap("/console/?b=2&access_token=t&b=1&a=z")
    assert response["Location"] == "/console/?a=z&b=2&b=1"  # keys sorted, values as sent (Go's Values.Encode)


def test_location_path_stays_percent_encoded(configure, db):
    configure(auth("bearer"))
    assert bootstrap("/console/caf%C3%A9?access_token=t")[0]["Location"] == "/console/caf%C3%A9"
    assert bootstrap("/some%20page?access_token=t&x=1")[0]["Location"] == "/some%20page?x=1"


@pytest.mark.parametrize("path", ["/console/", "/console", "/", "/elsewhere"])
def test_head_requests_bootstrap_too(configure, db, path):
    configure(auth("bearer"))
    response = Client().head(f"{path}?access_token=t")
    assert response.status_code == 307 and response["Location"] == path
    assert response.cookies["moltnet_auth"].value == "t"


def test_a_blank_but_non_empty_token_still_bootstraps(configure, db):
    configure(auth("bearer"))
    response, cookie = bootstrap("/console/?access_token=%20")
    assert response.status_code == 307 and response["Location"] == "/console/"
    assert cookie.startswith('moltnet_auth=" ";')
    assert bootstrap("/console/?access_token=")[0].status_code == 401  # empty: no bootstrap, no credential


def test_api_paths_never_bootstrap(configure, db):
    """Unknown /v1/ paths are a JSON 404 here (README: Differences), so they set no cookie."""
    configure(auth("bearer"))
    response, cookie = bootstrap("/v1/nope?access_token=t")
    assert response.status_code == 404 and cookie == ""
