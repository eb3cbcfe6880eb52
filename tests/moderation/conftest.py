"""A bearer network with an admin token and an observe+write token, and room `lab` (ada, grace)."""

from __future__ import annotations

import pytest

from rooms.schemas import CreateRoomRequest
from rooms.services import do_create_room
from tests.attach.conftest import own_hub  # noqa: F401 - fixture (in-process attach/SSE tests)
from tests.support.api import ApiClient
from tests.support.moderation import TOKENS


@pytest.fixture
def admin(configure, db) -> ApiClient:
    configure({"auth": {"mode": "bearer", "tokens": TOKENS}})
    do_create_room(CreateRoomRequest(id="lab", members=["ada", "grace"]), "local")
    return ApiClient("admin-secret")


@pytest.fixture
def reader(admin) -> ApiClient:
    return ApiClient("reader-secret")
