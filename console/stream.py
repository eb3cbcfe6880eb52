"""The event stream for console users signed in with a Django password (they have no token).

Same consumer, framing, replay and filtering as GET /v1/events/stream; only the question "who is
asking" is answered from the Django session instead of a bearer token or the auth cookie.
"""

from __future__ import annotations

from importlib import import_module
from types import SimpleNamespace

from django.conf import settings
from django.contrib import auth

from agents.auth import Caller
from attach.handshake import credentials, header_map, json_denial, request_id
from attach.sse import EventStreamConsumer
from console.access import user_caller
from moltnet import state
from moltnet.errors import ApiError


def authenticate_session(scope: dict):
    """(caller, denial, request id, credentials) like attach.handshake.authenticate_stream."""
    headers = header_map(scope)
    rid = request_id(headers)
    creds = credentials(scope, headers)
    if not state.auth_policy().enabled:
        return Caller(mode="none", remote_addr=creds.remote_addr, path=creds.path), None, rid, creds
    session_key = creds.cookies.get(settings.SESSION_COOKIE_NAME, "")
    if session_key:
        store = import_module(settings.SESSION_ENGINE).SessionStore(session_key)
        # auth.get_user also checks the session hash, so a changed password ends the stream's access.
        user = auth.get_user(SimpleNamespace(session=store))
        if user.is_authenticated and user.is_active and user.is_staff:
            caller = user_caller(user)
            caller.remote_addr = creds.remote_addr
            return caller, None, rid, creds
    return None, json_denial(ApiError(401, "authorization required"), rid), rid, creds


class ConsoleEventStream(EventStreamConsumer):
    authenticate = staticmethod(authenticate_session)
