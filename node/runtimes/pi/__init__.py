"""Pi: the control-URL seam only; its reply is published as the agent (docs/protocol/runtimes.md §6)."""

from __future__ import annotations

from node.runtimes.control import ControlAdapter


class PiAdapter(ControlAdapter):
    kind = "pi"
    publishes_reply = True

    def check_seam(self) -> None:
        if not self.rt.control_url:
            raise RuntimeError("pi adapter requires runtime.control_url")
