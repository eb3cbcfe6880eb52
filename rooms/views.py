"""HTTP views for rooms, threads, DMs, history, artifacts and POST /v1/messages (docs/protocol/http-api.md §4)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse

from agents.auth import Caller
from agents.policy import PUB, REQ
from agents.ratelimit import check_send_limit
from moltnet import state
from moltnet.errors import ApiError, not_found
from moltnet.gocompat import quote
from moltnet.ids import trim
from moltnet.pagination import collection_page, history_page, parse_page_params, query_value
from moltnet.responses import json_response, json_text_response
from moltnet.routing import api
from rooms import queries, shapes
from rooms.access import access_json, can_read, require_dms, require_readable
from rooms.schemas import CreateRoomRequest, SendMessageRequest, UpdateRoomMembersRequest
from rooms.send import CheckedSend, check_send_request, do_send
from rooms.services import (
    do_create_room,
    do_remove_room,
    do_update_members,
    get_dm,
    get_live_room,
    get_thread,
    members_by_room,
    members_of,
)


@api("GET", "/v1/rooms", auth=PUB("observe", "admin", "pair"), page=True)
def list_rooms(request: HttpRequest, caller: Caller) -> HttpResponse:
    params = parse_page_params(request.GET)
    rooms = [r for r in queries.live_rooms() if can_read(caller, r)]
    members = members_by_room(rooms)
    page, info = collection_page(rooms, params, key=lambda r: r.id)
    local = state.network_id()
    items = [shapes.room_json(r, members[r.id], access_json(caller, r, members[r.id], local)) for r in page]
    return json_response({"rooms": items, "page": info})


@api("POST", "/v1/rooms", auth=REQ("admin"), body=CreateRoomRequest, status=201)
def create_room(request: HttpRequest, caller: Caller, body: CreateRoomRequest) -> HttpResponse:
    room, members = do_create_room(body, state.network_id())
    return json_response(shapes.room_json(room, members), status=201)


@api("GET", "/v1/rooms/{roomID}", auth=PUB("observe", "admin"))
def get_room(request: HttpRequest, caller: Caller, roomID: str) -> HttpResponse:  # noqa: N803
    room = get_live_room(roomID)
    require_readable(caller, room)
    members = members_of(room)
    return json_response(shapes.room_json(room, members, access_json(caller, room, members, state.network_id())))


@api("DELETE", "/v1/rooms/{roomID}", auth=REQ("admin"))
def remove_room(request: HttpRequest, caller: Caller, roomID: str) -> HttpResponse:  # noqa: N803
    room = do_remove_room(roomID)
    return json_response({"removed": True, "kind": "room", "id": room.id, "mode": "soft"})


@api("PATCH", "/v1/rooms/{roomID}/members", auth=REQ("admin"), body=UpdateRoomMembersRequest)
def update_members(request: HttpRequest, caller: Caller, roomID: str,  # noqa: N803
                   body: UpdateRoomMembersRequest) -> HttpResponse:
    room, members = do_update_members(roomID, body)
    return json_response(shapes.room_json(room, members))


@api("GET", "/v1/rooms/{roomID}/messages", auth=PUB("observe", "admin"), page=True, serve="read")
def room_messages(request: HttpRequest, caller: Caller, roomID: str) -> HttpResponse:  # noqa: N803
    params = parse_page_params(request.GET)
    room = get_live_room(roomID)
    require_readable(caller, room)
    rows, info = queries.message_history("room", room.id, params, caller.has_any("admin"))
    return json_text_response(shapes.messages_page_text(rows, info))


@api("GET", "/v1/rooms/{roomID}/threads", auth=PUB("observe", "admin"), page=True)
def room_threads(request: HttpRequest, caller: Caller, roomID: str) -> HttpResponse:  # noqa: N803
    params = parse_page_params(request.GET)
    room = get_live_room(roomID)
    require_readable(caller, room)
    page, info = collection_page(queries.threads_of(room.id), params, key=lambda t: t.id)
    return json_response({"threads": [shapes.thread_json(t) for t in page], "page": info})


@api("GET", "/v1/threads/{threadID}", auth=PUB("observe", "admin"))
def get_thread_view(request: HttpRequest, caller: Caller, threadID: str) -> HttpResponse:  # noqa: N803
    thread, room = get_thread(threadID)
    require_readable(caller, room)
    return json_response(shapes.thread_json(thread))


@api("GET", "/v1/threads/{threadID}/messages", auth=PUB("observe", "admin"), page=True, serve="read")
def thread_messages(request: HttpRequest, caller: Caller, threadID: str) -> HttpResponse:  # noqa: N803
    params = parse_page_params(request.GET)
    thread, room = get_thread(threadID)
    require_readable(caller, room)
    rows, info = queries.message_history("thread", thread.id, params, caller.has_any("admin"))
    return json_text_response(shapes.messages_page_text(rows, info))


@api("GET", "/v1/dms", auth=REQ("observe", "admin"), page=True)
def list_dms(request: HttpRequest, caller: Caller) -> HttpResponse:
    params = parse_page_params(request.GET)
    require_dms()
    dms = queries.all_dms()
    page, info = collection_page(dms, params, key=lambda d: d.dm_id)
    participants = queries.participants_by_dm(page)
    return json_response({"dms": [shapes.dm_json(d, participants[d.dm_id]) for d in page], "page": info})


@api("GET", "/v1/dms/{dmID}", auth=REQ("observe", "admin"))
def get_dm_view(request: HttpRequest, caller: Caller, dmID: str) -> HttpResponse:  # noqa: N803
    require_dms()
    dm = get_dm(dmID)
    return json_response(shapes.dm_json(dm, queries.participants_by_dm([dm])[dm.dm_id]))


@api("GET", "/v1/dms/{dmID}/messages", auth=REQ("observe", "admin"), page=True, serve="read")
def dm_messages(request: HttpRequest, caller: Caller, dmID: str) -> HttpResponse:  # noqa: N803
    params = parse_page_params(request.GET)
    require_dms()
    dm = get_dm(dmID)
    rows, info = queries.message_history("dm", dm.dm_id, params, caller.has_any("admin"))
    return json_text_response(shapes.messages_page_text(rows, info))


@api("GET", "/v1/artifacts", auth=REQ("observe", "admin"), page=True,
     query={"room_id": "only this room", "thread_id": "only this thread", "dm_id": "only this direct conversation"})
def list_artifacts(request: HttpRequest, caller: Caller) -> HttpResponse:
    params = parse_page_params(request.GET)
    room_id, thread_id, dm_id = (trim(query_value(request.GET, k)) for k in ("room_id", "thread_id", "dm_id"))
    if not (room_id or thread_id or dm_id):
        raise ApiError(422, "artifact filter is required")
    if dm_id:
        require_dms()
    if room_id:
        get_live_room(room_id)
    if thread_id and not queries.thread_exists(thread_id):
        raise not_found(f"unknown thread {quote(thread_id)}")
    qs = queries.artifacts_for(thread_id=thread_id, dm_id=dm_id, room_id=room_id,
                               include_hidden=caller.has_any("admin"))
    rows, info = history_page(qs, params)
    return json_response({"artifacts": [shapes.artifact_json(a) for a in rows], "page": info})


def _send_limit(request: HttpRequest, caller: Caller) -> None:
    check_send_limit(caller)  # before the body is read and anything stored: a 429 and no event


def _check_send(request: HttpRequest, caller: Caller, body: SendMessageRequest) -> CheckedSend:
    return check_send_request(caller, body, state.config())


@api("POST", "/v1/messages", auth=REQ("write", "pair"), body=SendMessageRequest, limit=_send_limit,
     check=_check_send, status=202, serve="write")
def send_message(request: HttpRequest, caller: Caller, body: SendMessageRequest, checked: CheckedSend) -> HttpResponse:
    accepted = do_send(caller, body, state.config(), checked)
    return json_response(accepted.as_json(), status=202)
