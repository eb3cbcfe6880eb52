"""Typed decoding of the `Moltnet` file as the Go server decodes it (docs/protocol/config.md §1): yaml.v3
and encoding/json."""

import os
from datetime import UTC, datetime
from pathlib import Path

import pytest

from moltnet.config import ConfigError, ServerConfig, load_file, load_server_config


def write(directory: Path, name: str, content: str | bytes) -> Path:
    path = directory / name
    path.write_bytes(content.encode() if isinstance(content, str) else content)
    os.chmod(path, 0o600)
    return path


def load(tmp_path: Path, content: str | bytes, name: str = "Moltnet", env: dict | None = None) -> ServerConfig:
    path = write(tmp_path, name, content)
    return load_server_config(environ={"MOLTNET_CONFIG": str(path), **(env or {})}, cwd=tmp_path)


def error_of(tmp_path: Path, content: str | bytes, name: str = "Moltnet") -> str:
    with pytest.raises(ConfigError) as info:
        load(tmp_path, content, name)
    return str(info.value)


# --- YAML scalars are taken as written (yaml.v3), not resolved as YAML 1.1 ---------------------------

def test_string_fields_keep_scalars_exactly_as_written(tmp_path):
    cfg = load(tmp_path, """network: {id: 0x1F, name: yes}
auth:
  mode: bearer
  tokens: [{id: 0777, value: 1_000, scopes: [admin], agents: [1:30]}]
rooms: [{id: 007, name: 1.10, members: [on, 2024-01-02]}]
pairings: [{id: 12, remote_base_url: 'http://peer', token: 010}]
""")
    assert (cfg.network_id, cfg.network_name) == ("0x1F", "yes")
    assert [(t.id, t.value, t.agents) for t in cfg.tokens] == [("0777", "1_000", ["1:30"])]
    assert [(r.id, r.name, r.members) for r in cfg.rooms] == [("007", "1.10", ["on", "2024-01-02"])]
    assert [(p.id, p.token) for p in cfg.pairings] == [("12", "010")]


@pytest.mark.parametrize(("text", "expected"), [
    ("true", True), ("False", False), ("TRUE", True),
    ("yes", True), ("Y", True), ("on", True), ("'yes'", True),
    ("no", False), ("n", False), ("OFF", False), ('"off"', False),
])
def test_bool_fields_accept_yaml_1_2_booleans_and_the_1_1_words(tmp_path, text, expected):
    assert load(tmp_path, f"server: {{human_ingress: {text}}}\n").human_ingress is expected


@pytest.mark.parametrize("text", ["'true'", "1", "maybe", "[true]"])
def test_other_bool_values_are_decode_errors(tmp_path, text):
    error = error_of(tmp_path, f"server: {{human_ingress: {text}}}\n")
    assert error.startswith(f'decode Moltnet config "{tmp_path / "Moltnet"}": server.human_ingress: ')


def test_a_null_value_leaves_the_default(tmp_path):
    cfg = load(tmp_path, "network: {id: ~, name: null}\nserver: {human_ingress: , listen_addr: ~}\n")
    assert (cfg.network_id, cfg.network_name, cfg.human_ingress, cfg.listen_addr) == ("local", "Local Moltnet",
                                                                                       True, ":8787")


def test_null_sequence_entries_are_dropped(tmp_path):
    assert load(tmp_path, "rooms: [~, {id: lab, members: [ada, ~, grace]}]\n").rooms[0].members == ["ada", "grace"]


def test_a_duplicate_key_is_a_decode_error(tmp_path):
    error = error_of(tmp_path, "network:\n  id: a\n  name: A\n  id: b\n")
    assert error == (f'decode Moltnet config "{tmp_path / "Moltnet"}": network: mapping key "id" already defined '
                     "(line 4, column 3); remove one of the two")


def test_merge_keys_apply_with_explicit_keys_winning(tmp_path):
    cfg = load(tmp_path, """network: &base {id: base, name: Base}
rooms:
  - &room {id: lab, members: [ada], visibility: public}
  - {<<: *room, id: annex}
""")
    assert [(r.id, r.members, r.visibility) for r in cfg.rooms] == [("lab", ["ada"], "public"),
                                                                     ("annex", ["ada"], "public")]


def test_an_explicit_null_document_means_defaults(tmp_path):
    assert load(tmp_path, "---\n").network_id == "local"
    assert load(tmp_path, "null\n").network_id == "local"


def test_invalid_utf8_is_a_decode_error(tmp_path):
    error = error_of(tmp_path, b"network:\n  name: \xff\xfe\n")
    assert error.startswith(f'decode Moltnet config "{tmp_path / "Moltnet"}": ')


# --- JSON (encoding/json) --------------------------------------------------------------------------

def test_json_string_fields_must_be_strings(tmp_path):
    error = error_of(tmp_path, '{"network": {"id": 5}}', "moltnet.json")
    assert error == f'decode Moltnet config "{tmp_path / "moltnet.json"}": network.id: expected a string, got number'
    assert "human_ingress" in error_of(tmp_path, '{"server": {"human_ingress": "true"}}', "moltnet.json")


