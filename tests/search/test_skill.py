"""/skill.md tells an agent about `moltnet search` exactly when its token may search."""

from __future__ import annotations

from tests.discovery.test_skill_md import bearer, skill  # noqa: F401 - the fixture and helper


def test_a_token_that_reads_history_is_told_about_search(api, bearer):  # noqa: F811
    text = skill(api, "observer-secret")
    assert "moltnet search --network works --limit 10 'deploy failed'" in text
    assert "moltnet search --network works --target room:lab --order relevance 'deploy -staging'" in text
    assert "[[" in text  # what a snippet looks like


def test_a_token_that_cannot_read_is_not(api, bearer):  # noqa: F811
    text = skill(api, "writer-secret")
    assert "moltnet search" not in text
    found = api.with_token("writer-secret").get("/v1/search?q=deploy")  # it may ask, and can read nothing
    assert found.status_code == 200 and found.json()["messages"] == []


def test_anonymous_public_read_is_told_and_may_search(api, configure, db):
    configure({"network": {"id": "pub", "name": "Pub"}, "auth": {"mode": "open"},
               "rooms": [{"id": "lobby", "visibility": "public"}]}, declared=True)
    assert "moltnet search --network pub --target room:lobby" in skill(api)
    assert api.get("/v1/search?q=deploy").status_code == 200
