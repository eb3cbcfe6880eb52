"""The adapter loop shared by every runtime: bootstrap, stream, deliver, back off, reconnect
(docs/protocol/runtimes.md §2.2, §7.1)."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Mapping

from node import logs
from node.client import AttachError, AttachmentClient, backoff
from node.config import BridgeConfig
from node.render import context_id
from node.state import now
from node.wake import WAKE, wake_decision

BOOTSTRAP_MODES = ("once", "always", "never")


def bootstrap_rooms(cfg: BridgeConfig) -> list[str]:
    """Rooms bound with `wake: all` (or empty), in binding order (docs/protocol/node.md §11)."""
    return [r.id for r in cfg.rooms if r.id.strip() and r.wake in ("", "all")]


class Adapter:
    """One runtime seam. Subclasses implement `deliver` (and `bootstrap_room` when they bootstrap)."""

    kind = ""
    stream_warning = ""  # WARN message for stream errors; "" = silent (control URL loop)
    bootstrap_warning = ""
    bootstrap = "none"  # "before" the first attach, "after_ready" in the background, or "none"
    reset_on_bootstrap = False  # control-loop and CLI runtimes reset the back-off counter after bootstrapping

    def __init__(self, cfg: BridgeConfig, client: AttachmentClient, environ: Mapping[str, str] | None = None) -> None:
        self.cfg = cfg
        self.client = client
        self.environ = environ
        self.rt = cfg.runtime
        self.net = cfg.moltnet.network_id
        self.bootstrapped = False
        self.attempt = 0

    @property
    def component(self) -> str:
        return f"bridge.{self.kind}"

    def check_seam(self) -> None:
        """Raise the spec's run-time seam error (docs/protocol/runtimes.md §1.3) before anything starts."""

    def decide(self, event: dict) -> str:
        """`"wake"`, a reason not to, or "" for events that are not messages (docs/protocol/node.md §8)."""
        return wake_decision(self.cfg, event)

    def wants(self, event: dict) -> bool:
        return self.decide(event) == WAKE

    def record(self, **fields: object) -> None:
        if self.client.store is not None:
            self.client.store.record(**fields)

    async def deliver(self, message: dict) -> asyncio.Future | None:
        """Wake the runtime; CLI runtimes return a future that completes once the queued wake has run."""
        raise NotImplementedError

    async def bootstrap_room(self, room_id: str) -> None:
        raise NotImplementedError

    async def handle(self, event: dict) -> asyncio.Future | None:
        """Wake the runtime, or log why this message does not wake it (INFO, so an operator can see it)."""
        reason = self.decide(event)
        message = event.get("message") if isinstance(event.get("message"), dict) else {}
        where = context_id(self.net, message.get("target") or {}, message.get("id") or "")
        if reason != WAKE:
            if reason:
                logs.info("wake skipped", component=self.component, agent_id=self.cfg.agent_id,
                          message_id=message.get("id") or "", conversation=where, reason=reason)
            return None
        logs.info("wake", component=self.component, agent_id=self.cfg.agent_id, message_id=message.get("id") or "",
                  conversation=where)
        try:
            completion = await self.deliver(message)
        except Exception as exc:
            self.record(last_wake={"at": now(), "conversation": where, "message_id": message.get("id") or "",
                                   "result": "failed", "error": str(exc)})
            raise
        if completion is None:
            self.record(last_wake={"at": now(), "conversation": where, "message_id": message.get("id") or "",
                                   "result": "delivered"})
        return completion

    def bootstrap_mode(self) -> str:
        """MOLTNET_NODE_BOOTSTRAP: `once` per agent and room (persisted, default), `always` (Go) or `never`."""
        env = os.environ if self.environ is None else self.environ
        mode = (env.get("MOLTNET_NODE_BOOTSTRAP") or "once").strip().lower()
        return mode if mode in BOOTSTRAP_MODES else "once"

    async def bootstrap_all(self) -> None:
        mode = self.bootstrap_mode()
        store = self.client.store
        for room_id in bootstrap_rooms(self.cfg):
            if mode == "never" or (mode == "once" and store is not None and room_id in store.bootstrapped):
                logs.info("bootstrap skipped", component=self.component, agent_id=self.cfg.agent_id, room_id=room_id,
                          reason="already bootstrapped" if mode == "once" else "MOLTNET_NODE_BOOTSTRAP=never")
                continue
            await self.bootstrap_room(room_id)
            logs.info("bootstrapped", component=self.component, agent_id=self.cfg.agent_id, room_id=room_id)
            if store is not None:
                store.mark_bootstrapped(room_id)

    async def on_clean_end(self) -> None:
        """Called once the attachment stream ended cleanly (CLI runtimes drain their queues)."""

    def warn(self, msg: str, error: object) -> None:
        if msg:
            logs.warn(msg, component=self.component, agent_id=self.cfg.agent_id, error=error)

    async def run(self) -> None:
        self.check_seam()
        while True:
            if self.bootstrap == "before" and not self.bootstrapped:
                try:
                    await self.bootstrap_all()
                except Exception as exc:  # noqa: BLE001 - retried with back-off
                    self.attempt += 1
                    self.warn(self.bootstrap_warning, exc)
                    await asyncio.sleep(backoff(self.attempt))
                    continue
                self.bootstrapped = True
            background: list[asyncio.Task] = []

            def on_ready(background: list[asyncio.Task] = background) -> asyncio.Task | None:
                if self.bootstrap == "after_ready" and not self.bootstrapped and not background:
                    background.append(asyncio.create_task(self.bootstrap_all()))
                    return background[0]
                return None

            error: Exception | None = None
            try:
                await self.client.stream(self.handle, on_ready)
            except AttachError as exc:
                error = exc
            if background:
                task = background[0]
                if error is None and not task.done():
                    await asyncio.wait({task})
                if not task.done():
                    task.cancel()
                elif not task.cancelled() and task.exception() is None:
                    self.bootstrapped = True
                    if self.reset_on_bootstrap:
                        self.attempt = 0
                elif error is None:
                    error = AttachError(str(task.exception()))
            if error is None:
                await self.on_clean_end()
                return
            self.attempt += 1
            self.warn(self.stream_warning, error)
            self.record(connected=False, last_error=str(error), last_error_at=now())
            await asyncio.sleep(backoff(self.attempt))
