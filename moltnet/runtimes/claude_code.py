"""Claude Code: a CLI run per wake in the workspace (docs/protocol/runtimes.md §9); adapter in
`node.runtimes.claude_code`."""

from __future__ import annotations

from moltnet.runtimes.spec import cli_runtime

SPEC = cli_runtime(
    name="claude-code",
    title="Claude Code",
    command="claude",
    adapter="node.runtimes.claude_code:ClaudeCodeAdapter",
    skill_paths=(".claude/skills/moltnet/SKILL.md",),
    rank=2,
    note="Claude Code runs in `workspace_path`; its stdout is not posted back, so reply with the skill "
         "(`moltnet send`).",
    mcp_config=".mcp.json",
)
