"""The workspace client config files (docs/protocol/cli.md §2–§3), exercised through `moltnet conversations`."""

from __future__ import annotations

import json
import os
import stat

import pytest

from moltnet.client import clientconfig
from tests.support.cli import write_config

GO_WRITTEN = """{
  "version": "moltnet.client.v1",
  "agent": {
    "name": "Scout",
    "runtime": "openclaw"
  },
  "attachments": [
    {
      "agent_name": "Scout",
      "auth": {
        "mode": "bearer",
        "registration": "token",
        "token_path": "scout.token"
      },
      "base_url": "BASE",
      "dms": {
        "enabled": true,
        "wake": "all"
      },
      "member_id": "scout",
      "network_id": "works",
      "rooms": [
        {
          "id": "lobby",
          "wake": "mentions"
        },
        {
          "id": "board",
          "wake": "never",
          "visibility": "private",
          "write_policy": "members",
          "can_write": false,
          "access": {
            "can_read": true,
            "can_write": false,
            "reason": "private/members-write"
          }
        }
      ],
      "runtime": "openclaw"
    }
  ]
}
"""


def test_a_go_written_config_is_read_and_rewritten_byte_for_byte(cli, tmp_path, bearer_server):
    moltnet_dir = tmp_path / ".moltnet"
    moltnet_dir.mkdir()
    text = GO_WRITTEN.replace("BASE", bearer_server.base_url)
    (moltnet_dir / "config.json").write_text(text)
    token = moltnet_dir / "scout.token"
    token.write_text("scout-secret\n")
    os.chmod(token, 0o600)
    result = cli(tmp_path, "conversations")  # token_path resolved against the config's directory
    assert result.code == 0, result.err
    assert [r["id"] for r in json.loads(result.out)["rooms"]] == ["board", "lobby"]
    config = clientconfig.load(moltnet_dir / "config.json")
    assert config.render() == text
    assert cli(tmp_path, "send", "--target", "room:board", "--text", "x").error == \
        'room "board" is read-only for member "scout": private/members-write'


def test_group_readable_token_file_is_refused(cli, tmp_path, bearer_server):
    write_config(tmp_path, [{"auth": {"token_path": "t"}, "base_url": bearer_server.base_url, "member_id": "scout",
                             "network_id": "works"}])
    token = tmp_path / ".moltnet" / "t"
    token.write_text("scout-secret")
    os.chmod(token, 0o640)
    assert cli(tmp_path, "conversations").error == 'moltnet token_path ".moltnet/t" must not be group/world readable'


def test_inline_tokens_require_a_private_file(cli, tmp_path, bearer_server):
    path = write_config(tmp_path, [{"auth": {"token": "scout-secret"}, "base_url": bearer_server.base_url,
                                    "member_id": "scout", "network_id": "works"}], mode=0o644)
    assert cli(tmp_path, "conversations").error == \
        'moltnet client config ".moltnet/config.json" must not be group/world readable when tokens are present'
    os.chmod(path, 0o600)
    link = tmp_path / "link.json"
    link.symlink_to(path)
    assert cli(tmp_path, "conversations", "--config", str(link)).error == \
        f'moltnet client config "{link}" must not be a symlink when tokens are present'


@pytest.mark.parametrize(("attachment", "error"), [
    ({"base_url": "x", "network_id": "n"}, "attachments[0]: member_id is required"),
    ({"base_url": "x", "network_id": "n", "member_id": "bad id"},
     "attachments[0]: member_id id must match [A-Za-z0-9][A-Za-z0-9._:-]{0,127}"),
    ({"base_url": "x", "network_id": "n", "member_id": "m", "rooms": [{"id": "a b"}]},
     "attachments[0]: rooms[0].id room id id must match [A-Za-z0-9][A-Za-z0-9._:-]{0,127}"),
    ({"base_url": "x", "network_id": "n", "member_id": "m", "rooms": [{"id": "a", "wake": "loud"}]},
     'attachments[0]: rooms[0].wake "loud" is unsupported'),
    ({"base_url": "x", "network_id": "n", "member_id": "m", "auth": {"mode": "bearer"}},
     "attachments[0]: auth.token, auth.token_env, or auth.token_path is required for bearer auth"),
    ({"base_url": "x", "network_id": "n", "member_id": "m", "auth": {"mode": "magic"}},
     'attachments[0]: unsupported auth.mode "magic"'),
    ({"base_url": "x", "network_id": "n", "member_id": "m", "colour": "red"},
     'decode Moltnet client config: json: unknown field "colour"'),
])
def test_invalid_configs_name_the_field(cli, tmp_path, attachment, error):
    write_config(tmp_path, [attachment])
    assert cli(tmp_path, "conversations").error == error


