"""Claude Code: create a session with `--session-id`, continue it with `--resume` (docs/protocol/runtimes.md §9,
updated).

Today's Claude Code refuses a `--session-id` whose transcript already exists (`Error: Session ID <id> is
already in use.`); continuing a conversation is `claude --print --resume <id>`. The node creates each
conversation's session once (`--session-id <new uuid>`), continues it with `--resume`, and always asks for
`--output-format json`, whose `session_id` it stores when it differs (some releases continue a resumed
conversation under a new id). A stored session Claude Code no longer has (`No conversation found with session
ID`) is replaced by a new one. A JSON result with `is_error: true` is a failed wake.
"""

from __future__ import annotations

import json

from node import logs
from node.runtimes.cli import CliAdapter, Command, CommandError
from node.sessions import new_session_id


def result_of(stdout: str) -> dict:
    """The `--output-format json` result object (the last JSON object printed), or {}."""
    for line in reversed(stdout.strip().splitlines()):
        try:
            data = json.loads(line)
        except ValueError:
            continue
        if isinstance(data, dict):
            return data
    try:
        data = json.loads(stdout)
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def unknown_session(error: str) -> bool:
    text = error.lower()
    return "no conversation found" in text or "requires a valid session id" in text


class ClaudeCodeAdapter(CliAdapter):
    kind = "claude-code"

    def build(self, flag: str, session: str, prompt: str) -> Command:
        env = {"HOME": self.rt.home_path} if self.rt.home_path else {}
        return Command([self.rt.command, "--print", "--output-format", "json", flag, session, prompt], env=env)

    async def run_claude(self, flag: str, session: str, prompt: str, env: dict[str, str]) -> tuple[str, str]:
        """One run; returns (stdout, the session id Claude Code reports, or "")."""
        stdout = await self.execute(self.build(flag, session, prompt), env)
        result = result_of(stdout)
        if result.get("is_error") is True:
            detail = result.get("result") or "; ".join(str(e) for e in result.get("errors") or []) or "unknown error"
            raise CommandError(f"claude reported an error: {' '.join(str(detail).split())}")
        reported = result.get("session_id")
        return stdout, reported.strip() if isinstance(reported, str) else ""

    async def converse(self, key: str, prompt: str, env: dict[str, str]) -> str:
        stored = self.store.get(key)
        if stored:
            try:
                stdout, reported = await self.run_claude("--resume", stored, prompt, env)
            except CommandError as exc:
                if not unknown_session(str(exc)):
                    raise
                logs.warn("claude code does not know the stored session; starting a new one",
                          component=self.component, agent_id=self.cfg.agent_id, context_key=key, session_id=stored,
                          error=exc)
                self.store.delete(key)
            else:
                if reported and reported != stored:
                    self.store.put(key, reported)
                return stdout
        session = new_session_id()
        stdout, reported = await self.run_claude("--session-id", session, prompt, env)
        self.store.put(key, reported or session)
        return stdout
