"""Runtime adapters, one sub-package per runtime kind (spec 10); `build_adapter` picks the seam."""

from __future__ import annotations

from collections.abc import Mapping

from node.client import AttachmentClient
from node.config import BridgeConfig
from node.runtimes.base import Adapter


def build_adapter(cfg: BridgeConfig, client: AttachmentClient, environ: Mapping[str, str] | None = None) -> Adapter:
    """The adapter for `runtime.kind`, honouring seam precedence (spec 10 §1.4)."""
    rt = cfg.runtime
    kind = rt.kind
    if kind == "openclaw":
        from node.runtimes.openclaw import OpenClawAdapter

        return OpenClawAdapter(cfg, client, environ)
    if kind == "picoclaw":
        if rt.command:
            from node.runtimes.picoclaw import PicoClawCommandAdapter

            return PicoClawCommandAdapter(cfg, client, environ)
        if rt.events_url:
            from node.runtimes.picoclaw import PicoClawEventsAdapter

            return PicoClawEventsAdapter(cfg, client, environ)
        from node.runtimes.control import ControlAdapter

        return ControlAdapter(cfg, client, environ, kind="picoclaw")
    if kind == "tinyclaw":
        if rt.control_url:
            from node.runtimes.control import ControlAdapter

            return ControlAdapter(cfg, client, environ, kind="tinyclaw")
        from node.runtimes.tinyclaw import TinyClawAdapter

        return TinyClawAdapter(cfg, client, environ)
    if kind == "pi":
        from node.runtimes.pi import PiAdapter

        return PiAdapter(cfg, client, environ)
    if kind == "codex":
        from node.runtimes.codex import CodexAdapter

        return CodexAdapter(cfg, client, environ)
    if kind == "claude-code":
        from node.runtimes.claude_code import ClaudeCodeAdapter

        return ClaudeCodeAdapter(cfg, client, environ)
    raise ValueError(f'bridge config runtime.kind "{kind}" is unsupported')
