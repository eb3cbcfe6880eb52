"""`moltnet connect` (docs/protocol/cli.md §6.1): claim an id under open registration, keep the token, install the
skill."""

from __future__ import annotations

import json
import os
import stat

from tests.support.cli import run, write_config


def mode_of(path) -> int:
    return stat.S_IMODE(os.lstat(path).st_mode)


def connect_args(server, *extra: str) -> list[str]:
    return ["connect", "--base-url", server.base_url, "--network-id", "studio", "--member-id", "scout",
            "--agent-name", "Scout", "--rooms", "lobby, stage,", *extra]


def test_open_registration_claims_the_id_and_the_next_send_uses_the_stored_token(tmp_path, open_server):
    workspace = tmp_path / "agent"
    result = run(*connect_args(open_server, "--registration", "open", "--runtime", "claude-code",
                               "--workspace", str(workspace)))
    assert result.code == 0, result.err
    config_path = workspace / ".moltnet" / "config.json"
    assert result.out.splitlines() == [
        f"installed skill {workspace}/.claude/skills/moltnet/SKILL.md",
        f"wrote Moltnet client config {config_path}",
    ]
    config = json.loads(config_path.read_text())
    [attachment] = config["attachments"]
    assert list(attachment) == ["agent_name", "auth", "base_url", "member_id", "network_id", "rooms", "runtime"]
    assert attachment["auth"]["mode"] == "bearer" and attachment["auth"]["registration"] == "open"
    assert attachment["auth"]["token"].startswith("magt_v1_")
    assert attachment["rooms"] == [{"id": "lobby", "wake": "never"}, {"id": "stage", "wake": "never"}]
    assert config["agent"] == {"name": "Scout", "runtime": "claude-code"}
    assert mode_of(config_path) == 0o600 and mode_of(config_path.parent) == 0o700
    identity = json.loads((workspace / ".moltnet" / "identity.json").read_text())
    assert identity["version"] == "moltnet.identity.v1" and identity["agent_id"] == "scout"
    assert identity["actor_uri"] == "molt://studio/agents/scout" and "agent_token" not in identity
    assert mode_of(workspace / ".moltnet" / "identity.json") == 0o600

    # The server-generated skill was installed, shaped for this agent's token (lobby is writable for it).
    skill = (workspace / ".claude/skills/moltnet/SKILL.md").read_text()
    assert skill.startswith("---\nname: moltnet\n")
    assert "Moltnet network Studio" in skill and "moltnet send --network studio --target room:lobby" in skill
    assert mode_of(workspace / ".claude/skills/moltnet/SKILL.md") == 0o644

    sent = run("send", "--target", "room:lobby", "--text", "hello from the CLI", cwd=workspace)
    assert sent.code == 0, sent.err
    history = open_server.client().get("/v1/rooms/lobby/messages").json()["messages"]
    assert [m["parts"][0]["text"] for m in history if m["from"]["id"] == "scout"] == ["hello from the CLI"]

    # Connecting again keeps the stored token (the id is already claimed by it).
    again = run(*connect_args(open_server, "--registration", "open", "--workspace", str(workspace),
                              "--install-skill=false"))
    assert again.code == 0, again.err
    assert json.loads(config_path.read_text())["attachments"][0]["auth"]["token"] == attachment["auth"]["token"]


def test_a_claimed_id_cannot_be_taken_and_nothing_is_written(tmp_path, open_server):
    first = run(*connect_args(open_server, "--auth-mode", "open", "--member-id", "taken", "--install-skill=false",
                              "--workspace", str(tmp_path / "a")))
    assert first.code == 0, first.err
    assert json.loads((tmp_path / "a/.moltnet/config.json").read_text())["attachments"][0]["auth"]["mode"] == "open"
    second = run(*connect_args(open_server, "--auth-mode", "open", "--member-id", "taken",
                               "--workspace", str(tmp_path / "b")))
    assert second.code == 1
    assert "returned 409 Conflict" in second.err and "Traceback" not in second.err
    assert not (tmp_path / "b/.moltnet/config.json").exists()


def test_token_path_receives_the_generated_token(tmp_path, open_server):
    result = run(*connect_args(open_server, "--registration", "open", "--member-id", "pathy",
                               "--token-path", "pathy.token", "--install-skill=false",
                               "--workspace", str(tmp_path)))
    assert result.code == 0, result.err
    token_file = tmp_path / ".moltnet" / "pathy.token"
    assert token_file.read_text().startswith("magt_v1_") and token_file.read_text().endswith("\n")
    assert mode_of(token_file) == 0o600
    auth = json.loads((tmp_path / ".moltnet/config.json").read_text())["attachments"][0]["auth"]
    assert auth == {"mode": "bearer", "registration": "open", "token_path": "pathy.token"}
    sent = run("send", "--target", "room:lobby", "--text", "token file works", cwd=tmp_path)
    assert sent.code == 0, sent.err