# Texts as the Go CLI prints them for the same files (field path with list indexes, Go type names).
@pytest.mark.parametrize(("attachment", "error"), [
    ({"base_url": 5, "network_id": "n", "member_id": "m"},
     "json: cannot unmarshal number into Go struct field Config.attachments.0.base_url of type string"),
    ({"base_url": "x", "network_id": "n", "member_id": "m", "rooms": {"id": "lobby"}},
     "json: cannot unmarshal object into Go struct field Config.attachments.0.rooms of type "
     "[]bridgeconfig.RoomBinding"),
    ({"base_url": "x", "network_id": "n", "member_id": "m", "rooms": ["lobby"]},
     "json: cannot unmarshal string into Config.attachments.0.rooms.0 of type bridgeconfig.RoomBinding"),
    ({"base_url": "x", "network_id": "n", "member_id": "m", "auth": "none"},
     "json: cannot unmarshal string into Go struct field Config.attachments.0.auth of type clientconfig.AuthConfig"),
    ({"base_url": "x", "network_id": "n", "member_id": "m", "dms": {"enabled": "yes"}},
     "json: cannot unmarshal string into Go struct field Config.attachments.0.dms.enabled of type bool"),
    ({"base_url": "x", "network_id": "n", "member_id": "m", "rooms": [{"id": "a"}, {"id": "b", "can_write": 1}]},
     "json: cannot unmarshal number into Go struct field Config.attachments.0.rooms.1.can_write of type bool"),
    ({"base_url": "x", "network_id": "n", "member_id": "m", "rooms": [{"id": "a", "access": "x"}]},
     "json: cannot unmarshal string into Go struct field Config.attachments.0.rooms.0.access of type "
     "bridgeconfig.RoomAccess"),
    ({"base_url": "x", "network_id": "n", "member_id": "m", "auth": {"mode": "none", "secret": "x"}},
     'json: unknown field "secret"'),
    # Go reads the document top to bottom and reports the first problem it meets.
    ({"colour": "red", "base_url": 5, "network_id": "n", "member_id": "m"}, 'json: unknown field "colour"'),
    ({"base_url": 5, "colour": "red", "network_id": "n", "member_id": "m"},
     "json: cannot unmarshal number into Go struct field Config.attachments.0.base_url of type string"),
])
def test_wrong_types_and_unknown_fields_are_refused_with_gos_text(cli, tmp_path, attachment, error):
    write_config(tmp_path, [attachment])
    assert cli(tmp_path, "conversations").error == f"decode Moltnet client config: {error}"


@pytest.mark.parametrize(("document", "error"), [
    ("", "decode Moltnet client config: EOF"),
    ("[]", "decode Moltnet client config: json: cannot unmarshal array into Go value of type clientconfig.Config"),
    ('{"attachments": "x"}', "decode Moltnet client config: json: cannot unmarshal string into Go struct field "
     "Config.attachments of type []clientconfig.AttachmentConfig"),
    ('{"attachments": [{"base_url": 1e400}]}', "decode Moltnet client config: json: cannot unmarshal number into "
     "Go struct field Config.attachments.0.base_url of type string"),  # beyond float64, still just a number
    # json.Decoder.Decode reads the first value only: the text after it is not looked at.
    ('{"attachments": [{"base_url": "x", "network_id": "n", "member_id": "m", "dms": {"wake": "loud"}}]} trailing',
     'attachments[0]: dms.wake "loud" is unsupported'),
    ("null", "attachments must contain at least one entry"),  # null decodes to the zero config
    ('{"attachments": [null]}', "attachments[0]: base_url is required"),
])
def test_whole_documents_read_as_go_reads_them(cli, tmp_path, document, error):
    path = tmp_path / ".moltnet" / "config.json"
    path.parent.mkdir()
    path.write_text(document)
    assert cli(tmp_path, "conversations").error == error


def test_keys_match_case_insensitively_like_gos_decoder(cli, tmp_path, open_server):
    # encoding/json prefers an exact key match but accepts a case-insensitive one, DisallowUnknownFields or not.
    path = tmp_path / ".moltnet" / "config.json"
    path.parent.mkdir()
    path.write_text(json.dumps({"Version": "moltnet.client.v1", "attachments": [
        {"AUTH": {"Mode": "none"}, "Base_URL": open_server.base_url, "member_id": "legacy", "Member_Id": "mixed",
         "NETWORK_ID": "studio"}]}))
    assert json.loads(cli(tmp_path, "conversations").out) == {"member_id": "mixed", "network_id": "studio"}
    config = clientconfig.load(path)
    assert config.attachments[0] == {"auth": {"mode": "none"}, "base_url": open_server.base_url,
                                     "member_id": "mixed", "network_id": "studio"}
    assert '"member_id": "mixed"' in config.render() and "Base_URL" not in config.render()


