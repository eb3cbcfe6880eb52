"""MoltnetNode and bridge config files: discovery, strict decoding, defaults and the Go server's exact
errors (docs/protocol/node.md §3–§4)."""

from __future__ import annotations

import json
import os

import pytest

from moltnet.config import ConfigError
from node.config import discover_node_config, load_bridge_file, load_node_file


def write(path, text: str, mode: int = 0o600):
    path.write_text(text)
    os.chmod(path, mode)
    return path


NODE = """version: moltnet.node.v1
moltnet:
  base_url: http://127.0.0.1:8787
  network_id: studio
attachments:
  - agent: {id: scout, name: Scout}
    runtime: {kind: openclaw}
    rooms:
      - {id: lobby, wake: all}
      - {id: alerts, wake: never}
    dms: {enabled: true, wake: all}
  - agent: {id: builder}
    moltnet: {token_env: BUILDER_TOKEN}
    runtime: {kind: codex, workspace_path: /srv/agents/builder}
    rooms:
      - {id: lobby, wake: mentions}
"""


def node_error(tmp_path, text: str, name: str = "MoltnetNode", environ=None) -> str:
    path = write(tmp_path / name, text)
    with pytest.raises(ConfigError) as info:
        load_node_file(path, environ or {})
    return str(info.value)


def test_node_file_converts_attachments_with_defaults(tmp_path):
    cfg = load_node_file(write(tmp_path / "MoltnetNode", NODE), {"BUILDER_TOKEN": "tok"})
    scout, builder = cfg.attachments
    assert scout.runtime.gateway_url == "ws://127.0.0.1:18789"
    assert scout.moltnet.mode == "none" and scout.dms.enabled
    assert [r.id for r in scout.rooms] == ["lobby", "alerts"]
    assert builder.runtime.command == "codex"
    assert builder.moltnet.token_env == "BUILDER_TOKEN" and builder.moltnet.mode == "bearer"


def test_attachment_token_override_replaces_all_three_sources(tmp_path):
    text = NODE.replace("  network_id: studio\n", "  network_id: studio\n  token_path: shared.token\n")
    cfg = load_node_file(write(tmp_path / "MoltnetNode", text), {})
    scout, builder = cfg.attachments
    assert scout.moltnet.token_path == str(tmp_path / "shared.token")  # relative to the file's directory
    assert builder.moltnet.token_path == "" and builder.moltnet.token_env == "BUILDER_TOKEN"


@pytest.mark.parametrize(("edit", "message"), [
    (("version: moltnet.node.v1", "version: moltnet.node.v2"), 'unsupported MoltnetNode version "moltnet.node.v2"'),
    (("base_url: http://127.0.0.1:8787", "base_url: ' '"), "moltnet.base_url is required"),
    (("network_id: studio", "network_id: ''"), "moltnet.network_id is required"),
    (("agent: {id: builder}", "agent: {id: scout}"), 'duplicate attachment agent.id "scout"'),
    (("agent: {id: builder}", "agent: {name: B}"), "attachments[1].agent.id is required"),
    (("{id: alerts, wake: never}", "{id: alerts, wake: sometimes}"),
     'attachments[0]: bridge config rooms[1].wake "sometimes" is unsupported'),
    (("dms: {enabled: true, wake: all}", "dms: {enabled: true, wake: loud}"),
     'attachments[0]: bridge config dms.wake "loud" is unsupported'),
    (("runtime: {kind: openclaw}", "runtime: {kind: hermes}"),
     'attachments[0]: bridge config runtime.kind "hermes" is unsupported'),
    (("runtime: {kind: openclaw}", "runtime: {kind: openclaw, control_url: 'http://x'}"),
     "attachments[0]: bridge config runtime.control_url is unsupported for openclaw; use runtime.gateway_url"),
    (("runtime: {kind: openclaw}", "runtime: {kind: openclaw, events_url: 'ws://x'}"),
     "attachments[0]: bridge config runtime.events_url is only supported for picoclaw"),
    (("workspace_path: /srv/agents/builder", "home_path: /tmp"),
     "attachments[1]: bridge config runtime.workspace_path is required for codex"),
    (("base_url: http://127.0.0.1:8787", "base_url: ftp://127.0.0.1"),
     'attachments[0]: bridge config moltnet.base_url scheme "ftp" is unsupported'),
    (("  network_id: studio\n", "  network_id: studio\n  auth_mode: magic\n"),
     'attachments[0]: bridge config moltnet.auth_mode "magic" is unsupported'),
    (("  network_id: studio\n", "  network_id: studio\n  auth_mode: bearer\n"),
     "attachments[0]: bridge config moltnet.token, token_env, or token_path is required for bearer auth"),
    (("  network_id: studio\n", "  network_id: studio\n  static_token: true\n"),
     "attachments[0]: bridge config moltnet.static_token requires auth_mode open"),
    (("  network_id: studio\n", "  network_id: studio\n  registration: sometimes\n"),
     'attachments[0]: bridge config moltnet.registration "sometimes" is unsupported'),
])
def test_node_validation_messages(tmp_path, edit, message):
    assert node_error(tmp_path, NODE.replace(*edit), environ={"BUILDER_TOKEN": "t"}) == message


