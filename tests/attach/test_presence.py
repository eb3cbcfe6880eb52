"""Attachment slot claims in the shared session table (docs/protocol/attach.md §9, docs/protocol/auth.md §11)."""

from __future__ import annotations

import pytest

from attach import presence

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def no_claims_left():
    """Claims on single-process storage live in memory: gone with the test, as its rows are."""
    yield
    presence._claims.clear()


def test_a_credential_may_share_its_slot_but_another_credential_is_refused():
    assert presence.claim("att_1", "vega", "token:node", True) is None
    assert presence.claim("att_2", "vega", "token:node", True) is None  # same credential: concurrent sockets
    refusal = presence.claim("att_3", "vega", "token:other", True)
    assert refusal == 'agent "vega" is already attached with different credentials'
    presence.release("att_1")
    presence.release("att_2")
    assert presence.claim("att_3", "vega", "token:other", True) is None


def test_an_anonymous_claim_never_shares_a_slot():
    assert presence.claim("att_4", "lyra", "anonymous", False) is None
    refusal = presence.claim("att_5", "lyra", "anonymous", False)
    assert refusal == ('agent "lyra" already has an active attachment; '
                       "attach with an actor credential to reconnect")


def test_a_slot_claimed_through_a_long_token_id_is_stored():
    """Token ids have no length limit, so neither has the `token:<id>` slot credential (Postgres too)."""
    key = "token:" + "node-" * 60
    assert presence.claim("att_6", "deneb", key, True) is None
    assert presence.claim("att_7", "deneb", key, True) is None
    presence.mark_ready("att_6")
    assert "deneb" in presence.connected_agent_ids()
