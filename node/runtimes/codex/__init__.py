"""Codex: `codex exec` in the workspace, then `codex exec resume <session>` (spec 10 §8)."""

from __future__ import annotations

import json
import os

from node.runtimes.cli import CliAdapter, Command

SESSION_KEYS = ("session_id", "sessionId", "conversation_id", "conversationId")


def find_session(value: object) -> str:
    """Spec 10 §8.3: id keys at this level, else a `*session*`-typed object's id, else depth-first."""
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


def extract_session_id(stdout: str) -> str:
    for line in stdout.splitlines():
        line = line.strip()
        if not line.startswith("{"):
            continue
        try:
            data = json.loads(line)
        except ValueError:
            continue
        if isinstance(data, dict):
            found = find_session(data)
            if found:
                return found
    return ""


class CodexAdapter(CliAdapter):
    kind = "codex"

    def build(self, session: str | None, existing: bool, prompt: str) -> Command:
        last = os.path.join(self.workspace, ".moltnet", "codex-last-message.txt")
        argv = [self.rt.command, "exec"]
        if existing and session:
            argv += ["resume", "--json", "--skip-git-repo-check", "--output-last-message", last, session, "-"]
        else:
            argv += ["--json", "--skip-git-repo-check", "--output-last-message", last, "-"]
        env = {}
        if self.rt.home_path:
            env = {"HOME": self.rt.home_path, "CODEX_HOME": os.path.join(self.rt.home_path, ".codex")}
        return Command(argv, stdin=prompt, env=env)

    def extract_session(self, stdout: str) -> str:
        return extract_session_id(stdout)
