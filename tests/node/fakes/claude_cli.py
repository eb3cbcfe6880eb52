"""Fake `claude`: `--print --session-id <id> <prompt>`; like the real CLI it refuses an id that already exists."""

import json
import os
import sys
import time

argv = sys.argv[1:]
with open(os.environ["FAKE_RUNTIME_LOG"], "a") as log:
    log.write(json.dumps({"cwd": os.getcwd(), "argv": argv, "time": time.time(),
                          "env": {k: os.environ.get(k) for k in ("MOLTNET_CLIENT_CONFIG", "HOME")}}) + "\n")
if len(argv) != 4 or argv[:2] != ["--print", "--session-id"]:
    sys.stderr.write("error: unexpected arguments\n")
    sys.exit(2)
session = argv[2]
sessions = os.path.join(os.environ["HOME"], ".claude", "sessions")
os.makedirs(sessions, exist_ok=True)
marker = os.path.join(sessions, session)
if os.path.exists(marker):
    sys.stderr.write(f"Error: Session ID {session} is already in use.\n")
    sys.exit(1)
open(marker, "w").close()
print("Looked at it.")
