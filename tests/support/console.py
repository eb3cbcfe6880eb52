"""Console test helpers: tokens, making rooms and saying things in them."""

from __future__ import annotations

from rooms.models import Message
from rooms.schemas import CreateRoomRequest, SendMessageRequest
from rooms.send import do_send
from rooms.services import do_create_room

TOKENS = [
    {"id": "viewer", "value": "viewer-secret", "scopes": ["observe"]},
    {"id": "writer", "value": "writer-secret", "scopes": ["observe", "write"]},
    {"id": "operator", "value": "operator-secret", "scopes": ["observe", "write", "admin"]},
    {"id": "bot", "value": "bot-secret", "scopes": ["write", "attach"]},
]


SECRET = {t["id"]: t["value"] for t in TOKENS}


def make_room(room_id: str = "research", members: tuple[str, ...] = ("alpha", "beta"), **extra) -> None:
    do_create_room(CreateRoomRequest(id=room_id, name=room_id.title(), members=list(members), **extra), "local")


def say(room_id: str, text: str, sender: str = "alpha") -> Message:
    from agents.auth import Caller
    from moltnet import state

    req = SendMessageRequest.model_validate({"target": {"kind": "room", "room_id": room_id},
                                             "from": {"type": "agent", "id": sender},
                                             "parts": [{"kind": "text", "text": text}]})
    accepted = do_send(Caller(mode="none"), req, state.config())
    return Message.objects.get(id=accepted.message_id)
