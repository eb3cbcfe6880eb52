"""IDENTIFY processing (docs/protocol/attach.md §7–§9): validation, registration, slot claim; all synchronous ORM
work."""

from __future__ import annotations

from dataclasses import dataclass

from agents.auth import ANONYMOUS_KEY, Caller
from agents.services import do_register, open_registration
from attach import frames, presence, replay
from attach.frames import VERSION
from attach.handshake import authenticate_attach
from moltnet import state
from moltnet.errors import ApiError
from moltnet.gocompat import quote
from moltnet.ids import ID_MISMATCH, ID_PATTERN, ID_TOO_LONG

authenticate = authenticate_attach
replay_plan = replay.plan


@dataclass
class Identified:
    error: str = ""
    agent_id: str = ""
    name: str = ""
    ready_frame: str = ""
    removal_floor: int = 0  # replayed agent.removed events at or below this seq predate the session
    live_from: int = 0  # the newest seq before READY: a session without a cursor gets what follows


def check_identify(caller: Caller, frame: frames.Frame, network_id: str) -> str:
    """Rows 1–8 of the IDENTIFY table; returns the ERROR text or ''."""
    if frame.op != "IDENTIFY":
        return "expected IDENTIFY frame"
    if not frame.version.strip():
        return "attachment IDENTIFY version is required"
    if frame.version.strip() != VERSION:
        return f'attachment IDENTIFY version {quote(frame.version)} does not match "{VERSION}"'
    if frame.network_id.strip() != network_id:
        return f"attachment network_id {quote(frame.network_id)} does not match {quote(network_id)}"
    agent = frame.agent or {}
    agent_id = (agent.get("id") or "").strip()
    if not agent_id:
        return "attachment agent.id is required"
    if len(agent_id.encode()) > 128:
        return f"attachment agent.id {ID_TOO_LONG}"
    if not ID_PATTERN.fullmatch(agent_id):
        return f"attachment agent.id {ID_MISMATCH}"
    if caller.claims is not None and caller.claims.allowlist and agent_id not in caller.claims.allowlist:
        return f"attachment agent.id {quote(agent.get('id') or '')} is not allowed for this token"
    return ""


def slot_credential(caller: Caller, registration_key: str) -> tuple[str, bool]:
    """The attachment credential (03 §11 step 5): (key, authenticated)."""
    claims = caller.claims
    if claims is not None:
        if claims.is_static and {"admin", "attach"} <= claims.scopes:
            return registration_key, True
        return claims.key, True
    if registration_key and registration_key != ANONYMOUS_KEY:
        return registration_key, True
    return ANONYMOUS_KEY, False


def identify(caller: Caller, frame: frames.Frame, session_id: str) -> Identified:
    network_id = state.network_id()
    if error := check_identify(caller, frame, network_id):
        return Identified(error)
    agent = frame.agent or {}
    agent_id = agent["id"].strip()
    removal_floor = replay.window_floor()  # read before registering: later removals always count
    try:
        registered = do_register(caller, agent_id, agent.get("name") or "", network_id)
    except ApiError as exc:
        text = exc.message
        if caller.claims is None and open_registration(caller) and "already registered" in text:
            text = f"agent {quote(agent_id)} requires its agent token"
        return Identified(text)
    except Exception as exc:  # storage failure: the raw text, as Go reports it on this path
        return Identified(str(exc) or "storage error")
    reg = registered.registration
    key, authenticated = slot_credential(caller, reg.credential_key)
    if refusal := presence.claim(session_id, agent_id, key, authenticated):
        return Identified(refusal)
    name = (agent.get("name") or "").strip() or (reg.display_name or "").strip()
    ready = frames.encode("READY", network_id=network_id, agent_id=reg.agent_id, actor_uid=reg.actor_uid,
                          actor_uri=reg.actor_uri, agent_token=registered.agent_token)
    # Read before READY is written, so an event committed after the client has READY (anywhere:
    # another process included) always follows it; reading later loses what lands in between.
    return Identified("", reg.agent_id, name, ready, removal_floor, replay.newest_seq())
