"""Fake `picoclaw agent --session <id> --message <prompt>`: logs argv/env and appends a `message` tool call
to the session JSONL under $HOME/workspace/sessions, as PicoClaw does when its agent uses the message tool.

Sources (read December 2026): sipeed/picoclaw cmd/picoclaw/internal/agent/command.go (`agent` takes
`-m/--message` and `-s/--session`, no positional arguments), pkg/memory/jsonl.go (each session is
`<sessions dir>/<key with ':' replaced by '_'>.jsonl`, one provider message per line, appended, plus a
`<key>.meta.json` sidecar; SetHistory/Compact rewrite the whole file atomically, temp file + rename), the default
workspace `$PICOCLAW_HOME/workspace` (`~/.picoclaw/workspace`). FAKE_PICO_COMPACT=1 compacts the log that way
after the run, as PicoClaw does when a long history is cut down.
"""

import json
import os
import sys

argv = sys.argv[1:]
with open(os.environ["FAKE_RUNTIME_LOG"], "a") as log:
    log.write(json.dumps({"cwd": os.getcwd(), "argv": argv, "env": {
        k: os.environ.get(k) for k in ("PICOCLAW_CONFIG", "HOME", "PICOCLAW_HOME", "CODEX_HOME")}}) + "\n")
if argv[:1] != ["agent"] or argv[1] != "--session" or argv[3] != "--message":
    sys.stderr.write("unknown command\n")
    sys.exit(2)
session = argv[2]
name = session.replace(":", "_")
directory = os.path.join(os.environ["HOME"], "workspace", "sessions")
os.makedirs(directory, exist_ok=True)
reply = os.environ.get("FAKE_PICO_REPLY", "on it")
chat = os.environ.get("FAKE_PICO_CHAT", "")
with open(os.path.join(directory, name + ".jsonl"), "a") as log:
    log.write(json.dumps({"role": "user", "content": argv[4]}) + "\n")
    arguments = json.dumps({"channel": "moltnet", "chat_id": chat, "content": reply})
    log.write(json.dumps({"role": "assistant", "content": "", "tool_calls": [
        {"id": "call_1", "type": "function", "function": {"name": "message", "arguments": arguments}},
        {"id": "call_2", "type": "function", "function": {"name": "exec", "arguments": "{}"}}]}) + "\n")
if os.environ.get("FAKE_PICO_COMPACT"):
    path = os.path.join(directory, name + ".jsonl")
    with open(path) as current:
        kept = current.readlines()[-2:]
    with open(path + ".tmp", "w") as rewritten:
        rewritten.writelines(kept)
    os.replace(path + ".tmp", path)
with open(os.path.join(directory, name + ".meta.json"), "w") as meta:
    json.dump({"key": session, "summary": "", "skip": 0}, meta)
print("done")
