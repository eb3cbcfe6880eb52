"""Fake `claude` speaking what today's Claude Code does (2.1.x, `claude --print`):

- `--session-id <uuid>` creates a conversation; if its transcript already exists: `Error: Session ID <id> is
  already in use.` (exit 1);
- `--resume <id>` continues one; with `--print` the id must be a UUID (`Error: --resume requires a valid session
  ID …`), an unknown id answers `No conversation found with session ID: <id>` (in the JSON result with
  `--output-format json`), exit 1;
- `--session-id` together with `--resume` is refused unless `--fork-session` is given;
- `--output-format json` prints one result object carrying `session_id`.

Transcripts live under `$HOME/.claude/projects/<cwd with / as ->/<id>.jsonl`. FAKE_CLAUDE_RESUME_NEW_ID=1
continues a resumed conversation under a new id (as some releases do) and reports it.
"""

import json
import os
import re
import shutil
import subprocess
import sys
import time
import uuid

argv = sys.argv[1:]
options, positional, i = {}, [], 0
while i < len(argv):
    arg = argv[i]
    if arg in ("--print", "-p", "--fork-session"):
        options[arg.lstrip("-")] = True
    elif arg in ("--output-format", "--session-id", "--resume", "-r"):
        options["resume" if arg == "-r" else arg.lstrip("-")] = argv[i + 1]
        i += 1
    else:
        positional.append(arg)
    i += 1
record = {"cwd": os.getcwd(), "argv": argv, "time": time.time(),
          "env": {k: os.environ.get(k) for k in ("MOLTNET_CLIENT_CONFIG", "HOME")}}
as_json = options.get("output-format") == "json"


def finish(code: int, stdout: dict | str | None = None, stderr: str = "") -> None:
    record["exit"] = code
    with open(os.environ["FAKE_RUNTIME_LOG"], "a") as log:
        log.write(json.dumps(record) + "\n")
    if stdout is not None:
        print(json.dumps(stdout) if isinstance(stdout, dict) else stdout)
    if stderr:
        sys.stderr.write(stderr + "\n")
    sys.exit(code)


def result(session: str, text: str, error: str = "") -> dict:
    body = {"type": "result", "subtype": "error_during_execution" if error else "success", "is_error": bool(error),
            "duration_ms": 812, "num_turns": 1, "session_id": session, "total_cost_usd": 0.0123,
            "usage": {"input_tokens": 900, "output_tokens": 14}}
    return {**body, "errors": [error]} if error else {**body, "result": text}


if not options.get("print") or len(positional) != 1:
    finish(1, stderr="Error: Input must be provided either through stdin or as a prompt argument when using --print")
prompt = positional[0]
projects = os.path.join(os.environ["HOME"], ".claude", "projects", re.sub(r"[^A-Za-z0-9]", "-", os.getcwd()))
os.makedirs(projects, exist_ok=True)
if options.get("session-id") and options.get("resume") and not options.get("fork-session"):
    finish(1, stderr="Error: --session-id can only be used with --continue or --resume if --fork-session is also "
                     "specified.")
if options.get("resume"):
    session = options["resume"]
    try:
        uuid.UUID(session)
    except ValueError:
        finish(1, stderr=f"Error: --resume requires a valid session ID or session title when used with --print. "
                         f'Usage: claude -p --resume <session-id|title>. Provided value "{session}" is not a UUID')
    if not os.path.exists(os.path.join(projects, session + ".jsonl")):
        missing = f"No conversation found with session ID: {session}"
        finish(1, result(session, "", missing)) if as_json else finish(1, stderr=missing)
    if os.environ.get("FAKE_CLAUDE_RESUME_NEW_ID"):
        continued = str(uuid.uuid4())
        shutil.copy(os.path.join(projects, session + ".jsonl"), os.path.join(projects, continued + ".jsonl"))
        session = continued
elif options.get("session-id"):
    session = options["session-id"]
    if os.path.exists(os.path.join(projects, session + ".jsonl")):
        finish(1, stderr=f"Error: Session ID {session} is already in use.")
else:
    session = str(uuid.uuid4())
transcript = os.path.join(projects, session + ".jsonl")
turns = 0
if os.path.exists(transcript):
    with open(transcript) as handle:
        turns = sum(1 for _ in handle)
with open(transcript, "a") as handle:
    handle.write(json.dumps({"type": "user", "message": prompt}) + "\n")
record.update(session=session, previous_turns=turns, prompt=prompt)
send = os.environ.get("FAKE_RUNTIME_SEND_CLAUDE") or os.environ.get("FAKE_RUNTIME_SEND")
if send:
    target, text = send.split("|", 1)
    sent = subprocess.run([sys.executable, "-m", "moltnet.cli", "send", "--target", target, "--text", text],
                          capture_output=True, text=True)
    with open(os.environ["FAKE_RUNTIME_LOG"] + ".send", "a") as log:
        log.write(json.dumps({"rc": sent.returncode, "out": sent.stdout, "err": sent.stderr}) + "\n")
finish(0, result(session, "Looked at it.") if as_json else "Looked at it.")