def test_unknown_keys_and_empty_files_are_decode_errors(tmp_path):
    assert node_error(tmp_path, NODE.replace("network_id: studio", "network_id: studio\n  colour: red")).startswith(
        "decode MoltnetNode config: ")
    assert "colour" in node_error(tmp_path, NODE.replace("network_id: studio", "network_id: studio\n  colour: red"))
    empty = node_error(tmp_path, "")
    assert empty.startswith("decode MoltnetNode config: EOF (in ") and str(tmp_path / "MoltnetNode") in empty
    assert 'write "version: moltnet.v1"' in empty
    assert node_error(tmp_path, '{"moltnet": {"base_url": 1', name="moltnet-node.json").startswith(
        "decode MoltnetNode config: ")


def test_yaml_scalars_are_read_as_go_reads_them(tmp_path):
    text = ("moltnet: {base_url: 'http://127.0.0.1:1', network_id: '0x10'}\n"
            "attachments:\n  - agent: {id: 007, name: yes}\n"
            "    runtime: {kind: pi, control_url: 'http://127.0.0.1:2/x'}\n"
            "    dms: {enabled: on, wake: all}\n")
    cfg = load_node_file(write(tmp_path / "MoltnetNode", text), {})
    bridge = cfg.attachments[0]
    assert (cfg.moltnet.network_id, bridge.agent_id, bridge.agent_name) == ("0x10", "007", "yes")
    assert bridge.dms.enabled is True
    duplicate = node_error(tmp_path, text.replace("network_id: '0x10'", "network_id: a, network_id: b"))
    assert duplicate.startswith("decode MoltnetNode config: ") and "network_id" in duplicate


def test_json_node_file_and_missing_version(tmp_path):
    doc = {"moltnet": {"base_url": "http://127.0.0.1:1", "network_id": "n"},
           "attachments": [{"agent": {"id": "a"}, "runtime": {"kind": "pi", "control_url": "http://127.0.0.1:2/x"}}]}
    cfg = load_node_file(write(tmp_path / "moltnet-node.JSON", json.dumps(doc)), {})
    assert cfg.attachments[0].runtime.control_url == "http://127.0.0.1:2/x"


def test_zero_attachments_skip_bridge_checks(tmp_path):
    cfg = load_node_file(write(tmp_path / "MoltnetNode", "moltnet: {base_url: 'ftp://x', network_id: n}\n"), {})
    assert cfg.attachments == []


def test_plaintext_tokens_require_a_private_file(tmp_path):
    text = NODE.replace("runtime: {kind: openclaw}", "runtime: {kind: openclaw, token: gw-secret}")
    path = write(tmp_path / "MoltnetNode", text, 0o644)
    with pytest.raises(ConfigError) as info:
        load_node_file(path, {"BUILDER_TOKEN": "t"})
    assert str(info.value) == f'MoltnetNode config "{path}" must not be group/world readable when tokens are present'
    link = tmp_path / "link"
    link.symlink_to(path)
    os.chmod(path, 0o600)
    with pytest.raises(ConfigError, match="must not be a symlink when tokens are present"):
        load_node_file(link, {"BUILDER_TOKEN": "t"})
    # token_env does not trigger the rule
    assert load_node_file(write(tmp_path / "plain", NODE, 0o644), {"BUILDER_TOKEN": "t"})


