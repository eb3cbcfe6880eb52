"""A fake OpenClaw gateway: challenge, `connect` with a verified Ed25519 device signature, `chat.send`, final event."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
import secrets
from dataclasses import dataclass, field

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from websockets.asyncio.server import ServerConnection, serve

SCOPES = ["operator.admin", "operator.read", "operator.write"]
CLIENT = {"id": "gateway-client", "displayName": "moltnet-bridge", "version": "moltnet-bridge", "platform": "moltnet",
          "deviceFamily": "bridge", "mode": "backend"}


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass
class FakeOpenClaw:
    """Records every accepted `chat.send`; answers each with a `final` chat event carrying `reply(message)`."""

    token: str = ""
    reply: str = ""
    sends: list[dict] = field(default_factory=list)
    connects: list[dict] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # protocol violations seen by the fake
    rejected: int = 0
    preamble: list[dict] = field(default_factory=lambda: [{"type": "event", "event": "tick", "payload": {}}])

    async def start(self) -> FakeOpenClaw:
        self.server = await serve(self.handler, "127.0.0.1", 0)
        self.port = self.server.sockets[0].getsockname()[1]
        return self

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self.port}"

    async def stop(self) -> None:
        self.server.close()
        await self.server.wait_closed()

    def check(self, condition: bool, problem: str) -> None:
        if not condition:
            self.problems.append(problem)

    def verify_connect(self, params: dict, nonce: str) -> None:
        self.check(params.get("minProtocol") == 4 and params.get("maxProtocol") == 4, "protocol range")
        client = params.get("client") or {}
        self.check({k: v for k, v in client.items() if k != "instanceId"} == CLIENT, "client block")
        self.check(str(client.get("instanceId", "")).startswith("moltnet-bridge-"), "client.instanceId")
        self.check(params.get("role") == "operator" and params.get("scopes") == SCOPES, "role/scopes")
        self.check(("auth" in params) == bool(self.token), "auth present exactly when a token is configured")
        token = (params.get("auth") or {}).get("token", "")
        self.check(token == self.token, "auth token")
        device = params.get("device") or {}
        self.check(set(device) == {"id", "publicKey", "signature", "signedAt", "nonce"}, "device block keys")
        self.check(type(device.get("signedAt")) is int, "device.signedAt is a JSON integer (ms)")
        raw = _unb64(device.get("publicKey", ""))
        self.check(device.get("id") == hashlib.sha256(raw).hexdigest(), "device id is sha256 of the public key")
        self.check(device.get("nonce") == nonce, "nonce echoed")
        payload = "|".join(["v3", device.get("id", ""), "gateway-client", "backend", "operator", ",".join(SCOPES),
                            str(device.get("signedAt")), token, nonce, "moltnet", "bridge"])
        try:
            Ed25519PublicKey.from_public_bytes(raw).verify(_unb64(device.get("signature", "")), payload.encode())
        except (InvalidSignature, ValueError):
            self.problems.append("device signature does not verify over the v3 payload")

    async def handler(self, ws: ServerConnection) -> None:
        nonce = f"n-{secrets.token_hex(4)}"
        for frame in self.preamble:  # frames before the challenge (keepalive ticks); clients must skip them
            await ws.send(json.dumps(frame))
        await ws.send(json.dumps({"type": "event", "event": "connect.challenge", "payload": {"nonce": nonce}}))
        async for raw in ws:
            frame = json.loads(raw)
            if frame.get("type") != "req":
                self.problems.append(f"unexpected frame {frame}")
                continue
            params = frame.get("params") or {}
            if frame.get("method") == "connect":
                if (params.get("auth") or {}).get("token", "") != self.token:
                    self.rejected += 1  # the real gateway refuses a wrong operator token
                    await ws.send(json.dumps({"type": "res", "id": frame["id"], "ok": False, "error": {
                        "code": "unauthorized", "message": "gateway token mismatch"}}))
                    continue
                self.verify_connect(params, nonce)
                self.connects.append(params)
                await ws.send(json.dumps({"type": "res", "id": frame["id"], "ok": True, "payload": {
                    "type": "hello-ok", "protocol": 4, "policy": {"tickIntervalMs": 30000}}}))
            elif frame.get("method") == "chat.send":
                self.check(params.get("deliver") is False, "deliver must be false")
                self.check(list(params) == sorted(params), "params keys in alphabetical order")
                self.sends.append(params)
                run_id = f"run-{len(self.sends)}"
                await ws.send(json.dumps({"type": "res", "id": frame["id"], "ok": True,
                                          "payload": {"runId": run_id, "status": "started"}}))
                await asyncio.sleep(0.05)
                await ws.send(json.dumps({"type": "event", "event": "chat",
                                          "payload": {"runId": run_id, "state": "delta"}}))
                content = [{"type": "text", "text": self.reply}] if self.reply else []
                await ws.send(json.dumps({"type": "event", "event": "chat", "payload": {
                    "runId": run_id, "state": "final", "message": {"role": "assistant", "content": content}}}))
