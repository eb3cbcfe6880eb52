"""GET /v1/search: hits, snippets, query syntax, filters, order and pages (run on SQLite and Postgres)."""

from __future__ import annotations

import json

import pytest

from tests.support.rooms import dm, room, thread
from tests.support.search import error, hits


@pytest.fixture
def lab(make_room, post):
    """Room `lab` with four messages, m1 oldest; a file part; a thread reply; a DM."""
    make_room("lab")
    make_room("ops")
    post(room("lab"), "deploy failed on staging", id="m1")
    post(room("lab"), "the deploy worked this time", id="m2", sender="grace")
    post(room("lab"), "", id="m3", parts=[{"kind": "text", "text": "see the log"},
                                          {"kind": "file", "filename": "rollback-plan.pdf", "url": "https://x/f"}])
    post(room("ops"), "staging deploy is green", id="o1")
    post(thread("t1", "lab", parent_message_id="m1"), "deploy retried in the thread", id="t1m1")
    post(dm("d1", "ada", "grace"), "private deploy notes", id="d1m1")


def test_hits_are_history_messages_plus_a_snippet(api, lab):
    body = api.get("/v1/search?q=deploy&room_id=lab").json()
    history = {m["id"]: m for m in api.get("/v1/rooms/lab/messages").json()["messages"]}
    assert [m["id"] for m in body["messages"]] == ["t1m1", "m2", "m1"]  # newest first, threads included
    assert body["page"] == {"has_more": False}
    first = body["messages"][2]
    snippet = first.pop("snippet")
    assert first == history["m1"]
    assert snippet == "[[deploy]] failed on staging"


def test_message_text_is_byte_identical_to_history(api, lab):
    raw = api.get("/v1/search?q=worked").content.decode()
    history = api.get("/v1/rooms/lab/messages").content.decode()
    message = json.loads(raw)["messages"][0]
    spelled = raw[raw.index('{"id":"m2"'): raw.index(',"snippet":')]
    assert spelled in history
    assert "[[worked]]" in message["snippet"]


def test_attachment_file_names_are_searched(api, lab):
    body = api.get("/v1/search?q=rollback").json()
    assert [m["id"] for m in body["messages"]] == ["m3"]
    assert "[[rollback]]" in body["messages"][0]["snippet"]


def test_accents_and_case_are_folded(api, make_room, post):
    make_room("lab")
    post(room("lab"), "Le Café est OUVERT", id="fr")
    assert hits(api.get("/v1/search?q=cafe")) == ["fr"]
    assert hits(api.get("/v1/search?q=CAFÉ ouvert")) == ["fr"]
    assert "[[Café]]" in api.get("/v1/search?q=cafe").json()["messages"][0]["snippet"]


@pytest.mark.parametrize(("q", "expected"), [
    ("deploy staging", ["o1", "m1"]),                 # every word, anywhere
    ('"deploy failed"', ["m1"]),                       # a phrase
    ('"failed deploy"', []),                           # phrase order matters
    ("worked OR green", ["o1", "m2"]),                 # either
    ("deploy -staging", ["d1m1", "t1m1", "m2"]),       # excluded word
    ('deploy -"on staging"', ["d1m1", "t1m1", "o1", "m2"]),  # excluded phrase
    ("deploy!!! (staging)", ["o1", "m1"]),         # punctuation is not syntax
    ('"unclosed phrase', []),
])
def test_query_syntax(api, lab, q, expected):
    assert hits(api.client.get("/v1/search", {"q": q})) == expected


@pytest.mark.parametrize(("q", "message"), [
    ("", "q is required: the words to search for"),
    ("   ", "q is required: the words to search for"),
    ("-deploy", "q has only excluded words: give at least one word to search for"),
    ('!!! "..."', "q has no words: give at least one word to search for"),
    ("x" * 1001, "q is longer than 1000 characters"),
])
def test_queries_with_nothing_to_find_are_400(api, lab, q, message):
    response = api.client.get("/v1/search", {"q": q})
    assert error(response) == (400, message)
    assert response.json()["code"] == "bad_request"


def test_missing_q_is_400(api, lab):
    assert error(api.get("/v1/search")) == (400, "q is required: the words to search for")


def test_filters(api, lab):
    assert hits(api.get("/v1/search?q=deploy&thread_id=t1")) == ["t1m1"]
    assert hits(api.get("/v1/search?q=deploy&dm_id=d1")) == ["d1m1"]
    assert hits(api.get("/v1/search?q=deploy&from=grace")) == ["m2"]
    assert hits(api.get("/v1/search?q=deploy&room_id=ops")) == ["o1"]
    created = {m["id"]: m["created_at"] for m in api.get("/v1/rooms/lab/messages").json()["messages"]}
    assert hits(api.client.get("/v1/search", {"q": "deploy", "room_id": "lab", "since": created["m2"]})) == [
        "t1m1", "m2"]
    assert hits(api.client.get("/v1/search", {"q": "deploy", "room_id": "lab", "until": created["m2"]})) == ["m1"]


