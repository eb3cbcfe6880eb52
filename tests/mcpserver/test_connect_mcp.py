"""`moltnet connect --mcp`: the runtime's own config file gets a `moltnet mcp` entry, idempotently."""

from __future__ import annotations

import json
import tomllib

import pytest

from moltnet.cli import mcp_runtimes
from moltnet.cli.flags import CliError
from tests.support.cli import run

BASE = ["connect", "--base-url", "http://127.0.0.1:9", "--network-id", "team", "--member-id", "scout",
        "--auth-mode", "bearer", "--token", "scout-token", "--install-skill=false"]


def test_claude_code_gets_a_project_mcp_json_entry_and_keeps_the_others(tmp_path):
    (tmp_path / ".mcp.json").write_text(json.dumps({"mcpServers": {"docs": {"type": "http", "url": "https://x"}}}))
    result = run(*BASE, "--runtime", "claude-code", "--workspace", str(tmp_path), "--mcp")
    assert result.code == 0, result.err
    assert result.out.splitlines()[-1] == f"registered MCP server moltnet in {tmp_path}/.mcp.json"
    servers = json.loads((tmp_path / ".mcp.json").read_text())["mcpServers"]
    assert servers["docs"] == {"type": "http", "url": "https://x"}
    entry = servers["moltnet"]
    assert entry["type"] == "stdio" and entry["command"].endswith("moltnet")
    assert entry["args"] == ["mcp", "--config", str((tmp_path / ".moltnet" / "config.json").resolve()),
                             "--network", "team", "--member", "scout"]
    assert "scout-token" not in (tmp_path / ".mcp.json").read_text()  # the token stays in .moltnet/config.json

    before = (tmp_path / ".mcp.json").read_text()
    again = run(*BASE, "--runtime", "claude-code", "--workspace", str(tmp_path), "--mcp")
    assert again.code == 0, again.err
    assert again.out.splitlines()[-1] == f"already registered MCP server moltnet in {tmp_path}/.mcp.json"
    assert (tmp_path / ".mcp.json").read_text() == before


def test_codex_gets_a_project_config_toml_table_replacing_an_old_one(tmp_path):
    codex = tmp_path / ".codex" / "config.toml"
    codex.parent.mkdir()
    codex.write_text('model = "o4"\n\n[mcp_servers.moltnet]\ncommand = "old"\n\n[mcp_servers.moltnet.env]\n'
                     'X = "1"\n\n[mcp_servers.docs]\nurl = "https://x"\n')
    result = run(*BASE, "--runtime", "codex", "--workspace", str(tmp_path), "--mcp")
    assert result.code == 0, result.err
    assert result.out.splitlines()[-1] == f"registered MCP server moltnet in {codex}"
    config = tomllib.loads(codex.read_text())
    assert config["model"] == "o4" and config["mcp_servers"]["docs"] == {"url": "https://x"}
    entry = config["mcp_servers"]["moltnet"]
    assert set(entry) == {"command", "args"} and entry["command"].endswith("moltnet")
    assert entry["args"][:2] == ["mcp", "--config"] and entry["args"][-4:] == ["--network", "team", "--member", "scout"]

    before = codex.read_text()
    again = run(*BASE, "--runtime", "codex", "--workspace", str(tmp_path), "--mcp")
    assert again.code == 0 and "already registered" in again.out
    assert codex.read_text() == before


def test_mcp_is_opt_in_and_only_for_runtimes_that_take_it(tmp_path):
    plain = run(*BASE, "--runtime", "claude-code", "--workspace", str(tmp_path))
    assert plain.code == 0, plain.err
    assert not (tmp_path / ".mcp.json").exists() and not (tmp_path / ".codex").exists()

    other = tmp_path / "other"
    refused = run(*BASE, "--runtime", "openclaw", "--workspace", str(other), "--mcp")
    assert refused.code == 1
    assert refused.error == '--mcp supports the runtimes claude-code and codex, not "openclaw"'
    assert not other.exists()  # refused before anything was written


def test_a_broken_runtime_file_is_reported_not_overwritten(tmp_path):
    (tmp_path / ".mcp.json").write_text("{not json")
    result = run(*BASE, "--runtime", "claude-code", "--workspace", str(tmp_path), "--mcp")
    assert result.code == 1 and ".mcp.json is not valid JSON" in result.error
    assert (tmp_path / ".mcp.json").read_text() == "{not json"


def test_a_codex_entry_spelled_with_dotted_keys_is_reported_not_doubled(tmp_path):
    codex = tmp_path / ".codex" / "config.toml"
    codex.parent.mkdir()
    codex.write_text('mcp_servers.moltnet.command = "old"\n')
    with pytest.raises(CliError, match="in a form connect cannot replace"):
        mcp_runtimes.register("codex", tmp_path, tmp_path / ".moltnet" / "config.json", "team", "scout")
    assert codex.read_text() == 'mcp_servers.moltnet.command = "old"\n'
