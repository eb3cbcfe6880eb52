"""The workspace client config the node writes for CLI runtimes, read back by the real client-config loader."""

from __future__ import annotations

import json
import stat

import pytest

from moltnet.client import clientconfig
from moltnet.config import ConfigError
from node.workspace import ensure_client_config
from tests.support.node import bridge


def builder():
    return bridge("http://127.0.0.1:8787", "builder", {"kind": "codex", "workspace_path": "/w"}, name="Builder",
                  rooms=[{"id": "lobby", "wake": "mentions", "can_write": False,
                          "access": {"can_read": True, "can_write": False, "reason": "read-only"}}],
                  dms={"enabled": True, "wake": "all"}, moltnet={"auth_mode": "open", "token_path": "/t"})


async def test_upserts_this_agent_and_keeps_the_others(tmp_path):
    path = tmp_path / ".moltnet" / "config.json"
    other = clientconfig.new_config(path, "Someone", "claude-code")
    other.upsert({"agent_name": "Other", "auth": {"mode": "none"}, "base_url": "http://elsewhere:1",
                  "member_id": "other", "network_id": "lab"})
    other.write()
    await ensure_client_config(builder(), str(tmp_path), "magt_v1_first")
    await ensure_client_config(builder(), str(tmp_path), "magt_v1_second")
    loaded = clientconfig.load(path)
    assert [a["member_id"] for a in loaded.attachments] == ["other", "builder"]
    mine = loaded.find("studio", "builder")
    assert mine["auth"]["token"] == "magt_v1_second" and mine["auth"]["mode"] == "open"
    assert mine["rooms"][0]["access"]["reason"] == "read-only" and mine["rooms"][0]["can_write"] is False
    assert mine["dms"] == {"enabled": True, "wake": "all"}
    assert loaded.data["agent"] == {"name": "Someone", "runtime": "claude-code"}  # filled only when empty
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


async def test_an_invalid_existing_file_aborts_the_dispatch(tmp_path):
    path = tmp_path / ".moltnet" / "config.json"
    path.parent.mkdir()
    path.write_text(json.dumps({"version": "moltnet.client.v9", "attachments": []}))
    with pytest.raises(ConfigError, match='unsupported Moltnet client version "moltnet.client.v9"'):
        await ensure_client_config(builder(), str(tmp_path), None)