def test_json_keys_match_case_insensitively(tmp_path):
    cfg = load(tmp_path, '{"Network": {"ID": "lab", "name": "Lab"}, "Rooms": [{"Id": "r", "Members": ["ada"]}]}',
               "moltnet.json")
    assert (cfg.network_id, cfg.network_name) == ("lab", "Lab")
    assert [(r.id, r.members) for r in cfg.rooms] == [("r", ["ada"])]
    assert "field network.bogus not found in type" in error_of(tmp_path, '{"network": {"bogus": 1}}', "moltnet.json")


def test_json_reads_only_the_first_value(tmp_path):
    assert load(tmp_path, '{"network": {"id": "first"}}\n{"network": {"id": "second"}}\n', "m.json").network_id == \
        "first"


def test_json_files_decode_by_the_wires_go_rules(tmp_path):
    """The config's JSON goes through the same decoder as request bodies (moltnet.gocompat.jsondecode)."""
    # Of two keys naming one field, the later in the document wins, as in Go.
    assert load(tmp_path, '{"network": {"ID": "first", "id": "second"}}', "m.json").network_id == "second"
    assert load(tmp_path, '{"network": {"id": "a", "ID": "b", "id": "c"}}', "m.json").network_id == "c"
    assert error_of(tmp_path, '{"network": {"id": NaN}}', "m.json").endswith(
        "invalid character 'N' looking for beginning of value")
    assert error_of(tmp_path, '{"server": {"human_ingress": 1e400}}', "m.json").endswith(
        "server.human_ingress: expected a bool, got number")


def test_json_empty_and_null_files(tmp_path):
    assert error_of(tmp_path, "  \n", "moltnet.json") == (
        f'decode Moltnet config "{tmp_path / "moltnet.json"}": EOF (the file is empty; write at least '
        '"version: moltnet.v1", or delete it and run `moltnet init`)')
    assert load(tmp_path, "null", "moltnet.json").network_id == "local"


# --- pairing diagnostics are a typed object ----------------------------------------------------------

PAIRING = "pairings:\n  - id: p\n    remote_base_url: 'http://peer'\n    diagnostics: {DIAG}\n"


def test_pairing_diagnostics_decode_to_typed_values(tmp_path):
    cfg = load(tmp_path, PAIRING.replace("{DIAG}", "{checked_at: 2026-05-04T10:11:12Z, reason: x, "
                                                   "remote_protocols: {http: [moltnet.http.v1]}}"))
    diag = cfg.pairings[0].diagnostics
    assert diag["checked_at"] == datetime(2026, 5, 4, 10, 11, 12, tzinfo=UTC)
    assert diag["remote_protocols"] == {"http": ["moltnet.http.v1"]}
    quoted = load(tmp_path, PAIRING.replace("{DIAG}", "{checked_at: '2026-05-04T10:11:12.5+02:00'}"))
    assert quoted.pairings[0].diagnostics["checked_at"] == datetime(2026, 5, 4, 8, 11, 12, 500000, tzinfo=UTC)


@pytest.mark.parametrize(("diag", "needle"), [
    ("{reasons: x}", 'field pairings[0].diagnostics.reasons not found in type: "reasons" is not a key of '
                     "pairings[0].diagnostics (line 4, column 19); did you mean reason?"),
    ("{remote_protocols: {ws: []}}", 'field pairings[0].diagnostics.remote_protocols.ws not found in type: "ws" is '
     "not a key of pairings[0].diagnostics.remote_protocols (line 4, column 38); the keys of "
     "pairings[0].diagnostics.remote_protocols are http, attach, pair"),
    ("{checked_at: yesterday}",
     "pairings[0].diagnostics.checked_at: cannot parse 'yesterday' as an RFC 3339 time (line 4, column 31)"),
])
def test_pairing_diagnostics_are_strict(tmp_path, diag, needle):
    assert error_of(tmp_path, PAIRING.replace("{DIAG}", diag)).endswith(needle)


# --- MOLTNET_PAIRINGS_JSON ---------------------------------------------------------------------------

def test_pairings_json_null_clears_the_pairings(tmp_path):
    cfg = load(tmp_path, "pairings: [{id: p, remote_base_url: 'http://peer'}]\n",
               env={"MOLTNET_PAIRINGS_JSON": "null"})
    assert cfg.pairings == []


@pytest.mark.parametrize(("raw", "needle"), [
    ('[{"id": 5}]', "pairings[0].id: expected a string, got number"),
    ("[5]", "pairings[0]: expected an object, got number"),
    ('{"id": "p"}', "pairings: expected an array, got object"),
])
def test_pairings_json_is_typed(tmp_path, raw, needle):
    with pytest.raises(ConfigError) as info:
        load_server_config(environ={"MOLTNET_PAIRINGS_JSON": raw}, cwd=tmp_path)
    assert str(info.value) == f"MOLTNET_PAIRINGS_JSON must contain valid JSON: {needle}"


def test_pairings_json_ignores_unknown_keys_and_matches_keys_case_insensitively(tmp_path):
    cfg = load_server_config(environ={"MOLTNET_PAIRINGS_JSON": '[{"ID": "p", "Remote_Base_URL": "http://x", "z": 1}]'},
                             cwd=tmp_path)
    assert [(p.id, p.remote_base_url) for p in cfg.pairings] == [("p", "http://x")]


def test_validate_uses_the_same_decoding(tmp_path):
    path = write(tmp_path, "Moltnet", "rooms: [{id: 007}]\n")
    assert load_file(path).rooms[0].id == "007"
