"""Pi and the control-URL seam through a real server: request body, bearer, bootstrap, reply published (pi only)."""

from __future__ import annotations

import pytest

from tests.node.fakes.services import FakeControl
from tests.support.node import attached, bridge, eventually, history, post, room

pytestmark = pytest.mark.live


@pytest.fixture
def control():
    fake = FakeControl(reply="@writer on it")
    yield fake
    fake.stop()


async def test_pi_posts_the_legacy_text_and_publishes_its_reply(studio, control):
    cfg = bridge(studio, "pi-one", {"kind": "pi", "control_url": f"{control.base}/control", "token": "pi-secret"},
                 rooms=[{"id": "lobby", "wake": "all"}, {"id": "dev", "wake": "never"}], name="Pi One")
    async with attached(cfg):
        await eventually(lambda: len(control.wakes()) == 1)  # background bootstrap for lobby
        post(studio, room("dev"), "not for pi")
        post(studio, room("lobby"), "status please")
        await eventually(lambda: len(control.wakes()) == 2)
        await eventually(lambda: any(m["from"]["id"] == "pi-one" for m in history(studio, "lobby")))
    bootstrap, wake = control.wakes()
    assert bootstrap["from"] == "Moltnet Bootstrap" and bootstrap["to"] == "pi-one"
    assert bootstrap["context_id"] == "moltnet:studio:room:lobby"
    assert bootstrap["message"].startswith("Moltnet bootstrap delivery.\n")
    assert wake == {"context_id": "moltnet:studio:room:lobby", "from": "writer",
                    "message": "[room lobby] writer\nstatus please", "to": "pi-one"}
    assert all(r["headers"]["Authorization"] == "Bearer pi-secret" for r in control.requests)
    reply = [m for m in history(studio, "lobby") if m["from"]["id"] == "pi-one"]
    assert [m["parts"] for m in reply] == [[{"kind": "text", "text": "@writer on it"}]]
    assert reply[0]["from"].get("name") in (None, "Pi One")


async def test_picoclaw_control_mode_does_not_publish(studio, control):
    cfg = bridge(studio, "pico-ctl", {"kind": "picoclaw", "control_url": f"{control.base}/control"},
                 rooms=[{"id": "ops", "wake": "all"}])
    async with attached(cfg):
        await eventually(lambda: len(control.wakes()) == 1)
        post(studio, room("ops"), "hello pico")
        await eventually(lambda: len(control.wakes()) == 2)
    assert control.wakes()[1]["message"] == "[room ops] writer\nhello pico"
    assert "Authorization" not in control.requests[1]["headers"]
    assert not [m for m in history(studio, "ops") if m["from"]["id"] == "pico-ctl"]
