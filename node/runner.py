"""Runners: one attachment (bridge) or many (node supervisor); preflight, isolation, clean shutdown
(docs/protocol/node.md §12)."""

from __future__ import annotations

import asyncio
import os
import signal
from collections.abc import Mapping

from moltnet.config import ConfigError
from node import logs
from node.client import AttachmentClient, preflight, redact
from node.config import BridgeConfig, NodeConfig, validate_node
from node.runtimes import build_adapter
from node.state import CursorStore, state_path


class Runner:
    """One attachment: its client (token, cursor, state file) and its runtime adapter."""

    def __init__(self, cfg: BridgeConfig, environ: Mapping[str, str] | None = None) -> None:
        self.cfg = cfg
        store = CursorStore(state_path(cfg.path, cfg.moltnet.network_id, cfg.agent_id), cfg.moltnet.base_url,
                            cfg.moltnet.network_id, cfg.agent_id)
        self.client = AttachmentClient(cfg, environ, store)
        self.adapter = build_adapter(cfg, self.client, environ)

    def log_starting(self) -> None:
        logs.info("moltnet-bridge starting", component="bridge.core", runtime=self.cfg.runtime.kind,
                  agent_id=self.cfg.agent_id, network_id=self.cfg.moltnet.network_id,
                  moltnet_url=redact(self.cfg.moltnet.base_url))

    async def run(self, log: bool = True) -> None:
        if log:
            self.log_starting()
        await self.adapter.run()


async def until_signal(work: asyncio.Future) -> bool:
    """Wait for `work` or SIGINT/SIGTERM; returns True when a signal arrived (work is then cancelled)."""
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    stopper = asyncio.ensure_future(stop.wait())
    try:
        await asyncio.wait({work, stopper}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(sig)
    if stop.is_set():
        work.cancel()
        await asyncio.gather(work, return_exceptions=True)
        return True
    stopper.cancel()
    return False


async def run_bridge(cfg: BridgeConfig, environ: Mapping[str, str] | None = None) -> None:
    """`moltnet bridge run`: preflight (raises ConfigError), then the adapter until it ends or a signal."""
    runner = Runner(cfg, environ)

    async def work() -> None:
        runner.log_starting()  # a bridge logs before its preflight (docs/protocol/node.md §12.4)
        await preflight(cfg, environ)
        await runner.run(log=False)

    task = asyncio.ensure_future(work())
    if await until_signal(task):
        return
    task.result()


async def preflight_all(attachments: list[BridgeConfig], environ: Mapping[str, str] | None) -> None:
    cache: dict = {}
    failures = []
    for cfg in attachments:
        try:
            await preflight(cfg, environ, cache)
        except ConfigError as exc:
            failures.append(f"attachment {cfg.agent_id.strip() or '<unknown>'}: {exc}")
    if failures:
        raise ConfigError("\n".join(failures))


async def supervise(runners: list[Runner]) -> None:
    """Run all attachments; the first runner error cancels the siblings and is raised as `attachment <id>: ...`."""
    tasks = {asyncio.create_task(r.run()): r for r in runners}
    try:
        pending = set(tasks)
        while pending:
            done, pending = await asyncio.wait(pending, return_when=asyncio.FIRST_COMPLETED)
            for task in done:
                if not task.cancelled() and task.exception() is not None:
                    raise ConfigError(f"attachment {tasks[task].cfg.agent_id}: {task.exception()}")
        await asyncio.Event().wait()  # every attachment stopped cleanly: stay up (idle) until a signal
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


async def run_node(node: NodeConfig, environ: Mapping[str, str] | None = None) -> None:
    """`moltnet node start`: validate, preflight every attachment, then supervise them until a signal."""
    validate_node(node, os.environ if environ is None else environ)

    async def work() -> None:
        if not node.attachments:
            await asyncio.Event().wait()
        await preflight_all(node.attachments, environ)
        runners = []
        for cfg in node.attachments:
            logs.info("moltnet-node attachment starting", component="node", agent_id=cfg.agent_id,
                      runtime=cfg.runtime.kind, network_id=cfg.moltnet.network_id)
            runners.append(Runner(cfg, environ))
        await supervise(runners)

    task = asyncio.ensure_future(work())
    if await until_signal(task):
        return
    task.result()
