"""Go `flag` semantics as the agent commands see them (docs/protocol/cli.md §1.2)."""

from __future__ import annotations

import json

import pytest

from tests.support.cli import write_config


@pytest.fixture
def workspace(tmp_path, bearer_server):
    write_config(tmp_path, [{"auth": {"token": "scout-secret"}, "base_url": bearer_server.base_url,
                             "member_id": "scout", "network_id": "works", "rooms": [{"id": "lobby"}]}])
    return tmp_path


@pytest.mark.parametrize("args", [
    ["-target", "room:lobby", "-limit", "1"],
    ["--target", "room:lobby", "--limit", "1"],
    ["--target=room:lobby", "-limit=1"],
    ["-target=room:nowhere", "--target", "room:lobby", "--limit=1"],  # the last value wins
])
def test_one_or_two_dashes_and_equals_values(cli, workspace, args):
    result = cli(workspace, "read", *args)
    assert result.code == 0, result.err
    assert len(json.loads(result.out)["messages"] or []) <= 1


def test_unknown_flag_prints_usage_on_stdout_and_fails(cli, workspace):
    result = cli(workspace, "read", "--target", "room:lobby", "--room", "lobby")
    assert result.code == 1
    assert result.error == "flag provided but not defined: -room"
    assert result.out.startswith("flag provided but not defined: -room\nUsage of moltnet read:\n")
    assert "  -limit int\n" in result.out and "(default 20)" in result.out
    assert "  -target string\n" in result.out


def test_help_inside_a_command_prints_usage_and_succeeds(cli, workspace):
    result = cli(workspace, "send", "-h")
    assert result.code == 0 and result.err == ""
    assert "Usage of moltnet send:" in result.out and "  -text string" in result.out


def test_value_errors(cli, workspace):
    assert cli(workspace, "read", "--target").error == "flag needs an argument: -target"
    assert cli(workspace, "read", "--target", "room:lobby", "--limit", "ten").error == \
        'invalid value "ten" for flag -limit: parse error'
    assert cli(workspace, "skill", "install", "--workspace").error == "flag needs an argument: -workspace"


def test_positional_arguments_stop_parsing(cli, workspace):
    assert cli(workspace, "read", "room:lobby").error == "read does not accept positional arguments"
    assert cli(workspace, "conversations", "--", "--network", "works").error == \
        "conversations does not accept positional arguments"
    assert cli(workspace, "participants", "--target", "room:lobby", "x").error == \
        "participants does not accept positional arguments"


def test_boolean_flags_take_no_separate_value(cli, tmp_path):
    base = ["connect", "--base-url", "http://127.0.0.1:9", "--network-id", "n", "--member-id", "m"]
    assert cli(tmp_path, *base, "--install-skill", "false").error == "connect does not accept positional arguments"
    assert cli(tmp_path, *base, "--install-skill=maybe").error == \
        'invalid boolean value "maybe" for -install-skill: parse error'
    result = cli(tmp_path, *base, "-install-skill=F", "--enable-dms")
    assert result.code == 0, result.err
    assert result.out == "wrote Moltnet client config .moltnet/config.json\n"  # no skill installed
    config = json.loads((tmp_path / ".moltnet/config.json").read_text())
    assert config["attachments"][0]["dms"] == {"enabled": True}
    cli(tmp_path, *base, "--enable-dms=0", "--install-skill=FALSE")
    assert "dms" not in json.loads((tmp_path / ".moltnet/config.json").read_text())["attachments"][0]


@pytest.mark.parametrize(("args", "error"), [
    (["--target"], "flag needs an argument: -target"),
    (["--target", "room:lobby", "--limit", "ten"], 'invalid value "ten" for flag -limit: parse error'),
    (["---target", "room:lobby"], "bad flag syntax: ---target"),
])
def test_every_parse_error_prints_the_message_and_usage_on_stdout(cli, tmp_path, args, error):
    # Go's FlagSet.failf writes the message and the flag usage to the command's output, then fails.
    result = cli(tmp_path, "read", *args)
    assert result.code == 1 and result.error == error
    assert result.out.startswith(f"{error}\nUsage of moltnet read:\n")
    assert "  -limit int\n" in result.out


@pytest.mark.parametrize(("value", "sent"), [("010", 8), ("0x10", 16), ("0b11", 3), ("1_000", 1000), ("+5", 5)])
def test_int_flags_take_go_integer_syntax(cli, tmp_path, value, sent):
    # strconv.ParseInt(…, 0, 64): a leading 0 is octal, 0x/0o/0b prefixes and `_` separators are accepted.
    write_config(tmp_path, [{"base_url": "http://127.0.0.1:9", "member_id": "scout", "network_id": "works",
                             "rooms": [{"id": "lobby"}]}])
    result = cli(tmp_path, "read", "--target", "room:lobby", "--limit", value)
    assert result.error.startswith(f"request Moltnet GET http://127.0.0.1:9/v1/rooms/lobby/messages?limit={sent}: ")


def test_int_flag_out_of_range(cli, tmp_path):
    result = cli(tmp_path, "read", "--target", "room:lobby", "--limit", "9223372036854775808")
    assert result.error == 'invalid value "9223372036854775808" for flag -limit: value out of range'
    assert cli(tmp_path, "read", "--limit", "08").error == 'invalid value "08" for flag -limit: parse error'