def test_duplicate_attachments_and_versions(cli, tmp_path):
    entry = {"base_url": "x", "network_id": "n", "member_id": "m"}
    write_config(tmp_path, [entry, dict(entry)])
    assert cli(tmp_path, "conversations").error == 'duplicate attachment for network "n" and member "m"'
    path = tmp_path / ".moltnet/config.json"
    path.write_text(json.dumps({"version": "moltnet.client.v9", "attachments": [entry]}))
    assert cli(tmp_path, "conversations").error == 'unsupported Moltnet client version "moltnet.client.v9"'
    path.write_text(json.dumps({"attachments": []}))
    assert cli(tmp_path, "conversations").error == "attachments must contain at least one entry"


def test_discovery_order(cli, tmp_path, open_server, monkeypatch):
    assert cli(tmp_path, "conversations").error == "moltnet client config not found"
    legacy = tmp_path / ".spawnfile" / "moltnet.json"
    legacy.parent.mkdir()
    legacy.write_text(json.dumps({"version": "spawnfile.moltnet-http-skill.v1", "attachments": [
        {"auth": {"mode": "none"}, "base_url": open_server.base_url, "member_id": "legacy", "network_id": "studio"}]}))
    result = cli(tmp_path, "conversations")
    assert result.err == ""
    assert json.loads(result.out) == {"member_id": "legacy", "network_id": "studio"}
    elsewhere = tmp_path / "elsewhere.json"
    elsewhere.write_text(legacy.read_text().replace("legacy", "fromenv"))
    monkeypatch.setenv("MOLTNET_CLIENT_CONFIG", str(elsewhere))
    assert json.loads(cli(tmp_path, "conversations").out)["member_id"] == "fromenv"
    assert json.loads(cli(tmp_path, "conversations", "--config", str(legacy)).out)["member_id"] == "legacy"
    monkeypatch.setenv("MOLTNET_CLIENT_CONFIG", str(tmp_path / "missing.json"))
    assert cli(tmp_path, "conversations").error.startswith("stat ")
    monkeypatch.setenv("MOLTNET_CLIENT_CONFIG", str(tmp_path))
    assert cli(tmp_path, "conversations").error == f'moltnet client config "{tmp_path}" is a directory'


def test_written_config_is_private_and_atomic(tmp_path):
    config = clientconfig.new_config(tmp_path / "ws" / ".moltnet" / "config.json", "Scout", "codex")
    config.upsert({"auth": {"mode": "open", "token": "magt_v1_x"}, "base_url": "http://h", "member_id": "scout",
                   "network_id": "n", "rooms": [{"id": "lobby", "wake": "never", "can_write": False}]})
    config.write()
    path = config.path
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(path.parent).st_mode) == 0o700
    assert [p.name for p in path.parent.iterdir()] == ["config.json"]  # no temporary file left behind
    written = json.loads(path.read_text())
    assert written["attachments"][0]["rooms"] == [{"id": "lobby", "wake": "never", "can_write": False}]
    assert clientconfig.load(path).data == config.data


def test_fields_go_always_writes_are_kept_when_empty(tmp_path):
    path = write_config(tmp_path, [{"auth": {"token_env": "T"}, "base_url": "http://h", "member_id": "m",
                                    "network_id": "n", "dms": {"wake": "never"}}])
    rendered = json.loads(clientconfig.load(path).render())
    assert rendered["agent"] == {}
    assert rendered["attachments"][0]["auth"] == {"mode": "", "token_env": "T"}
    assert rendered["attachments"][0]["dms"] == {"enabled": False, "wake": "never"}


def test_read_failure_names_the_file_like_go(cli, tmp_path):
    # /proc/self/mem exists (stat succeeds) but reading it from offset 0 fails.
    result = cli(tmp_path, "conversations", "--config", "/proc/self/mem")
    assert result.code == 1
    assert result.error == "read Moltnet client config: open /proc/self/mem: input/output error"


def test_missing_token_file_reports_the_os_cause_like_go(cli, tmp_path):
    write_config(tmp_path, [{"auth": {"token_path": "missing.token"}, "base_url": "http://127.0.0.1:9",
                             "member_id": "scout", "network_id": "works"}])
    assert cli(tmp_path, "conversations").error == \
        'stat moltnet token_path ".moltnet/missing.token": no such file or directory'
