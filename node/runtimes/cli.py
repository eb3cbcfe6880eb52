"""CLI-backed runtimes (codex, claude-code): per-conversation queues, batches, session store, runs
(docs/protocol/runtimes.md §7)."""

from __future__ import annotations

import asyncio
import errno
import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from moltnet.gocompat import quote
from moltnet.gocompat.errors import os_cause
from node import logs
from node.client import backoff
from node.render import cli_session_key, compact_bootstrap, context_id, queued_batch
from node.runtimes.base import Adapter
from node.sessions import SessionStore
from node.state import now
from node.workspace import client_config_path, ensure_client_config, ensure_workspace

QUEUE_LIMIT = 256
RUN_TIMEOUT = 300.0
BUSY_DELAYS = (0.01, 0.02, 0.03, 0.04, 0.05)
WAKE_ATTEMPTS = 3  # a failed wake is run again twice (0.5 s, then 1 s back-off) before it is given up


class CommandError(RuntimeError):
    """A failed runtime command; the text includes the child's stderr (used for session-in-use rotation)."""


@dataclass
class Command:
    argv: list[str]
    stdin: str | None = None
    env: dict[str, str] = field(default_factory=dict)


# Go's names for signals that end a child (syscall.Signal.String on Linux), used in `signal: <name>`.
SIGNAL_NAMES = {1: "hangup", 2: "interrupt", 3: "quit", 4: "illegal instruction", 5: "trace/breakpoint trap",
                6: "aborted", 7: "bus error", 8: "floating point exception", 9: "killed", 10: "user defined signal 1",
                11: "segmentation fault", 12: "user defined signal 2", 13: "broken pipe", 14: "alarm clock",
                15: "terminated", 16: "stack fault", 24: "CPU time limit exceeded", 25: "file size limit exceeded",
                26: "virtual timer expired", 27: "profiling timer expired", 29: "I/O possible", 30: "power failure",
                31: "bad system call"}


def exit_cause(returncode: int) -> str:
    """Go's `*exec.ExitError` text: `exit status N` or `signal: <name>`."""
    if returncode >= 0:
        return f"exit status {returncode}"
    return f"signal: {SIGNAL_NAMES.get(-returncode, f'signal {-returncode}')}"


def start_cause(command: str, argv0: str, exc: OSError, path: str | None) -> str:
    """Go's error for a command that cannot start: a failed PATH lookup, else `fork/exec <path>: <errno text>`."""
    reason = os_cause(exc)
    if os.sep not in command:
        if shutil.which(command, path=path) is None:
            return f"exec: {quote(command)}: executable file not found in $PATH"
        argv0 = shutil.which(command, path=path) or argv0
    return f"fork/exec {argv0}: {reason}"


def resolve_executable(command: str) -> str:
    """Relative paths with a separator are made absolute against the node's working directory."""
    if os.sep in command and not os.path.isabs(command):
        return os.path.abspath(command)
    return command


async def run_command(cmd: Command, cwd: str, base_env: dict[str, str], timeout: float = RUN_TIMEOUT) -> str:
    """Run one command; killed on timeout or cancellation. Returns stdout; raises CommandError."""
    command = cmd.argv[0].strip() if cmd.argv else ""
    if not command:
        raise CommandError("runtime command is required")
    env = {**base_env, **cmd.env}
    argv = [resolve_executable(command), *cmd.argv[1:]]
    for attempt in range(len(BUSY_DELAYS) + 1):
        try:
            process = await asyncio.create_subprocess_exec(
                *argv, cwd=cwd, env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
                stdin=asyncio.subprocess.PIPE if cmd.stdin is not None else asyncio.subprocess.DEVNULL)
            break
        except OSError as exc:
            if exc.errno == errno.ETXTBSY and attempt < len(BUSY_DELAYS):
                await asyncio.sleep(BUSY_DELAYS[attempt])
                continue
            raise CommandError(f"run runtime command: {start_cause(command, argv[0], exc, env.get('PATH'))}") from None
    try:
        stdout, stderr = await asyncio.wait_for(
            process.communicate(cmd.stdin.encode() if cmd.stdin is not None else None), timeout)
    except (TimeoutError, asyncio.CancelledError) as exc:
        if process.returncode is None:
            process.kill()
            await process.wait()
        if isinstance(exc, asyncio.CancelledError):
            raise
        raise CommandError("run runtime command: signal: killed") from None
    out, err = stdout.decode(errors="replace"), stderr.decode(errors="replace")
    if process.returncode != 0:
        detail = err.strip() or out.strip()
        raise CommandError(f"run runtime command: {exit_cause(process.returncode)}" + (f": {detail}" if detail else ""))
    return out


