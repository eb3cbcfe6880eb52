"""Codex: `codex exec` per wake in the workspace (docs/protocol/runtimes.md §8); adapter in `node.runtimes.codex`."""

from __future__ import annotations

from moltnet.runtimes.spec import cli_runtime

SPEC = cli_runtime(
    name="codex",
    title="Codex",
    command="codex",
    adapter="node.runtimes.codex:CodexAdapter",
    skill_paths=(".agents/skills/moltnet/SKILL.md", ".codex/skills/moltnet/SKILL.md"),
    rank=1,
    note="Codex runs the CLI in `workspace_path`; its stdout is not posted back, so reply with the skill "
         "(`moltnet send`).",
    mcp_config=".codex/config.toml",
)
