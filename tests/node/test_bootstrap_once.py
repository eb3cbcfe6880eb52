"""The "attached" bootstrap wake is paid once per agent and room, not on every node start."""

from __future__ import annotations

import asyncio
import json

import pytest

from tests.node.fakes.services import FakeControl
from tests.support.node import attached, bridge, eventually

pytestmark = pytest.mark.live


async def test_a_restarted_node_does_not_bootstrap_the_same_room_again(studio, tmp_path, caplog):
    control = FakeControl()
    path = tmp_path / "bridge.json"

    def config():
        return bridge(studio, "boot-once", {"kind": "pi", "control_url": f"{control.base}/control"},
                      rooms=[{"id": "lobby", "wake": "all"}, {"id": "ops", "wake": "all"}], path=path)

    try:
        async with attached(config()):
            await eventually(lambda: len(control.wakes()) == 2)  # lobby and ops
        state = json.loads((tmp_path / ".moltnet" / "node-state" / "studio--boot-once.json").read_text())
        assert sorted(state["bootstrapped"]) == ["lobby", "ops"]
        async with attached(config()):
            await asyncio.sleep(1)
        assert len(control.wakes()) == 2  # a restart costs nothing
        skipped = [r.attrs["room_id"] for r in caplog.records if r.getMessage() == "bootstrap skipped"]
        assert skipped == ["lobby", "ops"]
        async with attached(config(), environ={"MOLTNET_NODE_BOOTSTRAP": "always"}):  # Go's behaviour, on request
            await eventually(lambda: len(control.wakes()) == 4)
    finally:
        control.stop()
