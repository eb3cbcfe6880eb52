"""Safe defaults and the new keys' validation (issue 13): `moltnet init` listens on loopback; `start`
and `validate` refuse auth mode none on every interface unless the file opts in; malformed proxy
lists and negative or absurd limits stop start-up with one line naming the key."""

from __future__ import annotations

import os

import pytest

from moltnet.cli import main
from moltnet.config import load_checked
from tests.moltnet import test_config_errors as config_errors

cwd = config_errors.cwd  # the working-directory fixture, no MOLTNET_* variables
error_line = config_errors.error_line
OPT_IN = 'write "allow_unauthenticated_all_interfaces: true" under server: to serve it anyway'


def test_init_writes_a_loopback_listen_address_that_starts(cwd, capsys):
    assert main(["init"]) == 0
    assert 'listen_addr: "127.0.0.1:8787"' in (cwd / "Moltnet").read_text()
    assert load_checked(cwd / "Moltnet").listen_addr == "127.0.0.1:8787"


@pytest.mark.parametrize("listen", [":8787", "0.0.0.0:8787", "[::]:8787"])
@pytest.mark.parametrize("command", ["start", "validate"])
def test_auth_none_on_every_interface_is_refused_with_the_fix(cwd, capsys, listen, command):
    (cwd / "Moltnet").write_text(f"version: moltnet.v1\nserver:\n  listen_addr: '{listen}'\n")
    line = error_line(capsys, command)
    assert line.startswith(f'validate Moltnet config "Moltnet": listen address "{listen}" is every interface and '
                           'auth.mode is "none", so anyone who reaches port 8787 is an admin; listen on '
                           '"127.0.0.1:8787", set auth.mode to bearer or open, or ')
    assert line.endswith(f"{OPT_IN} (line 3, column 16)")


def test_a_file_without_a_listen_address_gets_go_s_default_and_is_refused(cwd, capsys):
    (cwd / "Moltnet").write_text("version: moltnet.v1\nnetwork: {id: lab}\n")
    assert OPT_IN in error_line(capsys, "start")


def test_the_environment_s_listen_address_is_named(cwd, capsys, monkeypatch):
    (cwd / "Moltnet").write_text("version: moltnet.v1\nserver: {listen_addr: '127.0.0.1:8787'}\n")
    monkeypatch.setenv("MOLTNET_LISTEN_ADDR", ":9000")
    assert error_line(capsys, "start").endswith(f"{OPT_IN} (from the environment: MOLTNET_LISTEN_ADDR)")


def test_the_explicit_opt_in_and_authenticated_modes_are_accepted(cwd):
    (cwd / "Moltnet").write_text("version: moltnet.v1\nserver:\n  listen_addr: ':8787'\n"
                                 "  allow_unauthenticated_all_interfaces: true\n")
    assert load_checked(cwd / "Moltnet").allow_unauthenticated_all_interfaces
    (cwd / "open.yaml").write_text("version: moltnet.v1\nserver: {listen_addr: ':8787'}\nauth: {mode: open}\n")
    assert load_checked(cwd / "open.yaml").auth_mode == "open"
    (cwd / "lan.yaml").write_text("version: moltnet.v1\nserver: {listen_addr: '192.168.1.5:8787'}\n")
    assert load_checked(cwd / "lan.yaml").listen_addr == "192.168.1.5:8787"  # one interface: the operator chose it


