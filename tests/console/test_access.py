"""Who gets into /console/: tokens by scope, Django staff users, auth mode none — never data without one."""

from __future__ import annotations

import json
import re

import pytest
from django.contrib.auth.models import User
from django.test import Client

from tests.support.console import SECRET, make_room, say


def boot_of(response) -> dict:
    match = re.search(r'<script id="console-boot" type="application/json">(.*?)</script>', response.content.decode())
    assert match, "live view carries its boot document"
    return json.loads(match.group(1))


def test_anonymous_visitor_gets_the_login_page_and_no_data(bearer):
    make_room("secret-plans")
    say("secret-plans", "the launch code is 1234")
    for path in ["/console/", "/console/manage/", "/console/rooms/room/", "/console/rooms/message/"]:
        response = Client().get(path)
        assert response.status_code == 401, path
        body = response.content.decode()
        assert 'data-testid="login"' in body
        assert "secret-plans" not in body and "1234" not in body and "Console Test" not in body


def test_access_token_bootstrap_sets_the_cookie_and_redirects(bearer):
    response = Client().get("/console/?access_token=viewer-secret&view=live")
    assert response.status_code == 307
    assert response["Location"] == "/console/?view=live"
    cookie = response.cookies["moltnet_auth"]
    assert cookie.value == "viewer-secret" and cookie["httponly"] and cookie["samesite"] == "Lax"


def test_bootstrap_runs_first_on_admin_pages_and_bare_console(bearer, browser_as):
    assert Client().get("/console/rooms/room/?access_token=x")["Location"] == "/console/rooms/room/"
    assert Client().get("/console").status_code == 401  # CONSOLE auth, as on /console/
    bare = browser_as("viewer").get("/console")
    assert bare.status_code == 307 and bare["Location"] == "/console/"


def test_observe_token_opens_a_read_only_live_view(bearer, browser_as):
    response = browser_as("viewer").get("/console/")
    assert response.status_code == 200
    boot = boot_of(response)
    assert boot["network"]["name"] == "Console Test"
    assert boot["network"]["console"]["can_send_human"] is False
    assert boot["scopes"] == ["observe"] and boot["api"] == ""


def test_write_token_may_send_as_a_human(bearer, browser_as):
    assert boot_of(browser_as("writer").get("/console/"))["network"]["console"]["can_send_human"] is True


def test_human_ingress_off_hides_the_composer_even_for_operators(configure, db, browser_as):
    from tests.support.console import TOKENS

    configure({"auth": {"mode": "bearer", "tokens": TOKENS}, "server": {"human_ingress": False}})
    boot = boot_of(browser_as("operator").get("/console/"))
    assert boot["network"]["console"]["can_send_human"] is False


@pytest.mark.parametrize("credential,status,error", [
    ("nope", 401, "invalid token"),
    ("bot", 403, "this token may not observe the network"),  # write+attach: valid, but no observe/admin
])
def test_bad_or_under_scoped_credentials_see_the_login_page(bearer, browser_as, credential, status, error):
    response = browser_as(credential).get("/console/")
    assert response.status_code == status
    assert 'data-testid="login"' in response.content.decode()
    assert error in response.content.decode()


def test_login_form_turns_a_token_into_the_console_cookie(bearer):
    client = Client()
    response = client.post("/console/login/", {"access_token": SECRET["viewer"], "next": "/console/"})
    assert response.status_code == 302 and response["Location"] == "/console/"
    assert client.cookies["moltnet_auth"].value == SECRET["viewer"]
    assert client.get("/console/").status_code == 200


def test_login_form_refuses_unknown_tokens(bearer):
    response = Client().post("/console/login/", {"access_token": "wrong"})
    assert response.status_code == 401 and "invalid token" in response.content.decode()


def test_sign_out_clears_the_cookie(bearer, browser_as):
    client = browser_as("viewer")
    client.get("/console/")
    response = client.post("/console/logout/")
    assert response.status_code == 302
    assert client.get("/console/").status_code == 401


def test_superuser_signs_in_with_a_password_and_reads_through_the_session_bridge(bearer):
    User.objects.create_superuser("root", "root@example.com", "pw-12345")
    make_room("research")
    say("research", "hello from alpha")
    client = Client()
    assert client.post("/console/login/", {"username": "root", "password": "pw-12345"}).status_code == 302
    boot = boot_of(client.get("/console/"))
    assert boot["api"] == "/console/api" and boot["network"]["console"]["can_send_human"] is True
    history = client.get("/console/api/v1/rooms/research/messages?limit=50").json()
    assert [m["parts"][0]["text"] for m in history["messages"]] == ["hello from alpha"]
    # The bridge only serves password sessions; token sessions use /v1 directly.
    assert Client().get("/console/api/v1/rooms").status_code == 404


