"""Claude Code: `claude --print --session-id <S> <prompt>`, rotated once on "already in use" (spec 10 §9)."""

from __future__ import annotations

from node.runtimes.cli import CliAdapter, Command


class ClaudeCodeAdapter(CliAdapter):
    kind = "claude-code"
    wants_first_session_id = True

    def build(self, session: str | None, existing: bool, prompt: str) -> Command:
        env = {"HOME": self.rt.home_path} if self.rt.home_path else {}
        return Command([self.rt.command, "--print", "--session-id", session or "", prompt], env=env)
