"""`moltnet init` and `moltnet validate` (docs/protocol/cli.md §8.1–8.2, docs/protocol/config.md §8)."""

import os
import re
import stat

import pytest

from moltnet.cli import main

DEFAULT_MOLTNET = """version: moltnet.v1

network:
  id: local
  name: Local Moltnet

server:
  listen_addr: "127.0.0.1:8787"
  human_ingress: true
  debug_events: false

storage:
  kind: sqlite
  sqlite:
    path: .moltnet/moltnet.db

rooms: []
pairings: []
"""

DEFAULT_NODE = """version: moltnet.node.v1

moltnet:
  base_url: http://127.0.0.1:8787
  network_id: local

attachments: []
"""


@pytest.fixture
def cwd(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for name in ("MOLTNET_CONFIG", "MOLTNET_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    return tmp_path


def run(capsys, *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_init_in_the_working_directory(cwd, capsys):
    assert run(capsys, "init") == (0, "initialized .\ncreated Moltnet\ncreated MoltnetNode\n", "")
    assert (cwd / "Moltnet").read_bytes() == DEFAULT_MOLTNET.encode()
    assert (cwd / "MoltnetNode").read_bytes() == DEFAULT_NODE.encode()
    for name in ("Moltnet", "MoltnetNode"):
        assert stat.S_IMODE((cwd / name).stat().st_mode) == 0o600


def test_init_creates_a_private_directory_and_cleans_the_path(cwd, capsys):
    code, out, _ = run(capsys, "init", "./net//a/../b/")
    assert code == 0
    assert out == "initialized net/b\ncreated net/b/Moltnet\ncreated net/b/MoltnetNode\n"
    assert stat.S_IMODE((cwd / "net" / "b").stat().st_mode) == 0o700


def test_init_never_overwrites(cwd, capsys):
    (cwd / "Moltnet").write_text("mine\n")
    assert run(capsys, "init")[1] == "exists Moltnet\ninitialized .\ncreated MoltnetNode\n"
    assert (cwd / "Moltnet").read_text() == "mine\n"
    assert run(capsys, "init")[1] == "exists Moltnet\nexists MoltnetNode\ninitialized .\nno files created\n"


def test_init_rejects_two_arguments(cwd, capsys):
    code, out, err = run(capsys, "init", "a", "b")
    assert (code, out) == (1, "")
    assert re.fullmatch(r"\d{4}/\d\d/\d\d \d\d:\d\d:\d\d invalid argument\n", err)


def test_init_reports_an_unwritable_directory(cwd, capsys):
    (cwd / "file").write_text("")
    code, _, err = run(capsys, "init", "file/sub")
    assert code == 1
    assert 'create init directory "file/sub": mkdir file/sub: not a directory' in err


def test_initialized_files_validate(cwd, capsys):
    run(capsys, "init")
    assert run(capsys, "validate") == (0, "validated Moltnet\nvalidated MoltnetNode\n", "")
    assert run(capsys, "validate", "Moltnet") == (0, "validated Moltnet\n", "")
    assert run(capsys, "validate", "MoltnetNode") == (0, "validated MoltnetNode\n", "")


def test_validate_a_directory_checks_the_first_candidates(cwd, capsys):
    (cwd / "moltnet.yml").write_text("network: {id: a}\nserver: {listen_addr: '127.0.0.1:8787'}\n")
    (cwd / "moltnet.json").write_text("not json")
    assert run(capsys, "validate", str(cwd)) == (0, f"validated {cwd / 'moltnet.yml'}\n", "")


def test_validate_a_directory_without_configs(cwd, capsys):
    code, _, err = run(capsys, "validate")
    assert code == 1
    assert err.endswith(" no Moltnet or MoltnetNode config found\n")


def test_validate_stops_at_the_first_failure(cwd, capsys):
    (cwd / "Moltnet").write_text("auth: {mode: sometimes}\n")
    (cwd / "MoltnetNode").write_text(DEFAULT_NODE)
    code, out, err = run(capsys, "validate")
    assert (code, out) == (1, "")
    assert err.endswith('validate Moltnet config "Moltnet": unsupported auth mode "sometimes" (line 1, column 14)\n')


def test_validate_a_file_reports_both_attempts(cwd, capsys):
    (cwd / "broken.yaml").write_text("nonsense: true\n")
    code, out, err = run(capsys, "validate", "broken.yaml")
    assert (code, out) == (1, "")
    first, second = err.rstrip("\n").split("\n")
    assert first.endswith('validate "broken.yaml": as Moltnet config: decode Moltnet config "broken.yaml": '
                          'field nonsense not found in type: "nonsense" is not a top-level key (line 1, column 1); '
                          "top-level keys are version, network, server, auth, storage, rooms, pairings, loop_guard")
    assert second.startswith("as MoltnetNode config: ")


def test_validate_does_not_apply_environment_overrides(cwd, capsys, monkeypatch):
    (cwd / "Moltnet").write_text(DEFAULT_MOLTNET)
    monkeypatch.setenv("MOLTNET_STORAGE_KIND", "mongo")
    assert run(capsys, "validate", "Moltnet")[0] == 0


def test_validate_missing_path(cwd, capsys):
    code, _, err = run(capsys, "validate", "nope")
    assert code == 1
    assert err.endswith('inspect "nope": stat nope: no such file or directory\n')


def test_validate_applies_the_private_file_rule(cwd, capsys):
    path = cwd / "Moltnet"
    path.write_text("auth: {mode: bearer, tokens: [{value: s, scopes: [admin]}]}\n")
    os.chmod(path, 0o644)
    code, _, err = run(capsys, "validate", "Moltnet")
    assert code == 1
    assert 'moltnet config "Moltnet" must not be group/world readable when tokens are present' in err


def test_version_and_help(capsys):
    from moltnet import __version__

    assert run(capsys, "version") == (0, f"{__version__}\n", "")
    assert run(capsys, "--version", "extra") == (0, f"{__version__}\n", "")
    code, out, _ = run(capsys, "help")
    assert code == 0 and out.startswith("Usage:\n") and "  moltnet init [path]\n" in out
    assert "  moltnet validate [path]\n  moltnet start\n" in out


def test_unknown_command(capsys):
    code, out, err = run(capsys, "frobnicate")
    assert (code, out) == (1, "")
    assert 'unknown command "frobnicate"\n\nUsage:\n' in err


def test_init_reports_a_file_it_cannot_inspect(cwd, capsys):
    (cwd / "Moltnet").symlink_to("Moltnet")
    code, out, err = run(capsys, "init")
    assert (code, out) == (1, "")
    assert err.endswith(' inspect "Moltnet": stat Moltnet: too many levels of symbolic links\n')
    assert not (cwd / "MoltnetNode").exists()


def test_validate_a_directory_reports_a_candidate_it_cannot_inspect(cwd, capsys):
    (cwd / "conf").mkdir()
    (cwd / "conf" / "Moltnet").symlink_to("Moltnet")
    (cwd / "conf" / "moltnet.yaml").write_text(DEFAULT_MOLTNET)
    code, _, err = run(capsys, "validate", "conf")
    assert code == 1
    assert err.endswith(' inspect "conf/Moltnet": stat conf/Moltnet: too many levels of symbolic links\n')


def test_validate_a_directory_prints_cleaned_paths(cwd, capsys):
    for name in ("conf", "other"):
        (cwd / name).mkdir()
    (cwd / "conf" / "Moltnet").write_text(DEFAULT_MOLTNET)
    assert run(capsys, "validate", "./other/../conf/") == (0, "validated conf/Moltnet\n", "")