def test_shared_open_mode_token_rules(tmp_path):
    base = "moltnet: {base_url: 'http://127.0.0.1:1', network_id: n, auth_mode: open, %s}\n"
    assert node_error(tmp_path, base % "token_env: SHARED") == (
        "moltnet.static_token must be true when a shared open-mode token source is configured")
    assert node_error(tmp_path, base % "token_env: SHARED, static_token: true") == (
        'environment variable "SHARED" is required for shared open auth')
    assert node_error(tmp_path, base % "token_env: SHARED, static_token: true", environ={"SHARED": "magt_v1_x"}) == (
        "shared open-mode token source must not contain a generated agent token")
    assert "no such file or directory" in node_error(tmp_path, base % "token_path: gone.token, static_token: true")


def test_discovery_order(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ConfigError, match="^MoltnetNode config not found$"):
        discover_node_config(None, {})
    write(tmp_path / "moltnet-node.yml", NODE)
    assert discover_node_config(None, {}).name == "moltnet-node.yml"
    write(tmp_path / "MoltnetNode", NODE)
    assert discover_node_config(None, {}).name == "MoltnetNode"
    other = write(tmp_path / "other.yaml", NODE)
    assert discover_node_config(None, {"MOLTNET_NODE_CONFIG": str(other)}) == other
    assert discover_node_config("MoltnetNode", {"MOLTNET_NODE_CONFIG": str(other)}).name == "MoltnetNode"
    with pytest.raises(ConfigError) as info:
        discover_node_config(None, {"MOLTNET_NODE_CONFIG": "missing.yaml"})  # no fallback to the cwd names
    assert str(info.value) == "stat missing.yaml: no such file or directory"
    (tmp_path / "dir").mkdir()
    with pytest.raises(ConfigError, match='^MoltnetNode config "dir" is a directory$'):
        discover_node_config("dir", {})


def bridge(tmp_path, doc: dict, mode: int = 0o600):
    return load_bridge_file(write(tmp_path / "bridge.json", json.dumps(doc), mode))


BRIDGE = {"version": "moltnet.bridge.v1", "agent": {"id": "scout"},
          "moltnet": {"base_url": "http://127.0.0.1:8787", "network_id": "studio", "auth_mode": "open",
                      "token_path": ".moltnet/scout.token"},
          "runtime": {"kind": "tinyclaw", "inbound_url": "http://127.0.0.1:3888/api/message",
                      "channel": "moltnet:local:penny"},
          "rooms": [{"id": "lobby", "wake": "all"}], "dms": {"enabled": True, "wake": "mentions"}, "extra": 1}


def test_bridge_file_is_lenient_and_applies_tinyclaw_defaults(tmp_path):
    cfg = bridge(tmp_path, {**BRIDGE, "Agent": {"ID": "scout"}})
    assert cfg.moltnet.token_path == str(tmp_path / ".moltnet" / "scout.token")
    assert cfg.runtime.outbound_url == "http://127.0.0.1:3888/api/responses/pending?channel=moltnet%3Alocal%3Apenny"
    assert cfg.runtime.ack_url == "http://127.0.0.1:3888/api/responses"


@pytest.mark.parametrize(("change", "message"), [
    ({"version": " "}, "bridge config version is required"),
    ({"agent": {}}, "bridge config agent.id is required"),
    ({"runtime": {"kind": "picoclaw", "command": "picoclaw"}},
     "bridge config runtime.config_path is required when runtime.command is set"),
    ({"runtime": {"kind": "pi"}}, "bridge config runtime.control_url is required for pi"),
    ({"runtime": {"kind": "codex", "workspace_path": "/w", "config_path": "x"}},
     "bridge config runtime.config_path is only supported for picoclaw"),
    ({"runtime": {"kind": "pi", "control_url": "ws://127.0.0.1/x"}},
     'bridge config runtime.control_url scheme "ws" is unsupported'),
    ({"runtime": {"kind": "openclaw", "gateway_url": "ws:///nohost"}},
     "bridge config runtime.gateway_url host is required"),
    ({"runtime": {"kind": "codex", "workspace_path": "/w", "inbound_url": "http://x"}},
     "bridge config runtime.inbound_url is only supported for tinyclaw"),
])
def test_bridge_validation_messages(tmp_path, change, message):
    with pytest.raises(ConfigError) as info:
        bridge(tmp_path, {**BRIDGE, **change})
    assert str(info.value) == message


