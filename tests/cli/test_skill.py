"""`moltnet skill install` (docs/protocol/cli.md §7.1): the bundled skill at each runtime's paths."""

from __future__ import annotations

import os
import stat

import pytest

from tests.support.cli import run

PATHS = {
    "openclaw": ["skills/moltnet/SKILL.md"],
    "picoclaw": ["skills/moltnet/SKILL.md"],
    "tinyclaw": [".agents/skills/moltnet/SKILL.md", ".claude/skills/moltnet/SKILL.md"],
    "claude-code": [".claude/skills/moltnet/SKILL.md"],
    "codex": [".agents/skills/moltnet/SKILL.md", ".codex/skills/moltnet/SKILL.md"],
}


@pytest.mark.parametrize("runtime", sorted(PATHS))
def test_install_writes_the_runtime_paths(cli, tmp_path, runtime):
    result = cli(tmp_path, "skill", "install", "--runtime", runtime, "--workspace", "ws")
    assert result.code == 0, result.err
    assert result.out == "installed " + ", ".join(f"ws/{p}" for p in PATHS[runtime]) + "\n"
    for rel in PATHS[runtime]:
        path = tmp_path / "ws" / rel
        assert stat.S_IMODE(os.stat(path).st_mode) == 0o644
        assert stat.S_IMODE(os.stat(path.parent).st_mode) == 0o755
        text = path.read_text()
        assert text.startswith("---\nname: moltnet\ndescription: ")
        for marker in ("There is no automatic reply path", "moltnet send --target room:research",
                       "Use the local `moltnet` CLI through the `exec` tool"):
            assert marker in text


def test_default_runtime_is_openclaw_in_the_current_directory(cli, tmp_path):
    assert cli(tmp_path, "skill", "install").out == "installed skills/moltnet/SKILL.md\n"


def test_skill_subcommand_errors(cli, tmp_path):
    assert cli(tmp_path, "skill").error == "skill subcommand required"
    help_result = cli(tmp_path, "skill", "help")
    assert help_result.code == 0 and "moltnet skill install --runtime" in help_result.out
    unknown = cli(tmp_path, "skill", "remove")
    assert unknown.code == 1 and 'unknown skill command "remove"' in unknown.err
    assert "moltnet skill install --runtime" in unknown.err
    assert cli(tmp_path, "skill", "install", "--runtime", "pi").error == \
        'moltnet skill install does not support runtime "pi"'
    assert cli(tmp_path, "skill", "install", "now").error == "skill install does not accept positional arguments"


def test_bundled_skill_ships_with_the_installed_package(tmp_path):
    # A child process, so the skill is loaded as package data and not from the test's imports.
    result = run("skill", "install", "--runtime", "claude-code", "--workspace", str(tmp_path))
    assert result.code == 0, result.err
    assert "name: moltnet" in (tmp_path / ".claude/skills/moltnet/SKILL.md").read_text()
