"""Console test helpers: a bearer network with one token per console role, and browser-like clients."""

from __future__ import annotations

import pytest
from django.test import Client

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


@pytest.fixture
def bearer(db, configure):
    """A bearer-mode network (public read off, human ingress on) with the TOKENS above."""
    return configure({"network": {"id": "local", "name": "Console Test"}, "auth": {"mode": "bearer", "tokens": TOKENS}})


@pytest.fixture
def browser_as(db):
    """`browser_as("operator")`: a Django test client carrying that token in the console cookie."""

    def make(name: str | None = None) -> Client:
        client = Client()
        if name:
            client.cookies["moltnet_auth"] = SECRET.get(name, name)
        return client

    return make


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

