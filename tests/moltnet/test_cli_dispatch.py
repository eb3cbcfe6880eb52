"""The bare `moltnet` command starts the server as Go's does, but says so first (docs/protocol/cli.md §1.1)."""

from __future__ import annotations

import json
import re

from moltnet.cli import main


def test_bare_moltnet_says_it_starts_the_server_and_names_help(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("MOLTNET_CONFIG", raising=False)
    (tmp_path / "Moltnet").write_text("auth: {mode: bearr}\n")  # so the server stops at once
    assert main([]) == 1
    first, second = capsys.readouterr().err.splitlines()
    assert re.fullmatch(r'time=\S+Z level=INFO msg="no command given, so starting the server \(`moltnet start`\); '
                        r'run `moltnet help` for the other commands" component=cli', first), first
    assert second.endswith('validate Moltnet config "Moltnet": unsupported auth mode "bearr" (line 1, column 14)')


def test_an_explicit_start_prints_no_notice(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("MOLTNET_CONFIG", raising=False)
    (tmp_path / "Moltnet").write_text("auth: {mode: bearr}\n")
    assert main(["start"]) == 1
    assert "no command given" not in capsys.readouterr().err


def test_help_lists_doctor(capsys):
    assert main(["help"]) == 0
    assert "\n  doctor  " in capsys.readouterr().out


def test_with_json_logs_the_notice_and_a_fatal_error_are_json_lines(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("MOLTNET_CONFIG", raising=False)
    monkeypatch.setenv("MOLTNET_LOG_FORMAT", "json")
    (tmp_path / "Moltnet").write_text("auth: {mode: bearr}\n")
    assert main([]) == 1
    notice, error = (json.loads(line) for line in capsys.readouterr().err.splitlines())
    assert notice["level"] == "INFO" and "`moltnet help`" in notice["msg"]
    assert error["level"] == "ERROR"
    assert error["msg"] == 'validate Moltnet config "Moltnet": unsupported auth mode "bearr" (line 1, column 14)'
