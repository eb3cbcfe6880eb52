"""Persisted resume cursors: private files, identity checks, and never blocking deliveries."""

from __future__ import annotations

import stat

from node.state import CursorStore, state_path


def test_round_trip_is_private_and_bound_to_server_network_and_agent(tmp_path):
    path = state_path(str(tmp_path / "MoltnetNode"), "studio", "scout")
    assert path == tmp_path / ".moltnet" / "node-state" / "studio--scout.json"
    CursorStore(path, "http://127.0.0.1:8787/", "studio", "scout").save("evt_1")
    assert CursorStore(path, "http://127.0.0.1:8787", "studio", "scout").load() == "evt_1"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600 and stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert CursorStore(path, "http://other:8787", "studio", "scout").load() == ""  # another server's cursor
    path.write_text("{not json")
    assert CursorStore(path, "http://127.0.0.1:8787", "studio", "scout").load() == ""


def test_an_unwritable_state_directory_is_reported_once_and_ignored(tmp_path, caplog):
    blocker = tmp_path / "file"
    blocker.write_text("")
    store = CursorStore(blocker / "state.json", "http://x", "studio", "scout")
    store.save("evt_1")
    store.save("evt_2")
    warnings = [r for r in caplog.records if r.getMessage() == "node state not saved"]
    assert len(warnings) == 1 and store.load() == ""