def test_password_session_writes_need_the_csrf_token(bearer):
    User.objects.create_superuser("root", "root@example.com", "pw-12345")
    make_room("research")
    client = Client(enforce_csrf_checks=True)
    client.get("/console/login/")
    token = client.cookies["csrftoken"].value
    client.post("/console/login/", {"username": "root", "password": "pw-12345", "csrfmiddlewaretoken": token})
    body = json.dumps({"target": {"kind": "room", "room_id": "research"}, "from": {"type": "human", "id": "root"},
                       "parts": [{"kind": "text", "text": "hi"}]})
    refused = client.post("/console/api/v1/messages", body, content_type="application/json")
    assert refused.status_code == 403
    token = client.cookies["csrftoken"].value
    accepted = client.post("/console/api/v1/messages", body, content_type="application/json",
                           headers={"X-CSRFToken": token})
    assert accepted.status_code == 202
    assert Client(headers={"Authorization": "Bearer operator-secret"}).get(
        "/v1/rooms/research/messages").json()["messages"][0]["from"]["type"] == "human"


def test_wrong_password_is_refused(bearer):
    User.objects.create_superuser("root", "root@example.com", "pw-12345")
    response = Client().post("/console/login/", {"username": "root", "password": "nope"})
    assert response.status_code == 401


def test_auth_none_opens_directly_with_every_power(configure, db):
    configure({})
    response = Client().get("/console/")
    assert response.status_code == 200
    boot = boot_of(response)
    assert boot["source"] == "none" and boot["network"]["console"]["can_send_human"] is True
    assert Client().get("/console/manage/").status_code == 200


def test_assets_are_served_without_a_credential(bearer):
    response = Client().get("/console/static/console/console.js")
    assert response.status_code == 200 and b"EventSource" in b"".join(response.streaming_content)
    assert Client().get("/console/static/admin/css/base.css").status_code == 200
    assert Client().get("/console/static/../settings.py").status_code == 404


def test_configured_analytics_tag_is_inserted_into_the_console_head(configure, db):
    configure({"server": {"console": {"analytics": {"provider": "google", "measurement_id": "G-ABC123"}}}})
    page = Client().get("/console/").content.decode()
    head = page.split("</head>")[0]
    assert "https://www.googletagmanager.com/gtag/js?id=G-ABC123" in head and "anonymize_ip:true" in head
    configure({})
    assert "googletagmanager" not in Client().get("/console/").content.decode()


def test_staff_user_who_is_not_a_superuser_only_observes(bearer):
    User.objects.create_user("watcher", password="pw-12345", is_staff=True)
    make_room("research")
    client = Client()
    client.post("/console/login/", {"username": "watcher", "password": "pw-12345"})
    boot = boot_of(client.get("/console/"))
    assert boot["scopes"] == ["observe"] and boot["network"]["console"]["can_send_human"] is False
    assert client.get("/console/api/v1/rooms").json()["rooms"][0]["id"] == "research"
    body = {"target": {"kind": "room", "room_id": "research"}, "from": {"type": "human", "id": "watcher"},
            "parts": [{"kind": "text", "text": "hi"}]}
    refused = client.post("/console/api/v1/messages", json.dumps(body), content_type="application/json")
    assert refused.status_code == 403 and refused.json()["error"] == "forbidden"
    assert client.post("/console/rooms/room/add/", {"id": "x", "visibility": "private",
                                                    "write_policy": "members"}).status_code == 403


def test_non_staff_users_cannot_sign_in(bearer):
    User.objects.create_user("someone", password="pw-12345")
    response = Client().post("/console/login/", {"username": "someone", "password": "pw-12345"})
    assert response.status_code == 401


def test_public_read_lets_anonymous_visitors_watch_public_rooms_only(configure, db):
    from tests.support.console import TOKENS

    configure({"auth": {"mode": "bearer", "public_read": True, "tokens": TOKENS}})
    make_room("town-square", visibility="public")
    make_room("back-office")
    client = Client()
    page = client.get("/console/")
    assert page.status_code == 200 and "Sign in" in page.content.decode()
    boot = boot_of(page)
    assert boot["source"] == "anonymous" and boot["network"]["console"]["can_send_human"] is False
    assert [r["id"] for r in client.get("/v1/rooms").json()["rooms"]] == ["town-square"]
    assert client.get("/console/manage/").status_code == 401  # management needs observe/admin
    assert client.get("/console/login/").status_code == 200


def test_console_pages_refuse_framing_and_the_login_cookie_honours_forwarded_https(configure, db):
    from tests.support.console import TOKENS

    configure({"auth": {"mode": "bearer", "tokens": TOKENS}, "server": {"trust_forwarded_proto": True}})
    assert Client().get("/console/")["X-Frame-Options"] == "DENY"
    response = Client().post("/console/login/", {"access_token": SECRET["viewer"]},
                             headers={"X-Forwarded-Proto": "https"})
    assert response.cookies["moltnet_auth"]["secure"]
