"""A fake OpenClaw gateway speaking today's gateway WebSocket protocol (wire version 4), refusals included.

Sources (read December 2026):
- openclaw/openclaw packages/gateway-protocol/src/schema/frames.ts (ConnectParams, hello-ok, req/res/event
  frames; `additionalProperties: false` everywhere), schema/logs-chat.ts (ChatSendParams: `idempotencyKey`
  required and non-empty; chat events `delta`/`final`/`aborted`/`error`, each with runId, sessionKey, seq),
  client-info.ts (client ids and modes), gateway-error-details.ts and connect-error-details.ts (error codes
  and `details.code`), packages/gateway-client device-auth (v3 signed payload, platform/deviceFamily lower-cased).
- docs/gateway/clients.md: "The current wire version is 4 ... minProtocol: 4 and maxProtocol: 4".
- docs.openclaw.ai/gateway/protocol and the web docs: the challenge is the first frame; the first client frame
  must be `connect`; chat.send acks `{runId, status: "started"}` at once, a re-sent idempotencyKey gets
  `{status: "in_flight"}` while running and `{status: "ok"}` after completion (no new events); device
  signatures older than 2 minutes are refused; loopback devices are paired silently.
Not verified: the exact wording of the auth-failure message (`unauthorized: gateway token mismatch` is what
clients match on), and how chat events are routed: the fake broadcasts a run's events to every connected
operator client that did not advertise the `session-scoped-events` cap (none here), so a re-sent key that is
still `in_flight` sees the run finish on its own connection.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import hashlib
import json
import secrets
import time
from dataclasses import dataclass, field

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from websockets.asyncio.server import ServerConnection, serve
from websockets.exceptions import ConnectionClosed

PROTOCOL = 4
CLIENT_IDS = {"webchat-ui", "openclaw-control-ui", "openclaw-browser-copilot", "openclaw-tui", "webchat", "cli",
              "gateway-client", "openclaw-macos", "openclaw-linux", "openclaw-ios", "openclaw-watchos",
              "openclaw-android", "node-host", "openclaw-worker", "test", "fingerprint", "openclaw-probe"}
CLIENT_MODES = {"webchat", "cli", "ui", "backend", "node", "worker", "probe", "test"}
CONNECT_KEYS = {"minProtocol", "maxProtocol", "client", "caps", "commands", "permissions", "pathEnv", "role",
                "scopes", "device", "auth", "locale", "userAgent"}
CLIENT_KEYS = {"id", "displayName", "version", "platform", "deviceFamily", "modelIdentifier", "mode", "instanceId"}
AUTH_KEYS = {"token", "bootstrapToken", "deviceToken", "password", "approvalRuntimeToken",
             "agentRuntimeIdentityToken"}
CHAT_SEND_KEYS = {"sessionKey", "agentId", "sessionId", "message", "thinking", "fastMode", "fastAutoOnSeconds",
                  "deliver", "originatingChannel", "originatingTo", "originatingAccountId", "originatingThreadId",
                  "attachments", "timeoutMs", "systemInputProvenance", "systemProvenanceReceipt",
                  "suppressCommandInterpretation", "clarification", "idempotencyKey"}
SIGNATURE_SKEW_MS = 2 * 60 * 1000


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class Refusal(Exception):  # noqa: N818 - the gateway's answer, not an error of the fake
    """A request the real gateway answers with `ok: false` (`code`, `message`, optional `details.code`)."""

    def __init__(self, code: str, message: str, detail: str = "") -> None:
        super().__init__(message)
        self.error = {"code": code, "message": message, **({"details": {"code": detail}} if detail else {})}


@dataclass
class FakeOpenClaw:
    """Records every accepted `connect` and `chat.send`; each new run streams a delta and a terminal event.

    `reply` is the final assistant text; `ending` picks the terminal state (`final`, `aborted` or `error`).
    `preamble` frames are sent before the challenge: today's gateway sends none (robustness tests only).
    """

    token: str = ""
    reply: str = ""
    ending: str = "final"
    sends: list[dict] = field(default_factory=list)
    connects: list[dict] = field(default_factory=list)
    refusals: list[dict] = field(default_factory=list)  # every ok:false answer, as sent
    problems: list[str] = field(default_factory=list)  # things the gateway accepts but the adapter must not do
    preamble: list[dict] = field(default_factory=list)
    runs: dict[str, str] = field(default_factory=dict)  # idempotencyKey -> "in_flight" | "ok"
    delay: float = 0.05  # seconds a run takes before its events
    listeners: list = field(default_factory=list)  # the `emit` of every connection past hello

    async def start(self) -> FakeOpenClaw:
        self.server = await serve(self.handler, "127.0.0.1", 0)
        self.port = self.server.sockets[0].getsockname()[1]
        return self

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self.port}"

    @property
    def rejected(self) -> int:
        return len(self.refusals)

    async def stop(self) -> None:
        self.server.close()
        await self.server.wait_closed()

    # ---- connect -------------------------------------------------------------------------------------------------

    def check_connect(self, params: object, nonce: str) -> dict:
        if not isinstance(params, dict) or set(params) - CONNECT_KEYS:
            raise Refusal("INVALID_REQUEST", "invalid connect params")
        client = params.get("client")
        if not isinstance(client, dict) or set(client) - CLIENT_KEYS or not all(
                isinstance(client.get(k), str) and client.get(k) for k in ("version", "platform")):
            raise Refusal("INVALID_REQUEST", "invalid connect params: client")
        if str(client.get("id", "")).lower() not in CLIENT_IDS or str(client.get("mode", "")).lower() not in \
                CLIENT_MODES:
            raise Refusal("INVALID_REQUEST", "invalid connect params: unknown client id or mode")
        low, high = params.get("minProtocol"), params.get("maxProtocol")
        if not (isinstance(low, int) and isinstance(high, int) and low <= PROTOCOL <= high):
            raise Refusal("INVALID_REQUEST", "protocol mismatch", "PROTOCOL_MISMATCH")
        auth = params.get("auth")
        if auth is not None and (not isinstance(auth, dict) or set(auth) - AUTH_KEYS):
            raise Refusal("INVALID_REQUEST", "invalid connect params: auth")
        token = str((auth or {}).get("token") or "")
        if self.token and not token:
            raise Refusal("INVALID_REQUEST", "unauthorized: gateway token missing", "AUTH_TOKEN_MISSING")
        if self.token and token != self.token:
            raise Refusal("INVALID_REQUEST", "unauthorized: gateway token mismatch", "AUTH_TOKEN_MISMATCH")
        self.check_device(params, client, token, nonce)
        return params

    def check_device(self, params: dict, client: dict, token: str, nonce: str) -> None:
        device = params.get("device")
        if device is None:
            # Accepted, but without a device the gateway strips every requested scope: chat.send then fails.
            self.problems.append("connect without a device identity")
            return
        if not isinstance(device, dict) or set(device) != {"id", "publicKey", "signature", "signedAt", "nonce"} \
                or type(device.get("signedAt")) is not int:
            raise Refusal("INVALID_REQUEST", "invalid connect params: device")
        if device.get("nonce") != nonce:
            raise Refusal("INVALID_REQUEST", "device nonce mismatch", "DEVICE_AUTH_NONCE_MISMATCH")
        if abs(device["signedAt"] - int(time.time() * 1000)) > SIGNATURE_SKEW_MS:
            raise Refusal("INVALID_REQUEST", "device signature expired", "DEVICE_AUTH_SIGNATURE_EXPIRED")
        try:
            raw = _unb64(str(device.get("publicKey", "")))
            key = Ed25519PublicKey.from_public_bytes(raw)
        except ValueError:
            raise Refusal("INVALID_REQUEST", "device public key invalid", "DEVICE_AUTH_PUBLIC_KEY_INVALID") from None
        if device.get("id") != hashlib.sha256(raw).hexdigest():
            raise Refusal("INVALID_REQUEST", "device identity mismatch", "DEVICE_AUTH_DEVICE_ID_MISMATCH")
        payload = "|".join(["v3", device["id"], str(client.get("id")), str(client.get("mode")),
                            str(params.get("role") or ""), ",".join(params.get("scopes") or []),
                            str(device["signedAt"]), token, nonce, str(client.get("platform", "")).strip().lower(),
                            str(client.get("deviceFamily", "")).strip().lower()])
        try:
            key.verify(_unb64(str(device.get("signature", ""))), payload.encode())
        except (InvalidSignature, ValueError):
            raise Refusal("INVALID_REQUEST", "device signature invalid", "DEVICE_AUTH_SIGNATURE_INVALID") from None

    def hello(self, params: dict) -> dict:
        return {"type": "hello-ok", "protocol": PROTOCOL,
                "server": {"version": "fake", "connId": secrets.token_hex(8)},
                "features": {"methods": ["chat.send", "chat.history", "chat.abort", "agent"],
                             "events": ["chat", "agent", "tick", "presence"]},
                "snapshot": {"presence": [], "health": {}, "stateVersion": {"presence": 0, "health": 0}},
                "auth": {"role": params.get("role") or "operator", "scopes": params.get("scopes") or [],
                         "deviceToken": secrets.token_urlsafe(16), "issuedAtMs": int(time.time() * 1000)},
                "policy": {"maxPayload": 26214400, "maxBufferedBytes": 52428800, "tickIntervalMs": 30000}}

    # ---- chat.send -----------------------------------------------------------------------------------------------

    def check_chat_send(self, params: object, scopes: list) -> dict:
        if "operator.write" not in scopes and "operator.admin" not in scopes:
            raise Refusal("FORBIDDEN", "missing scope: operator.write")
        if not isinstance(params, dict) or set(params) - CHAT_SEND_KEYS:
            raise Refusal("INVALID_REQUEST", "invalid chat.send params")
        for key in ("sessionKey", "idempotencyKey"):
            if not isinstance(params.get(key), str) or not params[key]:
                raise Refusal("INVALID_REQUEST", f"invalid chat.send params: {key} must be a non-empty string")
        if not isinstance(params.get("message"), str) or not isinstance(params.get("deliver", False), bool):
            raise Refusal("INVALID_REQUEST", "invalid chat.send params")
        return params

    async def broadcast(self, event: str, payload: dict) -> None:
        for emit in list(self.listeners):
            with contextlib.suppress(ConnectionClosed):  # a client that left misses the rest
                await emit(event, payload)

    async def run(self, params: dict) -> None:
        """The agent run: lifecycle and delta events, then one terminal chat event for the same runId."""
        run_id, session = params["idempotencyKey"], params["sessionKey"]
        text = [{"type": "text", "text": self.reply}] if self.reply else []
        terminal = {"runId": run_id, "sessionKey": session, "seq": 3, "state": self.ending}
        if self.ending == "final":
            terminal.update(message={"role": "assistant", "content": text}, stopReason="stop")
        elif self.ending == "error":
            terminal.update(errorMessage="model overloaded", errorKind="rate_limit")
        else:
            terminal.update(stopReason="user")
        # The run goes on whoever listens (a bootstrap does not wait for it).
        await asyncio.sleep(self.delay)
        await self.broadcast("agent", {"runId": run_id, "sessionKey": session, "seq": 1, "stream": "lifecycle",
                                       "data": {"phase": "start"}, "ts": int(time.time() * 1000)})
        await self.broadcast("chat", {"runId": run_id, "sessionKey": session, "seq": 2, "state": "delta",
                                      "deltaText": self.reply[:3], "message": {"role": "assistant", "content": text}})
        self.runs[run_id] = "ok"
        await self.broadcast("chat", terminal)

    # ---- the connection ------------------------------------------------------------------------------------------

    async def handler(self, ws: ServerConnection) -> None:
        nonce = secrets.token_hex(16)
        seq = 0

        async def emit(event: str, payload: dict) -> None:
            nonlocal seq
            seq += 1
            await ws.send(json.dumps({"type": "event", "event": event, "payload": payload, "seq": seq}))

        async def refuse(frame_id: str, refused: Refusal) -> None:
            self.refusals.append(refused.error)
            await ws.send(json.dumps({"type": "res", "id": frame_id, "ok": False, "error": refused.error}))

        for frame in self.preamble:
            await ws.send(json.dumps(frame))
        await ws.send(json.dumps({"type": "event", "event": "connect.challenge",
                                  "payload": {"nonce": nonce, "ts": int(time.time() * 1000)}}))
        hello: dict | None = None
        tasks: list[asyncio.Task] = []
        try:
            async for raw in ws:
                frame = json.loads(raw)
                if not isinstance(frame, dict) or frame.get("type") != "req" or not frame.get("id"):
                    self.problems.append(f"unexpected frame {frame}")
                    continue
                method, params = frame.get("method"), frame.get("params")
                if hello is None:
                    if method != "connect":  # the first client frame must be connect
                        await refuse(frame["id"], Refusal("INVALID_REQUEST", "first request must be connect"))
                        await ws.close(1008, "connect required")
                        return
                    try:
                        hello = self.hello(self.check_connect(params, nonce))
                    except Refusal as refused:
                        await refuse(frame["id"], refused)
                        await ws.close(1008, refused.error["message"])
                        return
                    self.connects.append(params)
                    await ws.send(json.dumps({"type": "res", "id": frame["id"], "ok": True, "payload": hello}))
                    await emit("tick", {"ts": int(time.time() * 1000)})
                    self.listeners.append(emit)
                elif method == "chat.send":
                    try:
                        params = self.check_chat_send(params, hello["auth"]["scopes"])
                    except Refusal as refused:
                        await refuse(frame["id"], refused)
                        continue
                    key = params["idempotencyKey"]
                    if key in self.runs:  # a re-sent key: no second run
                        await ws.send(json.dumps({"type": "res", "id": frame["id"], "ok": True,
                                                  "payload": {"runId": key, "status": self.runs[key]}}))
                        continue
                    if params.get("deliver") is not False:
                        self.problems.append("chat.send without deliver: false")
                    self.sends.append(params)
                    self.runs[key] = "in_flight"
                    await ws.send(json.dumps({"type": "res", "id": frame["id"], "ok": True,
                                              "payload": {"runId": key, "status": "started"}}))
                    tasks.append(asyncio.create_task(self.run(params)))
                else:
                    await refuse(frame["id"], Refusal("INVALID_REQUEST", f"unknown method: {method}"))
        except ConnectionClosed:
            pass
        finally:
            if emit in self.listeners:
                self.listeners.remove(emit)
            for task in tasks:
                if not task.done():
                    await asyncio.wait({task}, timeout=1)
