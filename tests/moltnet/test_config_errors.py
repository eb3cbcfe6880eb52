"""Config errors a newcomer reads: the file, the line and column, the field, and what to write instead.

`moltnet validate` and `moltnet start` run one shared check, so they refuse the same files with the
same line.
"""

from __future__ import annotations

import pytest

from moltnet.cli import main

SERVER_KEYS = "version, network, server, auth, storage, rooms, pairings, loop_guard"


@pytest.fixture
def cwd(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for name in list(__import__("os").environ):
        if name.startswith("MOLTNET_"):
            monkeypatch.delenv(name)
    return tmp_path


def error_line(capsys, *args: str) -> str:
    """Run the command; it must fail with exactly one stderr line, returned without the time prefix."""
    code = main(list(args))
    out, err = capsys.readouterr()
    assert code == 1, (out, err)
    lines = err.rstrip("\n").split("\n")
    assert len(lines) == 1, err
    return lines[0][20:]


def test_a_yaml_syntax_error_names_the_file_line_and_column_on_one_line(cwd, capsys):
    (cwd / "Moltnet").write_text('version: moltnet.v1\nserver:\n  listen_addr: ":8787\n  human_ingress: true\n')
    message = error_line(capsys, "start")
    assert message == ('decode Moltnet config "Moltnet": yaml: found unexpected end of stream (line 5, column 1) '
                       "while scanning a quoted scalar that starts at line 3, column 16; is a closing quote missing?")
    assert "<byte string>" not in message and "^" not in message


@pytest.mark.parametrize(("text", "expected"), [
    ("server:\n  listen: ':8787'\n",
     'field server.listen not found in type: "listen" is not a key of server (line 2, column 3); '
     "did you mean listen_addr?"),
    ("rooms:\n  - id: lab\n    member: [ada]\n",
     'field rooms[0].member not found in type: "member" is not a key of rooms[0] (line 3, column 5); '
     "did you mean members?"),
    ("Version: moltnet.v1\n",
     'field Version not found in type: "Version" is not a top-level key (line 1, column 1); did you mean version?'),
    ("colour: blue\n",
     f'field colour not found in type: "colour" is not a top-level key (line 1, column 1); top-level keys are '
     f"{SERVER_KEYS}"),
])
def test_an_unknown_key_names_its_place_and_the_closest_known_key(cwd, capsys, text, expected):
    (cwd / "Moltnet").write_text(text)
    assert error_line(capsys, "start") == f'decode Moltnet config "Moltnet": {expected}'


def test_a_wrong_type_names_the_field_line_and_column(cwd, capsys):
    (cwd / "Moltnet").write_text("server:\n  human_ingress: maybe\n")
    assert error_line(capsys, "validate") == ('decode Moltnet config "Moltnet": server.human_ingress: expected a '
                                              "bool, got 'maybe' (line 2, column 18)")


def test_a_tab_indent_says_to_use_spaces(cwd, capsys):
    (cwd / "Moltnet").write_text("server:\n\tlisten_addr: ':1'\n")
    message = error_line(capsys, "start")
    assert message.startswith('decode Moltnet config "Moltnet": yaml: ')
    assert "(line 2, column 1)" in message and message.endswith("indent with spaces, not tabs")


@pytest.mark.parametrize("text", ["", "# nothing yet\n"])
def test_an_empty_file_says_what_to_write(cwd, capsys, text):
    (cwd / "Moltnet").write_text(text)
    assert error_line(capsys, "start") == ('decode Moltnet config "Moltnet": EOF (the file is empty; write at least '
                                           '"version: moltnet.v1", or delete it and run `moltnet init`)')


# Each refused by start-up; `validate` must refuse it too, with the same line.
REFUSED_BY_START = [
    ("rooms:\n  - id: '-bad'\n",
     "rooms[0]: room id id must match [A-Za-z0-9][A-Za-z0-9._:-]{0,127} (line 2, column 9)"),
    ("rooms:\n  - id: lab\n    members: [ada, 'not ok']\n", "rooms[0]: members[1] "),
    ("auth:\n  tokens:\n    - {id: a, value: x, scopes: [attach], agents: [scout, 'bad agent']}\n",
     "auth.tokens[0].agents[1] id must match [A-Za-z0-9][A-Za-z0-9._:-]{0,127} (line 3, column 59)"),
    ("auth:\n  tokens:\n    - {id: a, value: x, scopes: [attach], agents: [scout]}\n"
     "    - {id: b, value: y, scopes: [attach], agents: [scout]}\n",
     'agent "scout" is declared by multiple auth tokens; list it under one token only (line 4, column 52)'),
    ("storage: {kind: json, json: {path: state.json}}\n",
     'storage kind "json" is not supported by this server; use "sqlite" (the default) or "postgres" '
     "(line 1, column 17)"),
    ("server: {listen_addr: 'localhost'}\n",
     'invalid listen address "localhost"; write host:port, e.g. ":8787" or "127.0.0.1:8787" (line 1, column 23)'),
    ("auth: {mode: bearr}\n", 'unsupported auth mode "bearr" (line 1, column 14)'),
]


@pytest.mark.parametrize(("text", "expected"), REFUSED_BY_START)
def test_validate_refuses_what_start_refuses_with_the_same_line(cwd, capsys, text, expected):
    (cwd / "Moltnet").write_text(text)
    (cwd / "Moltnet").chmod(0o600)
    started = error_line(capsys, "start")
    validated = error_line(capsys, "validate")
    assert started == validated
    assert started.startswith('validate Moltnet config "Moltnet": ') and expected in started


def test_a_value_from_the_environment_is_named_as_such(cwd, capsys, monkeypatch):
    (cwd / "Moltnet").write_text("version: moltnet.v1\nserver: {listen_addr: '127.0.0.1:8787'}\n")
    monkeypatch.setenv("MOLTNET_LISTEN_ADDR", "nowhere")
    assert error_line(capsys, "start") == ('invalid listen address "nowhere"; write host:port, e.g. ":8787" or '
                                           '"127.0.0.1:8787" (from the environment: MOLTNET_LISTEN_ADDR)')
    assert main(["validate"]) == 0  # validate reads the file alone (docs/protocol/config.md §1)


def test_a_key_without_its_colon_says_so(cwd, capsys):
    (cwd / "Moltnet").write_text('server:\n  listen_addr ":8787"\n')
    assert error_line(capsys, "start") == ('decode Moltnet config "Moltnet": server: expected a mapping, got the value '
                                           '\'listen_addr ":8787"\' (line 2, column 3); write key: value lines '
                                           '(is a ":" missing?)')
