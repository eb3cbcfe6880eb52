"""The `Moltnet` config file: discovery, strict decoding, validation, env overrides, private files
(docs/protocol/config.md)."""

import os
from pathlib import Path

import pytest

from moltnet.config import ConfigError, ServerConfig, apply_environment, load_file, load_server_config


def write(directory: Path, name: str, text: str, mode: int = 0o600) -> Path:
    path = directory / name
    path.write_text(text)
    os.chmod(path, mode)
    return path


def load(tmp_path: Path, env: dict | None = None) -> ServerConfig:
    return load_server_config(environ=env or {}, cwd=tmp_path)


def error_of(tmp_path: Path, text: str, env: dict | None = None, name: str = "Moltnet") -> str:
    write(tmp_path, name, text)
    with pytest.raises(ConfigError) as info:
        load(tmp_path, env)
    return str(info.value)


# --- discovery -----------------------------------------------------------------------------------

def test_no_file_means_defaults(tmp_path):
    cfg = load(tmp_path)
    assert (cfg.path, cfg.network_id, cfg.network_name, cfg.listen_addr) == ("", "local", "Local Moltnet", ":8787")
    assert (cfg.human_ingress, cfg.direct_messages, cfg.debug_events) == (True, True, False)
    assert (cfg.auth_mode, cfg.public_read, cfg.agent_registration) == ("none", False, "disabled")
    assert (cfg.storage_kind, cfg.sqlite_path) == ("sqlite", ".moltnet/moltnet.db")


def test_discovery_order_and_directories_are_skipped(tmp_path):
    (tmp_path / "Moltnet").mkdir()
    write(tmp_path, "moltnet.yml", "network: {id: from_yml}\n")
    write(tmp_path, "moltnet.json", '{"network": {"id": "from_json"}}')
    assert load(tmp_path).network_id == "from_yml"
    write(tmp_path, "moltnet.yaml", "network: {id: from_yaml}\n")
    assert load(tmp_path).network_id == "from_yaml"


def test_moltnet_config_wins_and_must_exist(tmp_path):
    write(tmp_path, "Moltnet", "network: {id: discovered}\n")
    other = write(tmp_path, "elsewhere.JSON", '{"network": {"id": "explicit"}}')
    assert load(tmp_path, {"MOLTNET_CONFIG": f" {other} "}).network_id == "explicit"
    missing = tmp_path / "missing"
    with pytest.raises(ConfigError) as info:
        load(tmp_path, {"MOLTNET_CONFIG": str(missing)})
    assert str(info.value) == f'stat Moltnet config "{missing}": stat {missing}: no such file or directory'
    with pytest.raises(ConfigError) as info:
        load(tmp_path, {"MOLTNET_CONFIG": str(tmp_path)})
    assert str(info.value) == f'moltnet config "{tmp_path}" is a directory'


def test_json_is_chosen_by_extension_and_yaml_otherwise(tmp_path):
    write(tmp_path, "Moltnet", '{"network": {"id": "json_in_yaml_is_fine"}}')
    assert load(tmp_path).network_id == "json_in_yaml_is_fine"
    path = write(tmp_path, "x.json", "network:\n  id: yaml\n")
    with pytest.raises(ConfigError) as info:
        load_file(path)
    assert str(info.value).startswith(f'decode Moltnet config "{path}": ')


# --- strict decoding -------------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "needle"), [
    ("", "EOF"),
    ("# only a comment\n", "EOF"),
    ("network:\n  idd: x\n", "network.idd"),
    ("server:\n  console:\n    analytic: {}\n", "server.console.analytic"),
    ("rooms:\n  - id: a\n    member: [x]\n", "rooms[0].member"),
    ("bogus: 1\n", "bogus"),
    ("server:\n  human_ingress: maybe\n", "server.human_ingress"),
    ("network: [a]\n", "network"),
    ("rooms: {id: a}\n", "rooms"),
    ("network: {id: [x]}\n", "network.id"),
    ("network:\n  id: a\n bad indent\n", ""),
])
def test_decode_errors(tmp_path, text, needle):
    error = error_of(tmp_path, text)
    assert error.startswith(f'decode Moltnet config "{tmp_path / "Moltnet"}": ')
    assert needle in error
    assert "\n" not in error


