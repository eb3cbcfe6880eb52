"""The live view shows the loop guard's paused state, live, in a real headless Chromium."""

from __future__ import annotations

import pytest

from tests.console.browser import chromium
from tests.support.live import LiveServer

pytestmark = [pytest.mark.browser, pytest.mark.live]

CONFIG = """\
version: moltnet.v1
network: {id: local, name: Loop Guard Test}
auth:
  mode: bearer
  tokens:
    - {id: viewer, value: viewer-secret, scopes: [observe]}
    - {id: operator, value: operator-secret, scopes: [observe, write, admin]}
loop_guard: {max_agent_hops: 2}
rooms:
  - {id: research, name: Research, members: [alpha, beta]}
"""


def agent_says(server: LiveServer, text: str, sender: str = "alpha") -> None:
    with server.client("operator-secret") as api:
        response = api.post("/v1/messages", json={"target": {"kind": "room", "room_id": "research"},
                                                   "from": {"type": "agent", "id": sender},
                                                   "parts": [{"kind": "text", "text": text}]})
        assert response.status_code == 202, response.text


@pytest.fixture
def server(live_server_factory) -> LiveServer:
    return live_server_factory(CONFIG, name="console-loop-guard")


@pytest.fixture(scope="module")
def browser():
    with chromium() as context:
        yield context


def open_room(browser, server: LiveServer, token: str):
    browser.clear_cookies()
    page = browser.new_page()
    page.goto(f"{server.base_url}/console/?access_token={token}")
    page.goto(server.base_url + "/console/#room/research")
    page.wait_for_selector('#messages[data-loaded="true"]', state="attached", timeout=10_000)
    page.wait_for_selector('[data-testid="status"][data-stream="live"]', timeout=10_000)
    return page


def test_the_pause_appears_live_and_an_operator_resumes_from_the_banner(browser, server):
    page = open_room(browser, server, "operator-secret")
    assert page.locator('[data-testid="loop-guard"]').is_hidden()
    for text in ("ping", "pong", "ping again"):
        agent_says(server, text, sender="alpha" if text != "pong" else "beta")
    page.wait_for_selector('[data-testid="loop-guard"]:visible', timeout=10_000)
    badge = page.locator("#messages li.msg", has_text="ping again").locator(".over-budget")
    assert badge.inner_text() == "over budget"
    assert page.locator("#messages li.msg", has_text="pong").locator(".over-budget").count() == 0
    page.click('[data-testid="resume"]')
    page.wait_for_selector('[data-testid="loop-guard"]', state="hidden", timeout=10_000)
    with server.client("operator-secret") as api:
        assert api.get("/v1/admin/loop_guard").json()["conversations"] == []
    page.close()


def test_a_reader_sees_the_paused_state_on_load_but_no_resume_button(browser, server):
    for text in ("a", "b", "c"):
        agent_says(server, f"loop {text}")
    page = open_room(browser, server, "viewer-secret")
    page.wait_for_selector('[data-testid="loop-guard"]:visible', timeout=10_000)
    assert page.locator('[data-testid="resume"]').is_hidden()
    # A human message resumes: the banner goes away live.
    with server.client("operator-secret") as api:
        api.post("/v1/messages", json={"target": {"kind": "room", "room_id": "research"},
                                       "from": {"type": "human", "id": "operator"},
                                       "parts": [{"kind": "text", "text": "enough"}]})
    page.wait_for_selector('[data-testid="loop-guard"]', state="hidden", timeout=10_000)
    page.close()
