"""The console in a real headless Chromium against a real `moltnet start` in bearer mode."""

from __future__ import annotations

import contextlib
import time

import httpx
import pytest
from playwright.sync_api import Error as PlaywrightError

from tests.console.browser import chromium
from tests.support.live import LiveServer

pytestmark = [pytest.mark.browser, pytest.mark.live]

CONFIG = """\
version: moltnet.v1
network:
  id: local
  name: Browser Test Network
auth:
  mode: bearer
  agent_registration: token
  tokens:
    - {id: node, value: node-secret, scopes: [attach]}
    - {id: viewer, value: viewer-secret, scopes: [observe]}
    - {id: operator, value: operator-secret, scopes: [observe, write, admin]}
pairings:
  - {id: partner, remote_network_id: partner-net, remote_base_url: "http://127.0.0.1:9", token: pairing-secret-xyz,
     status: degraded}
"""


def send(api: httpx.Client, text: str, sender: str = "alpha", **extra) -> dict:
    body = {"target": {"kind": "room", "room_id": "research"}, "from": {"type": "agent", "id": sender},
            "parts": [{"kind": "text", "text": text}], **extra}
    response = api.post("/v1/messages", json=body)
    assert response.status_code == 202, response.text
    return response.json()


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> LiveServer:
    """One server for the module, seeded through the API like an operator would."""
    live = LiveServer(tmp_path_factory.mktemp("console-live"), CONFIG).start()
    with live.client("operator-secret") as api:
        assert api.post("/v1/rooms", json={"id": "research", "name": "Research",
                                           "members": ["alpha", "beta"]}).status_code == 201
        send(api, "first message of the room")
        send(api, "@beta the report is ready", mentions=["beta"])
        first = api.post("/v1/messages", json={
            "target": {"kind": "room", "room_id": "research"}, "from": {"type": "agent", "id": "beta"},
            "parts": [{"kind": "text", "text": "attached:"},
                      {"kind": "url", "url": "https://example.com/report.pdf", "filename": "report.pdf"}]})
        assert first.status_code == 202
        parent = first.json()["message_id"]
        assert api.post("/v1/messages", json={
            "target": {"kind": "thread", "room_id": "research", "thread_id": "thr_report", "parent_message_id": parent},
            "from": {"type": "agent", "id": "alpha"}, "parts": [{"kind": "text", "text": "reply in the thread"}],
        }).status_code == 202
    yield live
    live.stop()


@pytest.fixture(scope="module")
def chromium_profile():
    with chromium() as context:
        yield context


@pytest.fixture
def browser(chromium_profile):
    """The module's browser with a clean cookie jar: every test signs in (or not) for itself."""
    chromium_profile.clear_cookies()
    yield chromium_profile
    for page in chromium_profile.pages:
        page.close()


def open_console(browser, server: LiveServer, token: str | None, path: str = "/console/#room/research"):
    page = browser.new_page()
    if token:
        page.goto(f"{server.base_url}/console/?access_token={token}")
    page.goto(server.base_url + path)
    return page


def wait_for_history(page) -> None:
    page.wait_for_selector('#messages[data-loaded="true"]', timeout=10_000)


def test_anonymous_visitor_sees_the_login_page_and_no_data(browser, server):
    page = open_console(browser, server, None)
    page.wait_for_selector('[data-testid="login"]')
    assert "research" not in page.content() and "report" not in page.content()
    assert page.evaluate("fetch('/v1/rooms').then(r => r.status)") == 401


def test_token_login_shows_the_room_history_with_mentions_artifacts_and_threads(browser, server):
    page = open_console(browser, server, "operator-secret")
    wait_for_history(page)
    texts = page.locator("#messages li.msg").all_inner_texts()
    assert "first message of the room" in texts[0] and any("report.pdf" in t for t in texts)
    assert page.locator("mark.mention.resolved").first.inner_text() == "@beta"
    assert page.locator("a.artifact").get_attribute("href") == "https://example.com/report.pdf"
    assert "research" in page.locator('[data-testid="rooms"]').inner_text().lower()
    assert "alpha" in page.locator('[data-testid="agents"]').inner_text()
    page.locator("a.thread-link").click()
    page.wait_for_selector("text=reply in the thread")
    assert "Thread thr_report" in page.locator("#title").inner_text()
    assert "history: 1 loaded, complete" in page.locator('[data-testid="status"]').inner_text()


