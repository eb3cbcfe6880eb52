"""OpenClaw device identity: an Ed25519 key pair on disk and the v3 connect signature (docs/protocol/runtimes.md
§2.4)."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

SCOPES = ("operator.admin", "operator.read", "operator.write")


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def identity_path(home_path: str, gateway_url: str, agent_id: str) -> Path:
    if home_path:
        return Path(home_path) / ".moltnet" / "openclaw-device.json"
    digest = hashlib.sha256(f"{gateway_url.strip()}|{agent_id.strip()}".encode()).hexdigest()[:16]
    return Path(tempfile.gettempdir()) / f"moltnet-openclaw-device-{digest}.json"


@dataclass
class Device:
    private_key: Ed25519PrivateKey

    @property
    def raw_public(self) -> bytes:
        return self.private_key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)

    @property
    def device_id(self) -> str:
        return hashlib.sha256(self.raw_public).hexdigest()

    def signed_payload(self, signed_at: int, token: str, nonce: str) -> str:
        return "|".join(["v3", self.device_id, "gateway-client", "backend", "operator", ",".join(SCOPES),
                         str(signed_at), token, nonce, "moltnet", "bridge"])

    def connect_block(self, token: str, nonce: str, signed_at: int | None = None) -> dict:
        signed_at = int(time.time() * 1000) if signed_at is None else signed_at
        signature = self.private_key.sign(self.signed_payload(signed_at, token, nonce).encode())
        return {"id": self.device_id, "publicKey": b64url(self.raw_public), "signature": b64url(signature),
                "signedAt": signed_at, "nonce": nonce}


def _try_load(path: Path) -> Device | None:
    try:
        data = json.loads(path.read_text())
        if data.get("version") != 1 or not str(data.get("public_key_pem") or "").strip():
            return None
        private = serialization.load_pem_private_key(str(data.get("private_key_pem") or "").encode(), None)
        public = serialization.load_pem_public_key(data["public_key_pem"].encode())
    except (OSError, ValueError, TypeError, AttributeError):
        return None
    if not isinstance(private, Ed25519PrivateKey) or not isinstance(public, Ed25519PublicKey):
        return None
    return Device(private)


def load_device(path: Path) -> Device:
    """Load the identity, or generate and save a new one when the file is missing or unusable."""
    device = _try_load(path)
    if device is not None:
        return device
    key = Ed25519PrivateKey.generate()
    device = Device(key)
    body = {
        "version": 1,
        "device_id": device.device_id,
        "public_key_pem": key.public_key().public_bytes(serialization.Encoding.PEM,
                                                        serialization.PublicFormat.SubjectPublicKeyInfo).decode(),
        "private_key_pem": key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                             serialization.NoEncryption()).decode(),
        "created_at_ms": int(time.time() * 1000),
    }
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(json.dumps(body, indent=2) + "\n")
    os.chmod(path, 0o600)
    return device