class CliAdapter(Adapter):
    """Queues wakes per conversation: one command at a time, later wakes folded into one ordered batch."""

    stream_warning = "CLI bridge inbound stream error"
    bootstrap = "after_ready"
    reset_on_bootstrap = True
    wake_attempts = WAKE_ATTEMPTS

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.workspace = os.path.abspath(self.rt.workspace_path) if self.rt.workspace_path.strip() else ""
        store = self.rt.session_store_path or os.path.join(self.workspace, ".moltnet", "sessions.json")
        self.store = SessionStore(Path(store))
        self.queues: dict[str, list] = {}
        self.drainers: dict[str, asyncio.Task] = {}
        self.key_locks: dict[str, asyncio.Lock] = {}
        self.failures = 0

    def check_seam(self) -> None:
        if not self.workspace:
            raise RuntimeError(f"{self.kind} adapter requires runtime.workspace_path")

    # -- what subclasses provide --------------------------------------------------------------------------------
    async def converse(self, key: str, prompt: str, env: dict[str, str]) -> str:
        """Run the prompt in the conversation's runtime session (creating or continuing it); returns stdout."""
        raise NotImplementedError

    async def run(self) -> None:
        self.check_seam()
        await ensure_workspace(self.cfg, self.workspace, self.component, self.environ)
        try:
            await super().run()
        finally:
            drainers = list(self.drainers.values())
            for task in drainers:
                task.cancel()  # a running command is killed (run_command handles the cancellation)
            await asyncio.gather(*drainers, return_exceptions=True)

    # -- queueing (docs/protocol/runtimes.md §7.4)
    # --------------------------------------------------------------------------------
    def key_for(self, target: dict) -> str:
        return cli_session_key(self.rt.session_prefix, self.cfg.agent_id, context_id(self.net, target))

    def queued(self) -> int:
        return sum(len(items) for items in self.queues.values())

    async def deliver(self, message: dict) -> asyncio.Future:
        """Enqueue and return at once (the event is ACKed); the future completes when the wake has run."""
        key = self.key_for(message.get("target") or {})
        pending = self.queues.setdefault(key, [])
        if len(pending) >= QUEUE_LIMIT:
            raise RuntimeError(f'CLI runtime wake queue "{key}" is full')
        done = asyncio.get_running_loop().create_future()
        pending.append((dict(message), done))
        if key not in self.drainers:
            self.drainers[key] = asyncio.create_task(self._drain(key))
        self.record(queued=self.queued())
        return done

    async def _drain(self, key: str) -> None:
        try:
            while self.queues.get(key):
                batch, self.queues[key] = self.queues[key], []
                self.record(queued=self.queued())
                messages = [message for message, _ in batch]
                await self._wake(key, queued_batch(self.net, messages), messages[-1].get("id") or "")
                for _, done in batch:  # ran (or was given up): a restarted node need not replay it
                    if not done.done():
                        done.set_result(None)
        finally:
            self.queues.pop(key, None)
            self.drainers.pop(key, None)

    async def _wake(self, key: str, prompt: str, message_id: str) -> None:
        """At-least-once towards the runtime: a failed run is retried with back-off, a bounded number of times;
        the final failure is logged (WARN) and kept in the node's status for the operator."""
        wake = {"conversation": key, "message_id": message_id}
        for attempt in range(1, self.wake_attempts + 1):
            try:
                await self.dispatch(key, prompt)
            except Exception as exc:  # noqa: BLE001 - every runtime failure is retried, then reported
                if attempt < self.wake_attempts:
                    logs.warn("CLI runtime wake failed, retrying", component=self.component,
                              agent_id=self.cfg.agent_id, error=exc, context_key=key, attempt=attempt)
                    await asyncio.sleep(backoff(attempt))
                    continue
                self.failures += 1
                logs.warn("CLI runtime queued delivery failed", component=self.component, agent_id=self.cfg.agent_id,
                          error=exc, context_key=key, attempts=attempt)
                self.record(last_wake={**wake, "at": now(), "result": "failed", "attempts": attempt,
                                       "error": str(exc)}, failed_wakes=self.failures)
                return
            logs.info("CLI runtime wake completed", component=self.component, agent_id=self.cfg.agent_id,
                      context_key=key, attempts=attempt)
            self.record(last_wake={**wake, "at": now(), "result": "ok", "attempts": attempt})
            return

    async def on_clean_end(self) -> None:
        while self.drainers:
            await asyncio.wait(set(self.drainers.values()))

    async def bootstrap_room(self, room_id: str) -> None:
        target = {"kind": "room", "room_id": room_id}
        await self.dispatch(self.key_for(target), compact_bootstrap(self.net, room_id))

    # -- one command run (docs/protocol/runtimes.md §7.5, with the session rules of today's runtimes)
    # -----------------------------
    async def dispatch(self, key: str, prompt: str) -> None:
        # Resolved afresh for every run (docs/protocol/node.md §6.2): a rotated token file reaches the agent's own CLI.
        token = self.cfg.moltnet.resolve_token(self.environ)
        await ensure_client_config(self.cfg, self.workspace, token)
        key = key or "main"
        async with self.key_locks.setdefault(key, asyncio.Lock()):
            os.makedirs(os.path.join(self.workspace, ".moltnet"), mode=0o700, exist_ok=True)
            env = dict(os.environ if self.environ is None else self.environ)
            env["MOLTNET_CLIENT_CONFIG"] = str(client_config_path(self.workspace))
            if self.rt.home_path:
                env["HOME"] = self.rt.home_path
            stdout = await self.converse(key, prompt, env)
            logs.debug("CLI runtime command completed", component=self.component, agent_id=self.cfg.agent_id,
                       output=stdout.strip())

    async def execute(self, cmd: Command, env: dict[str, str]) -> str:
        return await run_command(cmd, self.workspace, env)