def test_only_the_first_yaml_document_is_read(tmp_path):
    write(tmp_path, "Moltnet", "network: {id: first}\n---\nbogus: [\n")
    assert load(tmp_path).network_id == "first"


# --- validation ----------------------------------------------------------------------------------

VALIDATION = [
    ("version: moltnet.v2\n", 'unsupported version "moltnet.v2"', "line 1, column 10"),
    ("storage: {kind: redis}\n", 'unsupported storage kind "redis"', "line 1, column 17"),
    ("storage: {kind: json}\n", "storage.json.path is required for json storage", "line 1, column 17"),
    ("storage: {kind: sqlite}\n", "storage.sqlite.path is required for sqlite storage", "line 1, column 17"),
    ("storage: {kind: postgres}\n", "storage.postgres.dsn is required for postgres storage", "line 1, column 17"),
    ("auth: {mode: bearr}\n", 'unsupported auth mode "bearr"', "line 1, column 14"),
    ("auth: {agent_registration: sometimes}\n", 'unsupported auth.agent_registration "sometimes"', "line 1, column 28"),
    ("auth: {mode: bearer}\n", "bearer auth requires at least one token", "line 1, column 14"),
    ("auth: {mode: bearer, tokens: [{scopes: [admin]}]}\n", "auth.tokens[0].value is required", "line 1, column 31"),
    ("auth: {mode: bearer, tokens: [{value: v}]}\n", "auth.tokens[0].scopes is required", "line 1, column 31"),
    ("auth: {mode: open, tokens: [{value: v, scopes: [admin, root]}]}\n", 'auth.tokens[0].scope "root" is unsupported',
     "line 1, column 48"),
    ("server: {console: {analytics: {measurement_id: G-1}}}\n", "server.console.analytics.provider is required",
     "line 1, column 31"),
    ("server: {console: {analytics: {provider: matomo, measurement_id: G-1}}}\n",
     'unsupported server.console.analytics.provider "matomo"', "line 1, column 42"),
    ("server: {console: {analytics: {provider: google}}}\n", "server.console.analytics.measurement_id is required",
     "line 1, column 31"),
    ("server: {console: {analytics: {provider: google, measurement_id: UA-1}}}\n",
     "server.console.analytics.measurement_id must be a Google Analytics measurement ID", "line 1, column 66"),
    ("pairings: [{remote_base_url: 'http://x'}]\n", "pairings[0].id is required", "line 1, column 12"),
    ("pairings: [{id: p}]\n", "pairings[0].remote_base_url is required", "line 1, column 12"),
    ("pairings: [{id: p, remote_base_url: 'http://[::1'}]\n",
     'pairings[0].remote_base_url is invalid: parse "http://[::1": missing \']\' in host', "line 1, column 37"),
    ("pairings: [{id: p, remote_base_url: 'ftp://x'}]\n", 'pairings[0].remote_base_url scheme "ftp" is unsupported',
     "line 1, column 37"),
    ("pairings: [{id: p, remote_base_url: 'http:///x'}]\n", "pairings[0].remote_base_url host is required",
     "line 1, column 37"),
    ("rooms: [{id: a, visibility: Public}]\n", 'rooms[0].visibility: unsupported room visibility "Public"',
     "line 1, column 29"),
    ("rooms: [{id: a}, {id: b, write_policy: all}]\n", 'rooms[1].write_policy: unsupported room write_policy "all"',
     "line 1, column 40"),
    # order: version, storage, auth, analytics, pairings, rooms
    ("version: x\nstorage: {kind: nope}\n", 'unsupported version "x"', "line 1, column 10"),
    ("storage: {kind: nope}\nauth: {mode: nope}\n", 'unsupported storage kind "nope"', "line 1, column 17"),
    ("auth: {mode: nope}\npairings: [{}]\n", 'unsupported auth mode "nope"', "line 1, column 14"),
    ("pairings: [{}]\nrooms: [{visibility: x}]\n", "pairings[0].id is required", "line 1, column 12"),
]


