"""Token sources: precedence without fall-through, private token files, generated-token write-back."""

from __future__ import annotations

import os
import stat

import pytest

from node.tokens import TokenError, prepare_first_claim, read_token_file, resolve_token, write_token_file


def private(path, text: str, mode: int = 0o600):
    path.write_text(text)
    os.chmod(path, mode)
    return str(path)


def test_inline_token_wins_and_is_trimmed(tmp_path):
    path = private(tmp_path / "t", "from-file\n")
    assert resolve_token("bearer", " inline ", "ENV", path, {"ENV": "from-env"}) == "inline"
    assert resolve_token("bearer", "", "ENV", path, {"ENV": " from-env "}) == "from-env"
    assert resolve_token("bearer", "", "", path, {}) == "from-file"
    assert resolve_token("none", "inline", "", "", {}) is None


def test_configured_but_unusable_source_never_falls_through(tmp_path):
    path = private(tmp_path / "t", "from-file")
    with pytest.raises(TokenError, match="^bridge config moltnet.token is empty$"):
        resolve_token("bearer", "  ", "ENV", path, {"ENV": "x"})
    with pytest.raises(TokenError) as info:
        resolve_token("bearer", "", "ENV", path, {})
    assert str(info.value) == 'environment variable "ENV" is required for Moltnet bearer auth'
    with pytest.raises(TokenError, match="required for open auth"):
        resolve_token("open", "", "", "", {})


def test_missing_token_file_means_first_claim_only_in_open_mode(tmp_path):
    missing = str(tmp_path / "scout.token")
    assert resolve_token("open", "", "", missing, {}) is None
    with pytest.raises(TokenError) as info:
        resolve_token("bearer", "", "", missing, {})
    assert str(info.value).startswith(f'stat moltnet token_path "{missing}": ')


def test_token_file_must_be_private_regular_and_non_empty(tmp_path):
    loose = private(tmp_path / "loose", "x", 0o644)
    with pytest.raises(TokenError, match="must not be group/world readable"):
        read_token_file(loose)
    target = private(tmp_path / "real", "x")
    (tmp_path / "link").symlink_to(target)
    with pytest.raises(TokenError, match="must not be a symlink"):
        read_token_file(str(tmp_path / "link"))
    (tmp_path / "dir").mkdir(mode=0o700)
    with pytest.raises(TokenError, match="must be a file"):
        read_token_file(str(tmp_path / "dir"))
    with pytest.raises(TokenError, match="is empty"):
        read_token_file(private(tmp_path / "empty", "  \n"))


def test_write_back_is_atomic_private_with_one_newline(tmp_path):
    path = tmp_path / "a" / "b" / "scout.token"
    write_token_file(str(path), "magt_v1_abc")
    assert path.read_text() == "magt_v1_abc\n"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert os.listdir(path.parent) == ["scout.token"]
    assert read_token_file(str(path)) == "magt_v1_abc"


def test_pre_claim_preparation_creates_the_directory_but_not_the_file(tmp_path):
    path = tmp_path / "state" / "scout.token"
    prepare_first_claim(str(path))
    assert path.parent.is_dir() and os.listdir(path.parent) == []
    readonly = tmp_path / "ro"
    readonly.mkdir(mode=0o500)
    if os.geteuid() != 0:
        with pytest.raises(TokenError, match="is not writable"):
            prepare_first_claim(str(readonly / "x.token"))