@pytest.mark.parametrize(("query", "status", "message"), [
    ("room_id=nope", 404, 'unknown room "nope"'),
    ("thread_id=nope", 404, 'unknown thread "nope"'),
    ("dm_id=nope", 404, 'unknown direct conversation "nope"'),
    ("before=nope", 422, 'invalid cursor "nope"'),
    ("before=a%20b", 422, "before id must match [A-Za-z0-9][A-Za-z0-9._:-]{0,127}"),
    ("after=m1", 422, "search pages go back in time: use before, not after"),
    ("since=yesterday", 422, "since must be an RFC 3339 time, e.g. 2026-12-04T10:00:00Z"),
    ("until=2026-13-01T00:00:00Z", 422, "until must be an RFC 3339 time, e.g. 2026-12-04T10:00:00Z"),
    ("order=oldest", 422, 'order must be "newest" or "relevance"'),
    ("room_id=lab&dm_id=d1", 422, "give at most one of room_id, thread_id, dm_id"),
])
def test_bad_parameters_get_history_errors(api, lab, query, status, message):
    assert error(api.get(f"/v1/search?q=deploy&{query}")) == (status, message)


def test_history_gives_the_same_errors_for_the_same_ids(api, lab):
    assert error(api.get("/v1/rooms/nope/messages")) == (404, 'unknown room "nope"')
    assert error(api.get("/v1/threads/nope/messages")) == (404, 'unknown thread "nope"')
    assert error(api.get("/v1/dms/nope/messages")) == (404, 'unknown direct conversation "nope"')
    assert error(api.get("/v1/rooms/lab/messages?before=nope")) == (422, 'invalid cursor "nope"')


def test_dm_filter_when_dms_are_off(api, lab, configure):
    configure({"server": {"direct_messages": False}})
    assert error(api.get("/v1/search?q=deploy&dm_id=d1")) == (403, "direct messages are disabled for this network")
    assert "d1m1" not in hits(api.get("/v1/search?q=deploy"))


def test_pages_go_back_with_before(api, lab):
    first = api.get("/v1/search?q=deploy&limit=2").json()
    assert [m["id"] for m in first["messages"]] == ["d1m1", "t1m1"]
    assert first["page"] == {"has_more": True, "next_before": "t1m1"}
    second = api.get("/v1/search?q=deploy&limit=2&before=t1m1").json()
    assert [m["id"] for m in second["messages"]] == ["o1", "m2"]
    third = api.get("/v1/search?q=deploy&limit=2&before=m2").json()
    assert [m["id"] for m in third["messages"]] == ["m1"]
    assert third["page"] == {"has_more": False}


def test_relevance_order_and_its_pages(api, make_room, post):
    make_room("lab")
    post(room("lab"), "alpha once among many other words here", id="weak")
    post(room("lab"), "alpha alpha alpha", id="strong")
    post(room("lab"), "alpha twice alpha", id="middle")
    post(room("lab"), "unrelated", id="none")
    ranked = hits(api.get("/v1/search?q=alpha&order=relevance"))
    assert ranked == ["strong", "middle", "weak"]
    assert hits(api.get("/v1/search?q=alpha")) == ["middle", "strong", "weak"]
    page = api.get("/v1/search?q=alpha&order=relevance&limit=1").json()
    assert page["page"] == {"has_more": True, "next_before": "strong"}
    rest = [m["id"] for m in api.get("/v1/search?q=alpha&order=relevance&before=strong").json()["messages"]]
    assert rest == ["middle", "weak"]
    # By relevance a cursor must be one of the hits.
    assert error(api.get("/v1/search?q=alpha&order=relevance&before=none")) == (422, 'invalid cursor "none"')


def test_limit_is_clamped_like_history(api, make_room, post):
    make_room("lab")
    for n in range(3):
        post(room("lab"), f"word {n}", id=f"w{n}")
    assert len(hits(api.get("/v1/search?q=word&limit=0"))) == 3  # 0 → default
    assert len(hits(api.get("/v1/search?q=word&limit=1"))) == 1
    assert len(hits(api.get("/v1/search?q=word&limit=9999"))) == 3


def test_removed_rooms_drop_out(api, lab):
    assert "o1" in hits(api.get("/v1/search?q=staging"))
    assert api.delete("/v1/rooms/ops").status_code == 200
    assert hits(api.get("/v1/search?q=staging")) == ["m1"]
    assert error(api.get("/v1/search?q=staging&room_id=ops")) == (404, 'unknown room "ops"')


def test_openapi_documents_the_route(api):
    operation = api.get("/v1/openapi.json").json()["paths"]["/v1/search"]["get"]
    names = [p["name"] for p in operation["parameters"]]
    assert names[:2] == ["q", "room_id"] and {"from", "since", "until", "order", "limit", "before"} <= set(names)
    assert operation["x-moltnet-auth"] == "PUB(observe, admin, write, attach)"