@pytest.mark.parametrize(("text", "message", "where"), VALIDATION)
def test_validation_messages(tmp_path, text, message, where):
    """The spec's text after the file, then where in the file the offending value is written."""
    assert error_of(tmp_path, text) == f'validate Moltnet config "{tmp_path / "Moltnet"}": {message} ({where})'


def test_version_may_be_absent_blank_or_v1(tmp_path):
    for text, network in (("network: {id: a}\n", "a"), ("version: ''\n", "local"),
                          ("version: ' moltnet.v1 '\n", "local")):
        write(tmp_path, "Moltnet", text)
        assert load(tmp_path).network_id == network, text


def test_tokens_are_not_validated_in_mode_none(tmp_path):
    write(tmp_path, "Moltnet", "auth: {tokens: [{scopes: [root]}]}\n")
    assert load(tmp_path).auth_mode == "none"


def test_declared_room_ids_are_not_validated_at_load(tmp_path):
    write(tmp_path, "Moltnet", "rooms: [{id: '-bad'}]\n")
    assert load(tmp_path).rooms[0].id == "-bad"


# --- merge rules ---------------------------------------------------------------------------------

def test_file_values_over_defaults(tmp_path):
    write(tmp_path, "Moltnet", """version: moltnet.v1
network: {id: '', name: Lab}
server: {listen_addr: '127.0.0.1:9000', human_ingress: false, direct_messages: false, debug_events: true,
         allowed_origins: ['http://a'], trust_forwarded_proto: true}
auth: {mode: ' open ', public_read: false, agent_registration: disabled}
storage: {sqlite: {path: data/x.db}}
rooms: [{id: lab, members: [ada]}]
""")
    cfg = load(tmp_path)
    assert (cfg.network_id, cfg.network_name, cfg.listen_addr) == ("local", "Lab", "127.0.0.1:9000")
    assert (cfg.human_ingress, cfg.direct_messages, cfg.debug_events) == (False, False, True)
    assert cfg.allowed_origins == ["http://a"] and cfg.trust_forwarded_proto is True
    assert (cfg.auth_mode, cfg.public_read, cfg.agent_registration) == ("open", True, "open")
    assert (cfg.storage_kind, cfg.sqlite_path) == ("sqlite", "data/x.db")
    assert [(r.id, r.members) for r in cfg.rooms] == [("lab", ["ada"])]


def test_legacy_data_path_selects_json_which_this_server_refuses_clearly(tmp_path):
    message = error_of(tmp_path, "server: {data_path: state.json}\n")
    assert message == (f'validate Moltnet config "{tmp_path / "Moltnet"}": storage kind "json" is not supported by '
                       'this server; use "sqlite" (the default) or "postgres" (line 1, column 21)')


# --- environment ---------------------------------------------------------------------------------

@pytest.mark.parametrize(("value", "expected"), [("1", True), ("TRUE", True), ("Yes", True), (" on ", True),
                                                 ("0", False), ("False", False), ("no", False), ("OFF", False),
                                                 ("maybe", None), ("", None)])
def test_boolean_environment_values(value, expected):
    cfg = ServerConfig(human_ingress=True, debug_events=False, direct_messages=True)
    apply_environment(cfg, {"MOLTNET_ALLOW_HUMAN_INGRESS": value, "MOLTNET_DEBUG_EVENTS": value,
                            "MOLTNET_ALLOW_DIRECT_MESSAGES": value})
    if expected is None:
        assert (cfg.human_ingress, cfg.debug_events, cfg.direct_messages) == (True, False, True)
    else:
        assert (cfg.human_ingress, cfg.debug_events, cfg.direct_messages) == (expected,) * 3


def test_string_environment_overrides(tmp_path):
    write(tmp_path, "Moltnet", "network: {id: file, name: File}\nserver: {listen_addr: ':1'}\n")
    cfg = load(tmp_path, {"MOLTNET_NETWORK_ID": " env ", "MOLTNET_NETWORK_NAME": "Env Net",
                          "MOLTNET_LISTEN_ADDR": "127.0.0.1:2", "MOLTNET_NETWORK_ID_UNUSED": "x"})
    assert (cfg.network_id, cfg.network_name, cfg.listen_addr) == ("env", "Env Net", "127.0.0.1:2")