def test_bridge_read_and_decode_errors(tmp_path):
    with pytest.raises(ConfigError, match="^read bridge config: "):
        load_bridge_file(tmp_path / "nope.json")
    with pytest.raises(ConfigError, match="^decode bridge config: "):
        load_bridge_file(write(tmp_path / "b.json", "{"))
    with pytest.raises(ConfigError, match="must not be group/world readable when tokens are present"):
        bridge(tmp_path, {**BRIDGE, "runtime": {"kind": "pi", "control_url": "http://x", "token": "t"}}, 0o640)


@pytest.mark.parametrize(("change", "message"), [
    ({"moltnet": {**BRIDGE["moltnet"], "base_url": "http://chat.example.net:80a"}},
     'bridge config moltnet.base_url is invalid: parse "http://chat.example.net:80a": invalid port ":80a" after host'),
    ({"moltnet": {**BRIDGE["moltnet"], "base_url": "://chat.example.net"}},
     'bridge config moltnet.base_url is invalid: parse "://chat.example.net": missing protocol scheme'),
    ({"runtime": {"kind": "pi", "control_url": "http://[::1/control"}},
     'bridge config runtime.control_url is invalid: parse "http://[::1/control": missing \']\' in host'),
    ({"runtime": {"kind": "tiny\"claw"}}, 'bridge config runtime.kind "tiny\\"claw" is unsupported'),
])
def test_url_and_value_errors_read_like_go(tmp_path, change, message):
    """Go's url.Parse error texts and %q quoting (docs/protocol/node.md §4.3 items 7-8)."""
    with pytest.raises(ConfigError) as info:
        bridge(tmp_path, {**BRIDGE, **change})
    assert str(info.value) == message


def test_a_host_of_only_a_port_is_accepted_like_go(tmp_path):
    cfg = bridge(tmp_path, {**BRIDGE, "moltnet": {**BRIDGE["moltnet"], "base_url": "http://:8787"}})
    assert cfg.moltnet.base_url == "http://:8787"  # Go checks url.Host (":8787"), not the host name


def test_blank_runtime_fields_count_as_unset(tmp_path):
    """Whitespace-only seam fields get the defaults instead of failing (docs/protocol/node.md §5, Go's trimmed
    checks)."""
    codex = bridge(tmp_path, {**BRIDGE, "runtime": {"kind": "codex", "command": "  ", "workspace_path": "/w",
                                                   "control_url": " "}})
    assert codex.runtime.command == "codex" and codex.runtime.control_url == ""
    claw = bridge(tmp_path, {**BRIDGE, "runtime": {"kind": "openclaw", "gateway_url": " "}})
    assert claw.runtime.gateway_url == "ws://127.0.0.1:18789"
    pico = bridge(tmp_path, {**BRIDGE, "runtime": {"kind": "picoclaw", "command": " ", "config_path": "/etc/p.json"}})
    assert pico.runtime.command == "picoclaw"
    tiny = bridge(tmp_path, {**BRIDGE, "runtime": {"kind": "tinyclaw", "channel": " "}})
    assert tiny.runtime.outbound_url == "http://127.0.0.1:3777/api/responses/pending?channel=moltnet"


def test_tinyclaw_defaults_take_the_origin_without_credentials(tmp_path):
    runtime = {"kind": "tinyclaw", "inbound_url": "not a url", "outbound_url": "http://ops:pw@10.0.0.7:3888/pending"}
    with pytest.raises(ConfigError):  # the unparsable inbound_url is still rejected by validation
        bridge(tmp_path, {**BRIDGE, "runtime": runtime})
    cfg = bridge(tmp_path, {**BRIDGE, "runtime": {**runtime, "inbound_url": ""}})
    assert cfg.runtime.inbound_url == "http://10.0.0.7:3888/api/message"  # Go: scheme://url.Host
    assert cfg.runtime.ack_url == "http://10.0.0.7:3888/api/responses"
