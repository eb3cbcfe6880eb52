"""Fake `picoclaw agent --session <id> --message <prompt>`: logs argv/env and appends a `message` tool call
to the session JSONL under $HOME/workspace/sessions, as PicoClaw does when its agent uses the message tool."""

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
name = session.replace(":", "_").replace("/", "_").replace("\\", "_")
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
print("done")