@pytest.mark.parametrize(("env", "kind"), [
    ({"MOLTNET_SQLITE_PATH": "a.db"}, "sqlite"),
    ({"MOLTNET_POSTGRES_DSN": "postgresql://x/y"}, "postgres"),
    ({"MOLTNET_SQLITE_PATH": "a.db", "MOLTNET_POSTGRES_DSN": "postgresql://x/y"}, "postgres"),
    ({"MOLTNET_POSTGRES_DSN": "postgresql://x/y", "MOLTNET_STORAGE_KIND": "sqlite"}, "sqlite"),
    ({"MOLTNET_STORAGE_KIND": "memory", "MOLTNET_SQLITE_PATH": "a.db"}, "memory"),
])
def test_storage_precedence(tmp_path, env, kind):
    cfg = load(tmp_path, env)
    assert cfg.storage_kind == kind
    if "MOLTNET_POSTGRES_DSN" in env:
        assert cfg.postgres_dsn == "postgresql://x/y"


def test_an_unsupported_kind_from_the_environment_fails_at_startup(tmp_path):
    with pytest.raises(ConfigError) as info:
        load(tmp_path, {"MOLTNET_STORAGE_KIND": "mongo"})
    assert str(info.value) == 'unsupported storage kind "mongo" (from the environment: MOLTNET_STORAGE_KIND)'


def test_pairings_json(tmp_path):
    cfg = load(tmp_path, {"MOLTNET_PAIRINGS_JSON": '[{"id": "p", "remote_network_id": "r", "extra": 1}]'})
    assert [(p.id, p.remote_network_id) for p in cfg.pairings] == [("p", "r")]
    with pytest.raises(ConfigError) as info:
        load(tmp_path, {"MOLTNET_PAIRINGS_JSON": "[{"})
    assert str(info.value).startswith("MOLTNET_PAIRINGS_JSON must contain valid JSON: ")


def test_analytics_from_the_environment_is_validated(tmp_path):
    with pytest.raises(ConfigError) as info:
        load(tmp_path, {"MOLTNET_CONSOLE_ANALYTICS_PROVIDER": "google"})
    assert str(info.value) == "server.console.analytics.measurement_id is required"
    cfg = load(tmp_path, {"MOLTNET_CONSOLE_ANALYTICS_PROVIDER": "google",
                          "MOLTNET_CONSOLE_ANALYTICS_MEASUREMENT_ID": "G-123"})
    assert (cfg.analytics_provider, cfg.analytics_measurement_id) == ("google", "G-123")


# --- private-file rule ---------------------------------------------------------------------------

SECRETS = [
    "auth: {mode: bearer, tokens: [{value: s3cret, scopes: [admin]}]}\n",
    "pairings: [{id: p, remote_base_url: 'http://x', token: s3cret}]\n",
    "storage: {kind: postgres, postgres: {dsn: 'postgresql://u:p@h/db'}}\n",
]


@pytest.mark.parametrize("text", SECRETS)
@pytest.mark.parametrize(("mode", "ok"), [(0o600, True), (0o400, True), (0o640, False), (0o644, False),
                                          (0o604, False)])
def test_files_with_secrets_must_be_private(tmp_path, text, mode, ok):
    path = write(tmp_path, "Moltnet", text, mode)
    if ok:
        load_file(path)
        return
    with pytest.raises(ConfigError) as info:
        load_file(path)
    assert str(info.value) == f'moltnet config "{path}" must not be group/world readable when tokens are present'


def test_files_with_secrets_must_not_be_symlinks(tmp_path):
    target = write(tmp_path, "real", SECRETS[0])
    link = tmp_path / "Moltnet"
    link.symlink_to(target)
    with pytest.raises(ConfigError) as info:
        load_file(link)
    assert str(info.value) == f'moltnet config "{link}" must not be a symlink when secrets are present'


def test_files_without_secrets_may_have_any_mode(tmp_path):
    # A blank token value and a DSN under an unused kind are not secrets: a 0644 file loads.
    blank = load_file(write(tmp_path, "Moltnet", "auth: {tokens: [{value: '  ', scopes: [admin]}]}\n", 0o644))
    assert [token.scopes for token in blank.tokens] == [["admin"]]
    sqlite = load_file(write(tmp_path, "Moltnet", "storage: {kind: sqlite, sqlite: {path: x}, postgres: {dsn: d}}\n",
                             0o644))
    assert (sqlite.storage_kind, sqlite.postgres_dsn) == ("sqlite", "d")


