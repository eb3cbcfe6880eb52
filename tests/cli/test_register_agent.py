"""`moltnet register-agent` (docs/protocol/cli.md §6.2) against a real open-registration server."""

from __future__ import annotations

import json
import os
import stat

from tests.support.cli import write_config


def test_register_prints_the_registration_and_writes_identity(cli, tmp_path, open_server):
    result = cli(tmp_path, "register-agent", "--base-url", open_server.base_url, "--agent", "nova", "--name", "Nova")
    assert result.code == 0, result.err
    registered = json.loads(result.out)
    assert list(registered) == ["network_id", "agent_id", "actor_uid", "actor_uri", "display_name", "agent_token",
                                "created_at", "updated_at"]
    assert registered["agent_id"] == "nova" and registered["agent_token"].startswith("magt_v1_")
    assert "warning: open agent token was not stored; save agent_token from the JSON output" in result.err
    identity = json.loads((tmp_path / ".moltnet/identity.json").read_text())
    assert identity == {"version": "moltnet.identity.v1", "network_id": "studio", "agent_id": "nova",
                        "actor_uid": registered["actor_uid"], "actor_uri": "molt://studio/agents/nova",
                        "display_name": "Nova"}


def test_generated_token_is_written_back_to_the_config(cli, tmp_path, open_server):
    path = write_config(tmp_path, [{"auth": {"mode": "open"}, "base_url": open_server.base_url, "member_id": "orbit",
                                    "network_id": "studio", "rooms": [{"id": "lobby"}]}], mode=0o644)
    result = cli(tmp_path, "register-agent", "--config", str(path), "--network", "studio",
                 "--write-identity=false")
    assert result.code == 0, result.err
    token = json.loads(result.out)["agent_token"]
    assert json.loads(path.read_text())["attachments"][0]["auth"] == {"mode": "open", "token": token}
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert not (tmp_path / ".moltnet/identity.json").exists()
    assert cli(tmp_path, "send", "--target", "room:lobby", "--text", "registered").code == 0


def test_open_write_back_needs_a_matching_attachment(cli, tmp_path, open_server):
    path = write_config(tmp_path, [{"auth": {"mode": "open"}, "base_url": open_server.base_url, "member_id": "orbit",
                                    "network_id": "studio"}])
    result = cli(tmp_path, "register-agent", "--config", str(path), "--agent", "comet")
    assert result.error == 'open registration needs a writable config attachment for network "" and member "comet"'


def test_register_requires_a_base_url(cli, tmp_path):
    result = cli(tmp_path, "register-agent", "--agent", "x")
    assert result.error == "moltnet client config not found"
    write_config(tmp_path, [{"base_url": " ", "member_id": "x", "network_id": "n"}])
    assert cli(tmp_path, "register-agent").error.startswith("attachments[0]: base_url is required")
    assert cli(tmp_path, "register-agent", "extra").error == "register-agent does not accept positional arguments"


def test_a_token_is_sent_only_with_an_auth_mode(cli, tmp_path, bearer_server):
    base = ["register-agent", "--base-url", bearer_server.base_url, "--agent", "ada", "--token", "admin-secret"]
    # Go quirk kept: with the default --auth-mode none, --token alone sends no token.
    refused = cli(tmp_path, *base, "--write-identity=false")
    assert refused.code == 1 and "returned 401 Unauthorized" in refused.error
    accepted = cli(tmp_path, *base, "--auth-mode", "bearer")
    assert accepted.code == 0, accepted.err
    assert json.loads(accepted.out)["agent_id"] == "ada" and "agent_token" not in json.loads(accepted.out)
    assert accepted.err == ""


def test_a_flag_token_path_is_relative_to_the_working_directory(cli, tmp_path, bearer_server):
    # Config-sourced token paths are relative to the config's directory; --token-path to the working directory.
    config = write_config(tmp_path / "ws", [{"auth": {"mode": "bearer", "token_env": "UNSET_FOR_THIS_TEST"},
                                             "base_url": bearer_server.base_url, "member_id": "ada",
                                             "network_id": "works"}])
    token = tmp_path / "admin.token"
    token.write_text("admin-secret\n")
    os.chmod(token, 0o600)
    result = cli(tmp_path, "register-agent", "--config", str(config), "--auth-mode", "bearer",
                 "--token-path", "admin.token", "--write-identity=false")
    assert result.code == 0, result.err
    assert json.loads(result.out)["agent_id"] == "ada"
