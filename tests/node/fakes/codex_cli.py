"""Fake `codex` speaking what today's Codex CLI does (0.1xx, `codex exec --json`):

- `codex exec --json … -` starts a thread, prints the JSONL event stream beginning with
  `{"type":"thread.started","thread_id":…}` and keeps the thread under `$CODEX_HOME/sessions`;
- `codex exec resume --json … <thread id> -` continues it (the stream's `thread.started` names the same id);
- an id Codex never gave is refused like the real CLI: `Error: thread/resume: thread/resume failed: no rollout
  found for thread id <id> (code -32600)` on stderr, exit status 1.

It records cwd/argv/env/stdin and the turns its thread had before this run. FAKE_CODEX_LEGACY=1 prints the
older stream (`session_configured` with `session_id`); FAKE_RUNTIME_FAIL_TIMES=N fails the first N runs.
"""

import json
import os
import subprocess
import sys
import time
import uuid

argv = sys.argv[1:]
prompt = sys.stdin.read()
home = os.environ.get("CODEX_HOME") or os.path.join(os.environ["HOME"], ".codex")
threads = os.path.join(home, "sessions")
os.makedirs(threads, exist_ok=True)
record = {"cwd": os.getcwd(), "argv": argv, "stdin": prompt, "start": time.time(),
          "env": {k: os.environ.get(k) for k in ("MOLTNET_CLIENT_CONFIG", "HOME", "CODEX_HOME")}}
if os.environ.get("FAKE_RUNTIME_PIDS"):
    with open(os.environ["FAKE_RUNTIME_PIDS"], "a") as pids:
        pids.write(f"{os.getpid()}\n")
time.sleep(float(os.environ.get("FAKE_RUNTIME_SLEEP") or 0))


def read(path: str) -> str:
    if not os.path.exists(path):
        return ""
    with open(path) as handle:
        return handle.read()


def finish(code: int, stderr: str = "") -> None:
    record["end"] = time.time()
    record["exit"] = code
    with open(os.environ["FAKE_RUNTIME_LOG"], "a") as log:
        log.write(json.dumps(record) + "\n")
    if stderr:
        sys.stderr.write(stderr + "\n")
    sys.exit(code)


if argv[:1] != ["exec"] or argv[-1] != "-" or "--json" not in argv:
    finish(2, "error: unexpected arguments")
fails = int(os.environ.get("FAKE_RUNTIME_FAIL_TIMES") or 0)
if fails:
    counter = os.environ["FAKE_RUNTIME_LOG"] + ".fails"
    done = int(read(counter) or 0)
    if done < fails:
        with open(counter, "w") as handle:
            handle.write(str(done + 1))
        print(json.dumps({"type": "error", "message": "stream disconnected before completion"}))
        finish(1, "ERROR: stream disconnected before completion")
resuming = argv[1:2] == ["resume"]
if resuming:
    thread = argv[-2]
    if not os.path.exists(os.path.join(threads, thread)):
        finish(1, f"Error: thread/resume: thread/resume failed: no rollout found for thread id {thread} "
                  "(code -32600)")
else:  # Codex thread ids are UUIDv7
    thread = str(uuid.UUID(int=(int(time.time() * 1000) << 80) | (7 << 76) | (uuid.uuid4().int & ((1 << 76) - 1))))
transcript = os.path.join(threads, thread)
turns = read(transcript).count("\x1e")
with open(transcript, "a") as handle:
    handle.write(prompt + "\x1e")
record.update(thread=thread, previous_turns=turns)
reply = "Checked the build."
if os.environ.get("FAKE_CODEX_LEGACY"):
    print(json.dumps({"id": "0", "msg": {"type": "session_configured", "session_id": thread, "model": "gpt-5-codex"}}))
    print(json.dumps({"id": "1", "msg": {"type": "task_complete", "last_agent_message": reply}}))
else:
    print(json.dumps({"type": "thread.started", "thread_id": thread}))
    print(json.dumps({"type": "turn.started"}))
    print(json.dumps({"type": "item.completed", "item": {"id": "item_0", "type": "agent_message", "text": reply}}))
    print(json.dumps({"type": "turn.completed",
                      "usage": {"input_tokens": 1200, "cached_input_tokens": 0, "output_tokens": 12}}))
with open(argv[argv.index("--output-last-message") + 1], "w") as handle:
    handle.write(reply + "\n")
send = os.environ.get("FAKE_RUNTIME_SEND")
if send:  # speak on Moltnet the way a real agent does: the real `moltnet send` with the env we were given
    target, text = send.split("|", 1)
    sent = subprocess.run([sys.executable, "-m", "moltnet.cli", "send", "--target", target, "--text", text],
                          capture_output=True, text=True)
    with open(os.environ["FAKE_RUNTIME_LOG"] + ".send", "a") as log:
        log.write(json.dumps({"rc": sent.returncode, "out": sent.stdout, "err": sent.stderr}) + "\n")
finish(0)