@pytest.mark.parametrize("limits, expected", [
    ("send_per_minute: -1", "auth.rate_limits.send_per_minute: -1 is out of range; write a number from 0 to "
                            "100000 (0 turns it off) (line 5, column 22)"),
    ("send_burst: 0", "auth.rate_limits.send_burst: 0 is out of range; write a number from 1 to 10000 "
                      "(line 5, column 17)"),
    ("send_burst: 1000000", "auth.rate_limits.send_burst: 1000000 is out of range; write a number from 1 to 10000 "
                            "(line 5, column 17)"),
    ("register_per_minute: -5", "auth.rate_limits.register_per_minute: -5 is out of range; write a number from 0 "
                                "to 100000 (0 turns it off) (line 5, column 26)"),
    ("attach_per_minute: 99999999", "auth.rate_limits.attach_per_minute: 99999999 is out of range; write a number "
                                    "from 0 to 100000 (0 turns it off) (line 5, column 24)"),
])
def test_negative_or_absurd_limits_stop_start_up(cwd, capsys, limits, expected):
    (cwd / "Moltnet").write_text("version: moltnet.v1\nauth:\n  mode: open\n  rate_limits:\n"
                                 f"    {limits}\n")
    assert error_line(capsys, "start") == f'validate Moltnet config "Moltnet": {expected}'


def test_a_limit_that_is_not_a_number_is_a_type_error(cwd, capsys):
    (cwd / "Moltnet").write_text("version: moltnet.v1\nauth:\n  rate_limits: {send_per_minute: lots}\n")
    line = error_line(capsys, "validate")
    assert line.startswith('decode Moltnet config "Moltnet": ') and "send_per_minute" in line


@pytest.mark.parametrize("proxies, expected, where", [
    ("['127.0.0.1', 'nginx']", 'server.trusted_proxies[1]: "nginx" is not an IP address or CIDR network', 34),
    ("['10.0.0.0/99']", 'server.trusted_proxies[0]: "10.0.0.0/99" is not an IP address or CIDR network', 21),
])
def test_a_malformed_proxy_list_stops_start_up(cwd, capsys, proxies, expected, where):
    (cwd / "Moltnet").write_text(f"version: moltnet.v1\nserver:\n  listen_addr: '127.0.0.1:1'\n"
                                 f"  trusted_proxies: {proxies}\n")
    line = error_line(capsys, "start")
    assert line.startswith(f'validate Moltnet config "Moltnet": {expected}; write e.g. "127.0.0.1"')
    assert line.endswith(f'"::1" (line 4, column {where})')


def test_a_proxy_list_that_is_not_a_list_is_a_type_error(cwd, capsys):
    (cwd / "Moltnet").write_text("version: moltnet.v1\nserver: {trusted_proxies: 127.0.0.1}\n")
    assert "trusted_proxies" in error_line(capsys, "validate")


def test_the_new_keys_load_with_their_defaults(cwd):
    (cwd / "Moltnet").write_text("version: moltnet.v1\nserver: {listen_addr: '127.0.0.1:1'}\n")
    cfg = load_checked(cwd / "Moltnet")
    assert (cfg.trusted_proxies, cfg.send_per_minute, cfg.send_burst, cfg.allow_unauthenticated_all_interfaces) == (
        [], 60, 20, False)
    (cwd / "Moltnet").write_text("version: moltnet.v1\nserver: {listen_addr: '127.0.0.1:1', trusted_proxies: "
                                 "['10.0.0.0/8', '::1']}\nauth: {rate_limits: {send_per_minute: 0, send_burst: 5}}\n")
    cfg = load_checked(cwd / "Moltnet")
    assert (cfg.trusted_proxies, cfg.send_per_minute, cfg.send_burst) == (["10.0.0.0/8", "::1"], 0, 5)


@pytest.mark.live
def test_a_real_moltnet_start_exits_1_with_the_one_line(tmp_path):
    import subprocess
    import sys

    from tests.support.live import REPO

    (tmp_path / "Moltnet").write_text("version: moltnet.v1\nserver: {listen_addr: ':0'}\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith("MOLTNET_") and k != "DJANGO_SETTINGS_MODULE"}
    done = subprocess.run([sys.executable, "-m", "moltnet.cli", "start"], cwd=tmp_path, capture_output=True, text=True,
                          env={**env, "PYTHONPATH": str(REPO)}, timeout=60)
    assert done.returncode == 1 and done.stdout == ""
    lines = done.stderr.rstrip("\n").split("\n")
    assert len(lines) == 1 and lines[0].endswith(f"{OPT_IN} (line 2, column 23)"), done.stderr