def test_discovery_reports_a_candidate_it_cannot_stat(tmp_path):
    (tmp_path / "Moltnet").symlink_to("Moltnet")  # a loop: not "missing", so not skipped
    write(tmp_path, "moltnet.yaml", "network: {id: second}\n")
    with pytest.raises(ConfigError) as info:
        load(tmp_path)
    path = tmp_path / "Moltnet"
    assert str(info.value) == f'inspect Moltnet config "{path}": stat {path}: too many levels of symbolic links'


def test_storage_kind_and_paths_are_checked_trimmed(tmp_path):
    path = write(tmp_path, "Moltnet", "storage: {kind: ' sqlite ', sqlite: {path: x.db}}\n")
    load_file(path)  # what `moltnet validate` accepts
    with pytest.raises(ConfigError) as info:
        load(tmp_path)  # ...but the kind is used as written when the server starts
    assert str(info.value) == (f'validate Moltnet config "{path}": unsupported storage kind " sqlite " '
                               "(line 1, column 17)")
    for text, message in (("storage: {kind: sqlite, sqlite: {path: '  '}}\n", "storage.sqlite.path is required"),
                          ("storage: {kind: postgres, postgres: {dsn: ' '}}\n", "storage.postgres.dsn is required")):
        assert message in error_of(tmp_path, text)


def test_values_and_paths_in_errors_are_quoted_like_go(tmp_path):
    odd = tmp_path / 'we"ird'
    odd.mkdir()
    message = error_of(odd, 'auth: {mode: "be\\"ar\\u00e9\\u0007"}\n')
    assert message == (f'validate Moltnet config "{tmp_path}/we\\"ird/Moltnet": unsupported auth mode "be\\"aré\\a" '
                       "(line 1, column 14)")


# --- SQLite durability (our extension: storage.sqlite.synchronous) -------------------------------

def sqlite_init_command(cfg: ServerConfig) -> str:
    from moltnet.storage import database_settings

    return database_settings(cfg)["OPTIONS"]["init_command"]


def test_sqlite_syncs_every_commit_by_default_as_go_does(tmp_path):
    cfg = load(tmp_path)
    assert cfg.sqlite_synchronous == "full"
    assert "PRAGMA synchronous=FULL;" in sqlite_init_command(cfg)
    assert "PRAGMA journal_mode=WAL;" in sqlite_init_command(cfg)
    # A group commit's savepoint journals stay in memory, not in a temp file per batch.
    assert "PRAGMA temp_store=MEMORY;" in sqlite_init_command(cfg)


def test_sqlite_normal_durability_is_an_explicit_choice(tmp_path):
    write(tmp_path, "Moltnet", "version: moltnet.v1\nstorage:\n  kind: sqlite\n"
                               "  sqlite: {path: ./data/m.db, synchronous: NORMAL}\n")
    assert "PRAGMA synchronous=NORMAL;" in sqlite_init_command(load(tmp_path))
    (tmp_path / "Moltnet").unlink()
    assert "PRAGMA synchronous=NORMAL;" in sqlite_init_command(load(tmp_path, {"MOLTNET_SQLITE_SYNCHRONOUS": "normal"}))


@pytest.mark.parametrize("env", [{}, {"MOLTNET_SQLITE_SYNCHRONOUS": "off"}])
def test_an_unknown_sqlite_durability_level_is_refused(tmp_path, env):
    text = ("version: moltnet.v1\nstorage: {kind: sqlite, sqlite: {path: ./m.db, synchronous: off}}\n" if not env
            else "version: moltnet.v1\n")
    message = error_of(tmp_path, text, env)
    where = "(from the environment: MOLTNET_SQLITE_SYNCHRONOUS)" if env else "(line 2, column 61)"
    assert message.endswith(f'unsupported storage.sqlite.synchronous "off"; use "full" (the default) or "normal" '
                            f"{where}")
    if not env:  # `moltnet validate` reads the file the same way
        with pytest.raises(ConfigError):
            load_file(tmp_path / "Moltnet")
