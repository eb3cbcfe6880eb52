"""One OpenClaw gateway exchange: challenge → connect → one request → optional final chat event
(docs/protocol/runtimes.md §2.3).

Checked against today's gateway (protocol 4; openclaw/openclaw packages/gateway-protocol, docs/gateway/clients.md):
the connect frame and v3 device signature are unchanged; two things Go does not handle are handled here —
a re-sent idempotency key whose run already finished is acknowledged with `status: "ok"` and no further chat
events (Go would wait 5 minutes, fail, and be re-delivered forever), and a run can end in `state: "aborted"`.
"""

from __future__ import annotations

import asyncio
import json
import time

from websockets.asyncio.client import ClientConnection, connect

from node import logs
from node.runtimes.openclaw.device import SCOPES, Device

FRAME_TIMEOUT = 15.0
FINAL_TIMEOUT = 300.0


class GatewayError(RuntimeError):
    pass


def request_id(method: str) -> str:
    return f"{method.replace('.', '-')}-{time.time_ns()}"


def reply_text(message: object) -> str:
    """Spec 10 §2.6: `message.text`, else the text entries of `message.content` joined by a blank line."""
    if not isinstance(message, dict):
        return ""
    text = message.get("text")
    if isinstance(text, str) and text.strip():
        return text.strip()
    pieces = []
    for item in message.get("content") or []:
        if isinstance(item, dict) and item.get("type") in (None, "", "text"):
            piece = item.get("text")
            if isinstance(piece, str) and piece.strip():
                pieces.append(piece.strip())
    return "\n\n".join(pieces)


class Gateway:
    def __init__(self, url: str, token: str, agent_id: str, device: Device) -> None:
        self.url, self.token, self.agent_id, self.device = url, token, agent_id, device

    async def _read(self, ws: ClientConnection, timeout: float) -> dict:
        """One frame as a JSON object; a missing `type` reads as "" (skipped by every caller, as in Go)."""
        try:
            raw = await asyncio.wait_for(ws.recv(), timeout)
        except TimeoutError:
            raise GatewayError("read openclaw gateway frame: i/o timeout") from None
        except Exception as exc:  # noqa: BLE001 - transport errors are reported with the gateway prefix
            raise GatewayError(f"read openclaw gateway frame: {exc}") from None
        try:
            frame = json.loads(raw)
            if frame is None:
                frame = {}
            if not isinstance(frame, dict) or not isinstance(frame.get("type", ""), str | None):
                raise ValueError("frame is not an object with a string type")
        except ValueError as exc:
            raise GatewayError(f"decode openclaw gateway envelope: {exc}") from None
        frame["type"] = frame.get("type") or ""
        return frame

    async def _request(self, ws: ClientConnection, method: str, params: dict) -> object:
        """Send one `req`; return the payload of the `res` with the same id (None when absent)."""
        rid = request_id(method)
        await asyncio.wait_for(ws.send(json.dumps({"type": "req", "id": rid, "method": method, "params": params})),
                               FRAME_TIMEOUT)
        while True:
            frame = await self._read(ws, FRAME_TIMEOUT)
            if frame["type"] != "res" or frame.get("id") != rid:
                continue
            if frame.get("ok") is True:
                return frame.get("payload")
            error = frame.get("error") if isinstance(frame.get("error"), dict) else {}
            message = str(error.get("message") or "").strip()
            if message:
                code = str(error.get("code") or "").strip()
                raise GatewayError(f"openclaw gateway {method} failed ({code}): {message}")
            raise GatewayError(f"openclaw gateway {method} failed")

    async def _connect(self, ws: ClientConnection) -> None:
        while True:
            frame = await self._read(ws, FRAME_TIMEOUT)
            if frame["type"] == "event" and frame.get("event") == "connect.challenge":
                break
        payload = frame.get("payload")
        if payload is not None and not isinstance(payload, dict):
            raise GatewayError("decode openclaw gateway connect challenge: payload is not an object")
        nonce = str((payload or {}).get("nonce") or "").strip()
        if not nonce:
            raise GatewayError("openclaw gateway connect challenge missing nonce")
        params: dict = {
            "minProtocol": 4, "maxProtocol": 4,
            "client": {"id": "gateway-client", "displayName": "moltnet-bridge", "version": "moltnet-bridge",
                       "platform": "moltnet", "deviceFamily": "bridge", "mode": "backend",
                       "instanceId": f"moltnet-bridge-{self.agent_id.strip()}"},
        }
        if self.token:
            params["auth"] = {"token": self.token}
        params.update(role="operator", scopes=list(SCOPES), device=self.device.connect_block(self.token, nonce))
        await self._request(ws, "connect", params)  # the hello payload is not interpreted

    async def chat_send(self, message: str, session_key: str, idempotency_key: str, await_final: bool) -> str:
        """Send one chat message on a fresh connection; with `await_final`, return the final reply text."""
        try:
            ws = await connect(self.url, open_timeout=FRAME_TIMEOUT, ping_interval=None, compression=None,
                               max_size=None)
        except Exception as exc:  # noqa: BLE001
            raise GatewayError(f"connect openclaw gateway {self.url}: {exc}") from None
        async with ws:
            await self._connect(ws)
            params = {"deliver": False, "idempotencyKey": idempotency_key, "message": message,
                      "sessionKey": session_key}
            ack = await self._request(ws, "chat.send", params)
            if ack is not None and not isinstance(ack, dict):
                raise GatewayError("decode openclaw chat.send ack: payload is not an object")
            run_id = str((ack or {}).get("runId") or "").strip() or idempotency_key
            if not await_final:
                return ""
            if (ack or {}).get("status") == "ok":
                # A re-delivery of a run the gateway already finished: no chat events follow, nothing to publish.
                logs.info("openclaw run already finished", component="bridge.openclaw", run_id=run_id)
                return ""
            return await self._final(ws, run_id)

    async def _final(self, ws: ClientConnection, run_id: str) -> str:
        deadline = time.monotonic() + FINAL_TIMEOUT
        while True:
            frame = await self._read(ws, max(deadline - time.monotonic(), 0.001))
            if frame["type"] != "event" or frame.get("event") != "chat":
                continue
            if "payload" not in frame:
                raise GatewayError("openclaw chat event missing payload")
            payload = frame["payload"] if frame["payload"] is not None else {}
            if not isinstance(payload, dict):
                raise GatewayError("decode openclaw chat event payload: payload is not an object")
            if str(payload.get("runId") or "").strip() != run_id:
                continue
            if payload.get("state") == "final":
                return reply_text(payload.get("message"))
            if payload.get("state") == "error":
                detail = str(payload.get("errorMessage") or "").strip()
                raise GatewayError(f"openclaw chat.send failed: {detail}" if detail else "openclaw chat.send failed")
            if payload.get("state") == "aborted":
                # Terminal (someone stopped the run): no reply to publish, and waiting longer would never end.
                logs.info("openclaw run aborted", component="bridge.openclaw", run_id=run_id,
                          stop_reason=str(payload.get("stopReason") or ""))
                return ""
