"""The token PicoClaw's `/pico/ws` accepts today: the configured channel token behind a per-run gateway token.

Since PicoClaw v0.2.5 (sipeed/picoclaw PR #2134, pkg/pid/pidfile.go and the gateway's overridePicoToken) the
gateway writes `<PICOCLAW_HOME>/.picoclaw.pid` (JSON: pid, token, version, port, host) with a random token on
every start, and the channel only accepts `pico-<pid file token><channels.pico.token>`, unless the configured
channel token already starts with `pico-` (then it is used as is). Go sends the configured token alone, which
today's gateway refuses with 401.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping

PREFIX = "pico-"
PID_FILE = ".picoclaw.pid"


def picoclaw_home(home_path: str, environ: Mapping[str, str]) -> str:
    """`runtime.home_path`, else `$PICOCLAW_HOME`, else `~/.picoclaw` (PicoClaw's own default)."""
    if home_path.strip():
        return home_path
    if (environ.get("PICOCLAW_HOME") or "").strip():
        return environ["PICOCLAW_HOME"]
    return os.path.join(environ.get("HOME") or os.path.expanduser("~"), ".picoclaw")


def gateway_run_token(home: str) -> str:
    """The running gateway's token from its PID file, or "" (no file: a PicoClaw before v0.2.5, or not running)."""
    try:
        with open(os.path.join(home, PID_FILE), encoding="utf-8") as handle:
            data = json.load(handle)
    except (OSError, ValueError):
        return ""
    token = data.get("token") if isinstance(data, dict) else None
    return token.strip() if isinstance(token, str) else ""


def channel_token(configured: str, home: str) -> str:
    """What to present: the configured token composed with the current gateway run's token when there is one."""
    if configured.startswith(PREFIX):
        return configured
    run = gateway_run_token(home)
    return f"{PREFIX}{run}{configured}" if run else configured
