"""PicoClaw: the event WebSocket (default) or `picoclaw agent` command mode (docs/protocol/runtimes.md §3);
`build_adapter` picks the seam
(a `control_url` alone runs the shared control seam)."""

from __future__ import annotations

import asyncio
import json
import os
from collections.abc import Mapping
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from websockets.asyncio.client import connect
from websockets.exceptions import InvalidStatus

from node import logs
from node.client import AttachmentClient
from node.config import BridgeConfig
from node.publish import publish
from node.render import compact_bootstrap, compact_message, context_id, picoclaw_session_id
from node.runtimes.base import Adapter
from node.runtimes.cli import Command, CommandError, run_command
from node.runtimes.control import ControlAdapter
from node.runtimes.picoclaw.token import channel_token, picoclaw_home

DEFAULT_TOKEN = "spawnfile-internal-pico"
GRACE = 1.0
COMMAND_TIMEOUT = 120.0


def events_url(base: str, session_id: str, token: str) -> str:
    """Set `session_id` and `token`, keep every other parameter (repeats too), keys sorted like Go's Encode."""
    parts = urlsplit(base)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k not in ("session_id", "token")]
    query += [("session_id", session_id), ("token", token)]
    return urlunsplit(parts._replace(query=urlencode(sorted(query, key=lambda pair: pair[0]))))


def hide_token(url: str) -> str:
    """The URL as shown in errors: the token query value is a secret (Go prints it; we do not)."""
    parts = urlsplit(url)
    query = [(k, "***" if k == "token" else v) for k, v in parse_qsl(parts.query, keep_blank_values=True)]
    return urlunsplit(parts._replace(query=urlencode(query, safe="*")))


class PicoClawEventsAdapter(Adapter):
    kind = "picoclaw"
    stream_warning = "picoclaw bridge inbound stream error"
    bootstrap_warning = "picoclaw bridge bootstrap error"
    bootstrap = "before"

    async def send(self, session_id: str, content: str) -> None:
        env = os.environ if self.environ is None else self.environ
        # Read on every connection: the gateway's part of the token changes each time PicoClaw restarts.
        token = channel_token(self.rt.token.strip() or DEFAULT_TOKEN, picoclaw_home(self.rt.home_path, env))
        url = events_url(self.rt.events_url, session_id, token)
        try:
            ws = await connect(url, additional_headers={"Authorization": f"Bearer {token}"},
                               subprotocols=[f"token.{token}"], open_timeout=10, ping_interval=None,
                               compression=None)
        except InvalidStatus as exc:
            status = f"{exc.response.status_code} {exc.response.reason_phrase}"
            raise RuntimeError(f"connect pico websocket {hide_token(url)}: {exc} (status {status})") from None
        except Exception as exc:  # noqa: BLE001
            raise RuntimeError(f"connect pico websocket {hide_token(url)}: {exc}") from None
        async with ws:
            frame = {"type": "message.send", "session_id": session_id, "payload": {"content": content}}
            await asyncio.wait_for(ws.send(json.dumps(frame)), 10)
            await asyncio.sleep(GRACE)  # PicoClaw reads the frame asynchronously; nothing is read back

    async def deliver(self, message: dict) -> None:
        target = message.get("target") or {}
        session = picoclaw_session_id(self.cfg.agent_id, context_id(self.net, target, message.get("id") or ""))
        await self.send(session, compact_message(self.net, message))

    async def bootstrap_room(self, room_id: str) -> None:
        session = picoclaw_session_id(self.cfg.agent_id, f"moltnet:{self.net}:room:{room_id}")
        await self.send(session, compact_bootstrap(self.net, room_id))


def session_log(home: str, session_id: str) -> str:
    name = session_id.replace(":", "_").replace("/", "_").replace("\\", "_")
    return os.path.join(home, "workspace", "sessions", f"{name}.jsonl")


