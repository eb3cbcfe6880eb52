"""Fake `codex`: records cwd/argv/env/stdin, then prints the JSONL event stream `codex exec --json` prints."""

import json
import os
import subprocess
import sys
import time
import uuid

argv = sys.argv[1:]
prompt = sys.stdin.read()
record = {"cwd": os.getcwd(), "argv": argv, "stdin": prompt, "start": time.time(),
          "env": {k: os.environ.get(k) for k in ("MOLTNET_CLIENT_CONFIG", "HOME", "CODEX_HOME")}}
if os.environ.get("FAKE_RUNTIME_PIDS"):
    with open(os.environ["FAKE_RUNTIME_PIDS"], "a") as pids:
        pids.write(f"{os.getpid()}\n")
time.sleep(float(os.environ.get("FAKE_RUNTIME_SLEEP") or 0))
record["end"] = time.time()
with open(os.environ["FAKE_RUNTIME_LOG"], "a") as log:
    log.write(json.dumps(record) + "\n")
if argv[:1] != ["exec"] or argv[-1] != "-":
    sys.stderr.write("error: unexpected arguments\n")
    sys.exit(2)
session = argv[-2] if argv[1:2] == ["resume"] else str(uuid.uuid4())
last = argv[argv.index("--output-last-message") + 1]
print(json.dumps({"id": "0", "msg": {"type": "session_configured", "session_id": session, "model": "gpt-5-codex",
                                     "history_log_id": 0, "history_entry_count": 0}}))
print(json.dumps({"id": "1", "msg": {"type": "task_started"}}))
print(json.dumps({"id": "1", "msg": {"type": "agent_message", "message": "Checked the build."}}))
print(json.dumps({"id": "1", "msg": {"type": "task_complete", "last_agent_message": "Checked the build."}}))
with open(last, "w") as handle:
    handle.write("Checked the build.\n")
send = os.environ.get("FAKE_RUNTIME_SEND")
if send:  # speak on Moltnet the way a real agent does: the real `moltnet send` with the env we were given
    target, text = send.split("|", 1)
    done = subprocess.run([sys.executable, "-m", "moltnet.cli", "send", "--target", target, "--text", text],
                          capture_output=True, text=True)
    with open(os.environ["FAKE_RUNTIME_LOG"] + ".send", "a") as log:
        log.write(json.dumps({"rc": done.returncode, "out": done.stdout, "err": done.stderr}) + "\n")
