"""Open registration: the token the server shows once is never thrown away, and a restart reuses it."""

from __future__ import annotations

import asyncio
import json
import stat

import pytest

from node.config import load_node_file
from tests.node.fakes.services import FakeControl
from tests.support.node import attached, eventually

pytestmark = pytest.mark.live

OPEN = """version: moltnet.v1
network: {id: local, name: Local Moltnet}
auth: {mode: open}
rooms:
  - {id: lobby, visibility: public, write_policy: registered_agents}
"""


@pytest.mark.parametrize("auth", ["", "auth_mode: open, "])
async def test_a_claimed_token_without_token_path_is_kept_under_the_state_directory(live_server_factory, tmp_path,
                                                                                   auth, caplog):
    server = live_server_factory(OPEN, name="open")
    control = FakeControl()
    path = tmp_path / "MoltnetNode"
    path.write_text(f"""moltnet: {{{auth}base_url: "{server.base_url}", network_id: local}}
attachments:
  - agent: {{id: keeper}}
    runtime: {{kind: pi, control_url: "{control.base}/control"}}
    rooms: [{{id: lobby, wake: mentions}}]
""")
    saved = tmp_path / ".moltnet" / "tokens" / "local--keeper.token"
    try:
        (cfg,) = load_node_file(path).attachments  # valid, although no token source is configured
        async with attached(cfg, ready=False):
            await eventually(saved.exists)
        assert saved.read_text().startswith("magt_v1_") and stat.S_IMODE(saved.stat().st_mode) == 0o600
        (note,) = [r for r in caplog.records if r.getMessage() == "agent token saved"]
        assert note.attrs["path"] == str(saved)  # the log says where it went
        caplog.clear()
        (cfg,) = load_node_file(path).attachments
        async with attached(cfg, ready=False):  # a restart attaches with the saved token (the id is claimed now)
            await eventually(lambda: node_status(tmp_path).get("connected") is True)
            await asyncio.sleep(0.5)
        assert not [r for r in caplog.records if r.levelname == "WARNING"]
    finally:
        control.stop()



def node_status(directory) -> dict:
    state = directory / ".moltnet" / "node-state" / "local--keeper.json"
    return json.loads(state.read_text()).get("status", {}) if state.exists() else {}