def test_sidebar_shows_pairings_with_status_and_the_network_warnings(browser, server):
    page = open_console(browser, server, "viewer-secret")
    wait_for_history(page)
    page.wait_for_selector('[data-testid="pairings"] li.pairing')
    pairing = page.locator('[data-testid="pairings"] li.pairing').inner_text()
    assert "partner" in pairing and "partner-net" in pairing
    assert page.locator('[data-testid="pairings"] .status').inner_text() in ("degraded", "error", "unknown")
    assert "pairing" in page.locator('[data-testid="warnings"]').inner_text()
    assert "pairing-secret-xyz" not in page.content()
    assert page.locator("#dm-section").is_visible()


def test_agent_presence_follows_real_attachments(browser, server):
    import json

    from websockets.sync.client import connect

    page = open_console(browser, server, "viewer-secret")
    wait_for_history(page)
    page.wait_for_selector('[data-testid="status"][data-stream="live"]', timeout=10_000)
    assert page.locator('[data-agent="alpha"] .presence').inner_text() == "offline"
    ws = connect(server.ws_url + "/v1/attach", additional_headers={"Authorization": "Bearer node-secret"})
    try:
        assert json.loads(ws.recv())["op"] == "HELLO"
        ws.send(json.dumps({"op": "IDENTIFY", "version": "moltnet.attach.v1", "network_id": "local",
                            "agent": {"type": "agent", "id": "alpha", "name": "Alpha"}}))
        assert json.loads(ws.recv())["op"] == "READY"
        page.wait_for_selector('[data-agent="alpha"] .dot.on', timeout=10_000)
        assert page.locator('[data-agent="alpha"] .presence').inner_text() == "attached"
    finally:
        ws.close()
    page.wait_for_selector('[data-agent="alpha"] .dot:not(.on)', timeout=10_000)


def test_composer_sends_as_a_human_through_post_v1_messages(browser, server):
    page = open_console(browser, server, "operator-secret")
    wait_for_history(page)
    page.fill("#sender", "ada")
    page.fill("#text", "hello from the console")
    page.click("#composer button[type=submit]")
    page.wait_for_selector("#messages li.msg.human >> text=hello from the console", timeout=10_000)
    with server.client("operator-secret") as api:
        newest = api.get("/v1/rooms/research/messages?limit=1").json()["messages"][-1]
    assert newest["from"]["type"] == "human" and newest["from"]["id"] == "ada"
    assert newest["parts"] == [{"kind": "text", "text": "hello from the console"}]


def test_a_human_starts_a_thread_from_a_message(browser, server):
    page = open_console(browser, server, "operator-secret")
    wait_for_history(page)
    first = page.locator("#messages li.msg").first
    parent_id = first.get_attribute("data-id")
    first.hover()  # the reply action shows on hover, to keep the timeline quiet
    first.locator("button.reply").click()
    page.wait_for_selector("#title >> text=New thread")
    page.fill("#sender", "ada")
    page.fill("#text", "starting a thread from the console")
    page.click("#composer button[type=submit]")
    page.wait_for_selector("#messages >> text=starting a thread from the console", timeout=10_000)
    with server.client("operator-secret") as api:
        threads = api.get("/v1/rooms/research/threads").json()["threads"]
    started = [t for t in threads if t.get("parent_message_id") == parent_id]
    assert len(started) == 1 and started[0]["message_count"] == 1
    page.click("#back")
    page.wait_for_selector(f'li.msg[data-id="{parent_id}"] a.thread-link >> text=1 reply')


def test_read_only_token_sees_history_but_no_composer(browser, server):
    page = open_console(browser, server, "viewer-secret")
    wait_for_history(page)
    assert page.locator("#messages li.msg").count() >= 3
    assert page.locator('[data-testid="composer"]').is_hidden()
    assert page.locator("button.reply").count() == 0
    assert "read-only session" in page.locator('[data-testid="status"]').inner_text()


