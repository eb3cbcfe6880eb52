"""Identifier grammar, FQIDs, generated ids and timestamps (docs/protocol/model.md §3)."""

from __future__ import annotations

import base64
import hashlib
import os
import random
import re
from dataclasses import dataclass
from datetime import UTC, datetime

ID_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,127}")
EVENT_TYPE_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:+@/-]{0,127}")
ID_TOO_LONG = "id must be 128 characters or fewer"
ID_MISMATCH = "id must match [A-Za-z0-9][A-Za-z0-9._:-]{0,127}"

# Go's strings.TrimSpace trims unicode.IsSpace: Python's bare str.strip() also strips the
# separators U+001C–U+001F, which Go keeps (so "\x1clab" is an invalid id, not "lab").
GO_SPACE = "\t\n\v\f\r \x85\xa0\u1680" + "".join(map(chr, range(0x2000, 0x200B))) + "\u2028\u2029\u202f\u205f\u3000"


def trim(value: str | None) -> str:
    """strings.TrimSpace."""
    return (value or "").strip(GO_SPACE)


def id_error(value: str) -> str | None:
    """Return the spec's error text for an invalid ID, or None when valid."""
    if len(value.encode()) > 128:
        return ID_TOO_LONG
    if not ID_PATTERN.fullmatch(value):
        return ID_MISMATCH
    return None


def is_valid_id(value: str) -> bool:
    return id_error(value) is None


@dataclass(frozen=True)
class MemberRef:
    network: str
    agent: str


def parse_scoped(value: str) -> MemberRef | None:
    """`net:agent` (split at the first colon); the parts come back trimmed."""
    value = trim(value)
    if value.startswith("molt://") or ":" not in value:
        return None
    network, agent = value.split(":", 1)
    if not trim(network) or not trim(agent):
        return None
    return MemberRef(trim(network), trim(agent))


def parse_agent_fqid(value: str) -> MemberRef | None:
    """`molt://net/agents/agent`; the parts come back trimmed."""
    value = trim(value)
    if not value.startswith("molt://"):
        return None
    rest = value[len("molt://") :]
    if "/agents/" not in rest:
        return None
    network, agent = rest.split("/agents/", 1)
    if not trim(network) or not trim(agent):
        return None
    return MemberRef(trim(network), trim(agent))


def _raw_parts(value: str) -> tuple[str, str] | None:
    """The two sides of a trimmed Scoped or FQID member as written (Go validates them untrimmed)."""
    if parse_scoped(value) is not None:
        network, agent = value.split(":", 1)
    elif parse_agent_fqid(value) is not None:
        network, agent = value[len("molt://"):].split("/agents/", 1)
    else:
        return None
    return network, agent


def member_id_error(value: str | None) -> str | None:
    """ValidateMemberID of docs/protocol/model.md §3.2; returns the error text or None.

    The parts are checked as written: `net :alpha` is invalid (`network id …`), as in Go.
    """
    value = trim(value)
    if not value:
        return "is required"
    parts = _raw_parts(value)
    if parts is not None:
        if err := id_error(parts[0]):
            return f"network id {err}"
        if err := id_error(parts[1]):
            return f"agent id {err}"
        return None
    return id_error(value)


def member_identity(value: str, local_network: str) -> MemberRef:
    value = trim(value)
    ref = parse_agent_fqid(value) or parse_scoped(value)
    return ref or MemberRef(local_network, value)


def scoped_id(network: str, agent_id: str) -> str:
    """`network:agent` from trimmed parts; just the agent when either part is blank."""
    network, agent_id = trim(network), trim(agent_id)
    return f"{network}:{agent_id}" if network and agent_id else agent_id


def actor_matches(network: str, actor_id: str, candidate: str) -> bool:
    candidate, actor_id = trim(candidate), trim(actor_id)
    if not candidate or not actor_id:
        return False
    return candidate in (actor_id, scoped_id(network, actor_id), agent_fqid(network, actor_id))


def remote_participant_id(actor_network: str, actor_id: str, local_network: str) -> str:
    if actor_network and actor_network != local_network:
        return scoped_id(actor_network, actor_id)
    return actor_id


def room_fqid(network: str, room_id: str) -> str:
    return f"molt://{network}/rooms/{room_id}"


def thread_fqid(network: str, thread_id: str) -> str:
    return f"molt://{network}/threads/{thread_id}"


def dm_fqid(network: str, dm_id: str) -> str:
    return f"molt://{network}/dms/{dm_id}"


def agent_fqid(network: str, agent_id: str) -> str:
    return f"molt://{network}/agents/{agent_id}"


def artifact_fqid(network: str, artifact_id: str) -> str:
    return f"molt://{network}/artifacts/{artifact_id}"


def uuid_text(raw: bytes) -> str:
    """Render 16 bytes as an RFC 4122 version-4 UUID string."""
    b = bytearray(raw[:16])
    if len(b) != 16:
        raise ValueError("a UUID takes 16 bytes")
    b[6] = (b[6] & 0x0F) | 0x40
    b[8] = (b[8] & 0x3F) | 0x80
    h = b.hex()  # what str(uuid.UUID(bytes=…)) prints, without building the UUID (3x faster)
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def random_uuid() -> str:
    return uuid_text(os.urandom(16))


def new_message_id() -> str:
    return "msg_" + random_uuid()


def new_event_id() -> str:
    return "evt_" + random_uuid()


def message_event_id(message_id: str) -> str:
    return "evt_" + uuid_text(hashlib.sha256(trim(message_id).encode()).digest())


def replay_gap_event_id(cursor: str) -> str:
    return "evt_gap_" + hashlib.sha256(cursor.encode()).hexdigest()


def new_actor_uid() -> str:
    return "actor_" + random_uuid()


def new_request_id() -> str:
    # A correlation id, not a secret: the PRNG spares every request a getrandom() call, during
    # which the event loop's thread would give up the GIL and queue to take it back.
    return f"req_{random.getrandbits(64):016x}"


def new_agent_token() -> str:
    return "magt_v1_" + base64.urlsafe_b64encode(os.urandom(32)).rstrip(b"=").decode()


def sha256_hex(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def default_token_id(value: str) -> str:
    return "tok_" + sha256_hex(trim(value))[:16]


ZERO_TIME = "0001-01-01T00:00:00Z"


def now() -> datetime:
    return datetime.now(UTC)


def format_time(value: datetime | None) -> str:
    """RFC 3339 UTC with 'Z' and fractional seconds only as needed."""
    if value is None:
        return ZERO_TIME
    value = value.astimezone(UTC)
    text = (f"{value.year:04d}-{value.month:02d}-{value.day:02d}T"
            f"{value.hour:02d}:{value.minute:02d}:{value.second:02d}")
    if value.microsecond:
        text += ("." + f"{value.microsecond:06d}").rstrip("0")
    return text + "Z"


_FRACTION = re.compile(r"^(.*T\d\d:\d\d:\d\d)\.(\d+)(.*)$")  # compiled at import, not by the first request


def parse_time(text: str) -> datetime:
    text = text.strip()
    if text.endswith("Z"):
        text = text[:-1] + "+00:00"
    # Python accepts at most 6 fractional digits; Go may send nanoseconds.
    m = _FRACTION.match(text)
    if m:
        text = f"{m.group(1)}.{m.group(2)[:6].ljust(6, '0')}{m.group(3)}"
    return datetime.fromisoformat(text).astimezone(UTC)
