"""GET /v1/rooms/{roomID} (docs/protocol/http-api.md §4.3)."""


def test_room_with_access(api, make_room):
    make_room("lab", members=["ada"], visibility="public", write_policy="operators")
    body = api.get("/v1/rooms/lab").json()
    assert body["access"] == {"can_read": True, "can_write": True, "reason": "private/operators-write"}
    assert list(body) == ["id", "network_id", "fqid", "name", "members", "visibility", "write_policy", "access",
                          "created_at"]


def test_id_is_trimmed(api, make_room):
    make_room("lab")
    assert api.get("/v1/rooms/%20lab%20").status_code == 200


def test_unknown_room_is_404_with_the_id_as_given(api):
    response = api.get("/v1/rooms/nope")
    assert response.status_code == 404
    assert response.json() == {"error": 'unknown room "nope"', "code": "not_found",
                               "request_id": response["X-Request-Id"]}


def test_unknown_room_echoes_the_id_go_quoted(api):
    response = api.get("/v1/rooms/a%22b%09c%5C")
    assert response.status_code == 404
    assert response.json()["error"] == 'unknown room "a\\"b\\tc\\\\"'


def test_removed_room_is_404(api, make_room):
    make_room("lab")
    api.delete("/v1/rooms/lab")
    assert api.get("/v1/rooms/lab").status_code == 404


def test_unreadable_room_is_403_without_quotes(api, make_room, configure):
    make_room("lab")
    configure({"auth": {"mode": "open"}})
    response = api.get("/v1/rooms/lab")
    assert response.status_code == 403
    assert response.json()["error"] == "room lab is not readable"


def test_public_room_is_readable_anonymously_in_public_read_mode(api, make_room, configure):
    make_room("lab", visibility="public", write_policy="registered_agents")
    configure({"auth": {"mode": "open"}})
    body = api.get("/v1/rooms/lab").json()
    assert body["access"] == {"can_read": True, "can_write": False, "reason": "public-read/registered_agents-write"}


def test_head_answers_like_get_without_a_body(api, make_room):
    make_room("lab")
    response = api.request("HEAD", "/v1/rooms/lab")
    assert response.status_code == 200
    assert response.content == b""
    assert response["Content-Type"] == "application/json"