def test_a_message_posted_through_the_api_appears_live(browser, server):
    page = open_console(browser, server, "viewer-secret")
    wait_for_history(page)
    page.wait_for_selector('[data-testid="status"][data-stream="live"]', timeout=10_000)
    before = page.locator("#messages li.msg").count()
    with server.client("operator-secret") as api:
        send(api, "breaking: posted through the API", sender="beta")
    page.wait_for_selector("#messages >> text=breaking: posted through the API", timeout=10_000)
    assert page.locator("#messages li.msg").count() == before + 1


def test_auth_none_opens_directly_and_hides_dms_when_they_are_off(browser, live_server_factory):
    open_network = live_server_factory("version: moltnet.v1\nserver:\n  direct_messages: false\n", name="open")
    with open_network.client() as api:
        api.post("/v1/rooms", json={"id": "lobby", "members": ["alpha"]})
        api.post("/v1/messages", json={"target": {"kind": "room", "room_id": "lobby"},
                                       "from": {"type": "agent", "id": "alpha"},
                                       "parts": [{"kind": "text", "text": "no login needed"}]})
    page = browser.new_page()
    page.goto(open_network.base_url + "/console/")
    page.wait_for_selector("#messages >> text=no login needed")
    assert page.locator("#dm-section").is_hidden()
    assert "DMs: off" in page.locator('[data-testid="status"]').inner_text()
    assert page.locator('[data-testid="composer"]').is_visible()


def test_a_createsuperuser_operator_signs_in_with_a_password_and_gets_live_updates(browser, server):
    import os
    import subprocess
    import sys

    from tests.support.live import REPO

    env = {**os.environ, "DJANGO_SUPERUSER_PASSWORD": "correct-horse-battery"}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    env.pop("MOLTNET_CONFIG", None)
    subprocess.run([sys.executable, str(REPO / "manage.py"), "createsuperuser", "--noinput", "--username", "root",
                    "--email", "root@example.com"], cwd=server.workdir, env=env, check=True, capture_output=True)
    page = browser.new_page()
    page.goto(server.base_url + "/console/#room/research")
    # Both ways to sign in are shown plainly: nothing to unfold first.
    assert page.locator("#access_token").is_visible() and page.locator("#password").is_visible()
    assert "With a console user and password" in page.locator('[data-testid="login-user"]').inner_text()
    page.fill("#username", "root")
    page.fill("#password", "correct-horse-battery")
    page.click(".login-user button[type=submit]")
    page.goto(server.base_url + "/console/#room/research")
    wait_for_history(page)
    assert "user root" in page.locator('[data-testid="who"]').inner_text()
    page.wait_for_selector('[data-testid="status"][data-stream="live"]', timeout=10_000)
    with server.client("operator-secret") as api:
        send(api, "seen by the password session", sender="beta")
    page.wait_for_selector("#messages >> text=seen by the password session", timeout=10_000)
    page.fill("#sender", "root")
    page.fill("#text", "the password session can write")
    page.click("#composer button[type=submit]")
    page.wait_for_selector("#messages li.msg.human >> text=the password session can write", timeout=10_000)
    assert page.locator("#composer-error").inner_text() == ""


def test_a_room_reads_loading_until_its_first_page_arrives(browser, server):
    page = browser.new_page()
    # Every read of the room's history is held, from the start: the console may also reopen the
    # room an earlier page of this browser showed, before the address names it.
    held, released = [], []
    page.route("**/v1/rooms/research/messages*",
               lambda route: route.continue_() if released else held.append(route))
    page.goto(f"{server.base_url}/console/?access_token=operator-secret")
    page.goto(server.base_url + "/console/#room/research")
    page.wait_for_function("() => document.querySelector('[data-testid=status]').textContent.includes('history:')")
    deadline = time.time() + 10
    while not held and time.time() < deadline:
        page.wait_for_timeout(50)
    assert held, "the history request was not made"
    status = page.locator('[data-testid="status"]').inner_text()
    assert "history: loading…" in status and "complete" not in status
    released.append(True)
    for route in held:
        with contextlib.suppress(PlaywrightError):  # one from a document navigated away is gone
            route.continue_()
    wait_for_history(page)
    assert "history: loading…" not in page.locator('[data-testid="status"]').inner_text()
    assert "loaded, complete" in page.locator('[data-testid="status"]').inner_text()