def test_unreachable_server_installs_the_bundled_skill(tmp_path):
    result = run("connect", "--base-url", "http://127.0.0.1:9", "--network-id", "studio", "--member-id", "scout",
                 "--runtime", "codex", "--workspace", str(tmp_path))
    assert result.code == 0, result.err
    for rel in (".agents/skills/moltnet/SKILL.md", ".codex/skills/moltnet/SKILL.md"):
        content = (tmp_path / rel).read_text()
        assert content.startswith("---\nname: moltnet\n")
        assert "There is no automatic reply path" in content
        assert "moltnet send --target room:research" in content
        assert "Use the local `moltnet` CLI through the `exec` tool" in content
    attachment = json.loads((tmp_path / ".moltnet/config.json").read_text())["attachments"][0]
    assert attachment["auth"] == {"mode": "none"}


def test_connect_updates_an_attachment_written_by_the_go_cli(tmp_path, open_server):
    write_config(tmp_path, [{"agent_name": "Old", "auth": {"mode": "bearer", "token_env": "SCOUT_TOKEN"},
                             "base_url": "http://old", "member_id": "scout", "network_id": "studio",
                             "rooms": [{"id": "lobby", "wake": "mentions"}]},
                            {"auth": {"mode": ""}, "base_url": "http://other", "member_id": "ada",
                             "network_id": "elsewhere"}], mode=0o644)
    result = run(*connect_args(open_server, "--install-skill=false", "--enable-dms", "--workspace", str(tmp_path)))
    assert result.code == 0, result.err
    config = json.loads((tmp_path / ".moltnet/config.json").read_text())
    scout, ada = config["attachments"]
    assert scout["auth"] == {"mode": "bearer", "token_env": "SCOUT_TOKEN"}  # no --auth-mode: existing auth kept
    assert scout["base_url"] == open_server.base_url and scout["dms"] == {"enabled": True}
    assert ada["network_id"] == "elsewhere"
    assert mode_of(tmp_path / ".moltnet/config.json") == 0o600


def test_connect_flag_errors(tmp_path):
    assert run("connect", "--network-id", "x", "--member-id", "y", cwd=tmp_path).err.strip().endswith(
        "connect requires --base-url, --network-id, and --member-id")
    result = run("connect", "--install-skill", "false", cwd=tmp_path)
    assert result.code == 1 and result.err.strip().endswith("connect does not accept positional arguments")
    result = run("connect", "--base-url", "http://127.0.0.1:9", "--network-id", "n", "--member-id", "m",
                 "--runtime", "pi", "--workspace", str(tmp_path))
    assert result.err.strip().endswith('moltnet skill install does not support runtime "pi"')
    assert (tmp_path / ".moltnet/config.json").exists()  # written before the skill step failed


def test_unwritable_workspace_is_one_line(tmp_path):
    blocked = tmp_path / "blocked"
    blocked.write_text("a file where the workspace directory should be")
    result = run("connect", "--base-url", "http://127.0.0.1:9", "--network-id", "n", "--member-id", "m",
                 "--workspace", str(blocked))
    assert result.code == 1
    assert "Traceback" not in result.err and result.err.count("\n") == 1
    assert "Not a directory" in result.err


def test_installed_skill_matches_the_workspace_token(tmp_path, bearer_server):
    base = ["connect", "--base-url", bearer_server.base_url, "--network-id", "works", "--member-id", "scout",
            "--rooms", "lobby", "--auth-mode", "bearer", "--token-env", "WORKS_TOKEN", "--runtime", "openclaw"]
    watcher = run(*base, "--workspace", str(tmp_path / "watcher"), env={"WORKS_TOKEN": "watcher-secret"})
    assert watcher.code == 0, watcher.err
    skill = (tmp_path / "watcher/skills/moltnet/SKILL.md").read_text()
    assert "Current access: read-only access" in skill and "moltnet send" not in skill
    # admin + write: rooms are writable now (docs/protocol/discovery-metrics.md §1.4), so the skill shows how to send.
    writer = run(*base, "--workspace", str(tmp_path / "writer"), env={"WORKS_TOKEN": "admin-secret"})
    assert writer.code == 0, writer.err
    skill = (tmp_path / "writer/skills/moltnet/SKILL.md").read_text()
    assert "Current access: admin access" in skill
    assert 'moltnet send --network works --target room:board --text "Hello from <agent-id>."' in skill
    # The token lives in the environment, never in the file.
    assert "admin-secret" not in (tmp_path / "writer/.moltnet/config.json").read_text()