def tool_call_messages(lines: list[str], network_id: str, trigger: dict) -> list[tuple[dict, str]]:
    """`message` tool calls in new session-log lines → (target, content) pairs (docs/protocol/runtimes.md §3.3 step
    5)."""
    found = []
    for line in lines:
        if not line.strip():
            continue
        try:
            entry = json.loads(line)
        except ValueError as exc:
            raise RuntimeError(f"decode picoclaw session JSONL line: {exc}") from None
        for call in (entry.get("tool_calls") if isinstance(entry, dict) else None) or []:
            function = call.get("function") if isinstance(call, dict) else None
            if not isinstance(function, dict) or function.get("name") != "message":
                continue
            args = function.get("arguments")
            if isinstance(args, str):
                try:
                    args = json.loads(args)
                except ValueError:
                    continue
            if not isinstance(args, dict):
                continue
            channel, content = str(args.get("channel") or "").strip(), str(args.get("content") or "")
            if (channel and channel != "moltnet") or not content.strip():
                continue
            chat = str(args.get("chat_id") or "").strip()
            if not chat:
                found.append((trigger, content))
                continue
            chat = chat.removeprefix(f"{network_id}:")
            if chat.startswith("room:"):
                if chat[5:].strip():
                    found.append(({"kind": "room", "room_id": chat[5:]}, content))
            elif chat.startswith("dm:") and trigger.get("kind") == "dm" and trigger.get("dm_id") == chat[3:]:
                found.append((trigger, content))
    return found


class PicoClawCommandAdapter(Adapter):
    kind = "picoclaw"
    stream_warning = "picoclaw bridge inbound stream error"

    async def deliver(self, message: dict) -> None:
        target = message.get("target") or {}
        session = picoclaw_session_id(self.cfg.agent_id, context_id(self.net, target, message.get("id") or ""))
        home = self.rt.home_path
        log_path = session_log(home, session) if home else ""
        before = os.stat(log_path) if log_path and os.path.exists(log_path) else None
        offset = before.st_size if before else 0
        env = {"PICOCLAW_CONFIG": self.rt.config_path}
        if home:
            env.update(HOME=home, PICOCLAW_HOME=home, CODEX_HOME=os.path.join(home, ".codex"))
        command = Command([self.rt.command, "agent", "--session", session, "--message",
                           compact_message(self.net, message)], env=env)
        try:
            stdout = await run_command(command, os.getcwd(), dict(os.environ if self.environ is None else
                                                                  self.environ), COMMAND_TIMEOUT)
        except CommandError as exc:
            raise RuntimeError(str(exc).replace("run runtime command:", "run picoclaw command:", 1)) from None
        logs.debug("picoclaw command completed", component=self.component, agent_id=self.cfg.agent_id,
                   output=stdout.strip())
        if not log_path or not os.path.exists(log_path):
            return
        with open(log_path, "rb") as handle:
            after = os.fstat(handle.fileno())
            if before and (after.st_ino != before.st_ino or after.st_size < offset):
                # PicoClaw rewrote the log (history compaction replaces the file): the new lines cannot be told
                # apart, so this run's tool calls are not published rather than misread or published twice.
                logs.warn("picoclaw session log was rewritten during the run; its message tool calls are not "
                          "published", component=self.component, agent_id=self.cfg.agent_id, session=session)
                return
            handle.seek(offset)
            lines = handle.read().decode(errors="replace").splitlines()
        for reply_target, content in tool_call_messages(lines, self.net, target):
            await publish(self.cfg, self.client.token, reply_target, content)


def build_adapter(cfg: BridgeConfig, client: AttachmentClient, environ: Mapping[str, str] | None = None) -> Adapter:
    """Seam precedence (docs/protocol/runtimes.md §1.4): `command`, then `events_url`, then `control_url`."""
    if cfg.runtime.command:
        return PicoClawCommandAdapter(cfg, client, environ)
    if cfg.runtime.events_url:
        return PicoClawEventsAdapter(cfg, client, environ)
    return ControlAdapter(cfg, client, environ, kind="picoclaw")
