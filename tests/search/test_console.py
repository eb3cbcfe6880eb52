"""The console's search box and results page (/console/search/): Django's client, then real Chromium."""

from __future__ import annotations

import pytest
from django.db import connection

from rooms.models import Message
from tests.console.browser import chromium
from tests.console.conftest import bearer, browser_as  # noqa: F401 - fixtures
from tests.support.console import make_room, say
from tests.support.live import LiveServer


@pytest.fixture
def network(bearer):  # noqa: F811
    make_room("research")
    make_room("lobby", visibility="public")
    say("research", "the <b>report</b> is ready")
    say("lobby", "public report draft")


def test_results_link_to_their_room_with_the_matches_marked(network, browser_as):  # noqa: F811
    page = browser_as("viewer").get("/console/search/", {"q": "report"}).content.decode()
    assert page.count('class="hit"') == 2
    research = Message.objects.get(room_id="research").id
    assert f'<a href="/console/?message={research}#room/research" class="where">room research</a>' in page
    # The text is escaped; only the match markers become HTML (Postgres' ts_headline drops tags itself).
    assert "<b>" not in page and "<mark>report</mark>" in page
    if connection.vendor == "sqlite":
        assert "the &lt;b&gt;<mark>report</mark>&lt;/b&gt; is ready" in page


def test_bad_queries_are_shown_not_crashed(network, browser_as):  # noqa: F811
    response = browser_as("viewer").get("/console/search/", {"q": "-report"})
    assert response.status_code == 400
    assert "q has only excluded words" in response.content.decode()


def test_who_may_search_is_who_may_open_the_live_view(network, browser_as, configure):  # noqa: F811
    assert browser_as(None).get("/console/search/", {"q": "report"}).status_code == 401
    assert browser_as("bot").get("/console/search/", {"q": "report"}).status_code == 403  # no observe scope
    from tests.support.console import TOKENS

    configure({"auth": {"mode": "bearer", "public_read": True, "tokens": TOKENS}})
    anonymous = browser_as(None).get("/console/search/", {"q": "report"}).content.decode()
    assert "public report draft" in anonymous.replace("<mark>", "").replace("</mark>", "")
    assert "research" not in anonymous


def test_the_live_view_has_the_search_box(network, browser_as):  # noqa: F811
    assert 'action="/console/search/"' in browser_as("viewer").get("/console/").content.decode()


CONFIG = """\
version: moltnet.v1
network: {id: local, name: Search Console}
auth:
  mode: bearer
  tokens:
    - {id: viewer, value: viewer-secret, scopes: [observe, write]}
rooms:
  - {id: research, members: [alpha]}
"""


@pytest.mark.browser
@pytest.mark.live
def test_search_box_finds_a_thread_reply_and_opens_its_thread(tmp_path):
    server = LiveServer(tmp_path / "server", CONFIG).start()
    try:
        with server.client("viewer-secret") as api:
            first = api.post("/v1/messages", json={"target": {"kind": "room", "room_id": "research"},
                                                   "from": {"type": "agent", "id": "alpha"},
                                                   "parts": [{"kind": "text", "text": "kick-off"}]})
            api.post("/v1/messages", json={
                "target": {"kind": "thread", "room_id": "research", "thread_id": "thr_budget",
                           "parent_message_id": first.json()["message_id"]},
                "from": {"type": "agent", "id": "alpha"},
                "parts": [{"kind": "text", "text": "the budget is approved"}]})
            # A room message with 60 newer ones: more than the live view's first page of 50.
            for n in range(61):
                text = "an old needle" if n == 0 else f"filler {n}"
                assert api.post("/v1/messages", json={"target": {"kind": "room", "room_id": "research"},
                                                      "from": {"type": "agent", "id": "alpha"},
                                                      "parts": [{"kind": "text", "text": text}]}).status_code == 202
        with chromium() as browser:
            page = browser.new_page()
            page.goto(f"{server.base_url}/console/?access_token=viewer-secret")
            page.fill('[data-testid="search-box"]', "budget approved")
            page.press('[data-testid="search-box"]', "Enter")
            page.wait_for_selector('[data-testid="hits"] li.hit')
            assert page.locator("li.hit mark").all_inner_texts() == ["budget", "approved"]
            page.locator("li.hit a.where").click()
            page.wait_for_selector('li.msg[data-search-found="true"]')  # search-focus.js found it
            assert "the budget is approved" in page.locator('li.msg[data-search-found="true"]').inner_text()
            assert "Thread thr_budget" in page.locator("#title").inner_text()
            page.goto(f"{server.base_url}/console/search/?q=needle")
            page.locator("li.hit a.where").click()
            found = page.wait_for_selector('li.msg[data-search-found="true"]', timeout=15_000)
            assert "an old needle" in found.inner_text()  # found after pressing "Load older"
    finally:
        server.stop()
