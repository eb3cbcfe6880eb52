"""Codex: `codex exec --json` in the workspace, then `codex exec resume <thread id>` (docs/protocol/runtimes.md §8).

Today's Codex (`codex exec --json`) prints a JSONL stream that starts with
`{"type":"thread.started","thread_id":"…"}`; that id is what `codex exec resume` accepts. Older builds printed
`session_id`/`conversation_id` keys, still read as a fallback. The node only ever resumes an id Codex gave it:
when a run names no thread, nothing is stored and the next wake starts a new thread; when Codex no longer knows
a stored thread (`no rollout found for thread id …`, `thread not loaded`, an archived thread), the wake runs in
a new thread and that one is recorded.
"""

from __future__ import annotations

import json
import os

from node import logs
from node.runtimes.cli import CliAdapter, Command, CommandError

SESSION_KEYS = ("session_id", "sessionId", "conversation_id", "conversationId")
THREAD_EVENTS = ("thread.started", "thread.resumed")


def find_session(value: object) -> str:
    """Older Codex streams (docs/protocol/runtimes.md §8.3): id keys at this level, else a `*session*`-typed object's
    id,
    else depth-first."""
    if isinstance(value, dict):
        for key in SESSION_KEYS:
            found = value.get(key)
            if isinstance(found, str) and found.strip():
                return found.strip()
        kind, ident = value.get("type"), value.get("id")
        if isinstance(kind, str) and "session" in kind.lower() and isinstance(ident, str) and ident.strip():
            return ident.strip()
        children = value.values()
    elif isinstance(value, list):
        children = value
    else:
        return ""
    for child in children:
        if isinstance(child, (dict, list)):
            found = find_session(child)
            if found:
                return found
    return ""


def _events(stdout: str) -> list[dict]:
    events = []
    for line in stdout.splitlines():
        line = line.strip()
        if not line.startswith("{"):
            continue
        try:
            data = json.loads(line)
        except ValueError:
            continue
        if isinstance(data, dict):
            events.append(data)
    return events


def extract_session_id(stdout: str) -> str:
    """The thread id of `thread.started` (today's Codex), else the older session keys; "" when none."""
    events = _events(stdout)
    for event in events:
        thread = event.get("thread_id")
        if event.get("type") in THREAD_EVENTS and isinstance(thread, str) and thread.strip():
            return thread.strip()
    for event in events:
        found = find_session(event)
        if found:
            return found
    return ""


def unknown_thread(error: str) -> bool:
    """Codex refused to resume because it does not know (or no longer serves) that thread."""
    text = error.lower()
    return any(word in text for word in ("thread", "rollout", "session")) and any(
        sign in text for sign in ("not found", "no rollout", "not loaded", "archived"))


class CodexAdapter(CliAdapter):
    kind = "codex"

    def build(self, session: str | None, prompt: str) -> Command:
        last = os.path.join(self.workspace, ".moltnet", "codex-last-message.txt")
        argv = [self.rt.command, "exec"]
        if session:
            argv += ["resume", "--json", "--skip-git-repo-check", "--output-last-message", last, session, "-"]
        else:
            argv += ["--json", "--skip-git-repo-check", "--output-last-message", last, "-"]
        env = {}
        if self.rt.home_path:
            env = {"HOME": self.rt.home_path, "CODEX_HOME": os.path.join(self.rt.home_path, ".codex")}
        return Command(argv, stdin=prompt, env=env)

    async def converse(self, key: str, prompt: str, env: dict[str, str]) -> str:
        stored = self.store.get(key)
        if stored:
            try:
                stdout = await self.execute(self.build(stored, prompt), env)
            except CommandError as exc:
                if not unknown_thread(str(exc)):
                    raise
                logs.warn("codex does not know the stored thread; starting a new one", component=self.component,
                          agent_id=self.cfg.agent_id, context_key=key, thread_id=stored, error=exc)
                self.store.delete(key)
            else:
                thread = extract_session_id(stdout)
                if thread and thread != stored:
                    self.store.put(key, thread)
                return stdout
        stdout = await self.execute(self.build(None, prompt), env)
        thread = extract_session_id(stdout)
        if thread:
            self.store.put(key, thread)
        else:
            logs.warn("codex printed no thread id; the next wake starts a new thread", component=self.component,
                      agent_id=self.cfg.agent_id, context_key=key)
        return stdout
