"""`moltnet node status`: what each attachment of a node is doing, read from the node's state files.

The running node keeps, per attachment, `<config dir>/.moltnet/node-state/<network>--<agent>.json` up to date:
connected or not, the last event, the last wake and its result, the CLI wakes still queued, failed wakes. This
reads those files (the node need not be reachable) and says whether the process that wrote them still runs.
"""

from __future__ import annotations

import json
import os

from moltnet.runtimes import registry
from node.config import NodeConfig
from node.state import CursorStore, state_path


def _alive(pid: object) -> bool:
    if not isinstance(pid, int) or pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        with open(f"/proc/{pid}/stat") as handle:
            return handle.read().split()[2] != "Z"
    except OSError:
        return True


def node_status(node: NodeConfig) -> dict:
    """The status document (`--json` prints it as is)."""
    attachments = []
    for cfg in node.attachments:
        store = CursorStore(state_path(cfg.path, cfg.moltnet.network_id, cfg.agent_id), cfg.moltnet.base_url,
                            cfg.moltnet.network_id, cfg.agent_id)
        data = store.read()
        status = data.get("status") if isinstance(data.get("status"), dict) else {}
        running = _alive(status.get("pid"))
        attachments.append({
            "agent_id": cfg.agent_id, "runtime": cfg.runtime.kind, "state_file": str(store.path),
            "node_running": running, "connected": bool(status.get("connected")) and running,
            "connected_at": status.get("connected_at") or "", "last_error": status.get("last_error") or "",
            "last_event": status.get("last_event") or {}, "last_wake": status.get("last_wake") or {},
            "queued_wakes": (status.get("queued") or 0) if running else 0,
            "failed_wakes": status.get("failed_wakes") or 0, "cursor": data.get("cursor") or "",
            "bootstrapped": sorted(data.get("bootstrapped") or {}), "updated_at": status.get("updated_at") or ""})
    return {"config": node.path, "network_id": node.moltnet.network_id, "attachments": attachments}


def render(document: dict) -> str:
    lines = [f"{document['config']} (network {document['network_id']})"]
    for item in document["attachments"]:
        state = ("connected" if item["connected"] else "disconnected") if item["node_running"] else "node not running"
        lines.append(f"{item['agent_id']} ({item['runtime']}): {state}")
        if item["last_error"]:
            lines.append(f"  last error: {item['last_error']}")
        event = item["last_event"]
        lines.append(f"  last event: {event.get('id', '')} {event.get('type', '')} at {event.get('at', '')}"
                     if event else "  last event: none")
        wake = item["last_wake"]
        if wake:
            detail = f" after {wake['attempts']} attempts" if wake.get("attempts", 1) > 1 else ""
            lines.append(f"  last wake: {wake.get('result', '')}{detail} at {wake.get('at', '')} "
                         f"({wake.get('conversation', '')}, message {wake.get('message_id') or '-'})")
            if wake.get("error"):
                lines.append(f"    error: {wake['error']}")
        else:
            lines.append("  last wake: none")
        if item["runtime"] in registry.with_wake_queue():
            lines.append(f"  queued wakes: {item['queued_wakes']}, failed wakes: {item['failed_wakes']}")
    return "\n".join(lines) + "\n"


def dumps(document: dict) -> str:
    return json.dumps(document, indent=2) + "\n"
