"""Config files holding plaintext secrets must be private (docs/protocol/config.md §5, docs/protocol/auth.md §14)."""

from __future__ import annotations

import os

import pytest

from moltnet.config import ConfigError, load_file

WITH_TOKEN = """version: moltnet.v1
auth:
  mode: bearer
  tokens:
    - id: admin
      value: admin-secret
      scopes: [admin]
"""


def write(path, text: str, mode: int):
    path.write_text(text)
    os.chmod(path, mode)
    return path


def test_private_file_with_tokens_loads(tmp_path):
    cfg = load_file(write(tmp_path / "Moltnet", WITH_TOKEN, 0o600))
    assert cfg.auth_mode == "bearer"


@pytest.mark.parametrize("mode", [0o640, 0o604, 0o644])
def test_group_or_world_readable_file_with_tokens_is_refused(tmp_path, mode):
    path = write(tmp_path / "Moltnet", WITH_TOKEN, mode)
    with pytest.raises(ConfigError) as info:
        load_file(path)
    assert str(info.value) == f'moltnet config "{path}" must not be group/world readable when tokens are present'


def test_symlinked_file_with_tokens_is_refused(tmp_path):
    target = write(tmp_path / "real", WITH_TOKEN, 0o600)
    link = tmp_path / "Moltnet"
    link.symlink_to(target)
    with pytest.raises(ConfigError) as info:
        load_file(link)
    assert str(info.value) == f'moltnet config "{link}" must not be a symlink when secrets are present'


def test_files_without_secrets_may_be_readable(tmp_path):
    cfg = load_file(write(tmp_path / "Moltnet", "version: moltnet.v1\nauth:\n  mode: open\n", 0o644))
    assert cfg.auth_mode == "open" and cfg.public_read and cfg.agent_registration == "open"


def test_pairing_tokens_count_as_secrets(tmp_path):
    text = ("version: moltnet.v1\npairings:\n  - id: p\n    remote_base_url: http://127.0.0.1:1\n"
            "    token: pair-secret\n")
    with pytest.raises(ConfigError):
        load_file(write(tmp_path / "Moltnet", text, 0o644))
