"""Console fixtures: a bearer network with one token per console role, and browser-like clients."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.support.console import SECRET, TOKENS


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
