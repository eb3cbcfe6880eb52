"""The API error type and the spec's error envelope (docs/protocol/http-api.md §1.4)."""

from __future__ import annotations

from http import HTTPStatus

from moltnet.ids import trim

CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    # Go answers 405 in plain text; we use the envelope everywhere, with a descriptive code.
    405: "method_not_allowed",
    409: "conflict",
    # Answered by the HTTP front door (attach/frontdoor.py) before a request reaches the app.
    414: "uri_too_long",
    422: "unprocessable_entity",
    429: "too_many_requests",
    431: "request_header_fields_too_large",
    502: "bad_gateway",
    503: "service_unavailable",
}


class ApiError(Exception):
    """Raised anywhere in a request; rendered as the error envelope."""

    def __init__(self, status: int, message: str = "", headers: dict[str, str] | None = None):
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers or {}

    def envelope(self, request_id: str | None) -> dict:
        return error_envelope(self.status, self.message, request_id)


def reason_phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase.lower()
    except ValueError:
        return "error"


def error_envelope(status: int, message: str, request_id: str | None) -> dict:
    text = trim(message) if status < 500 else ""
    body = {"error": text or reason_phrase(status), "code": CODES.get(status, "internal_error")}
    if request_id:
        body["request_id"] = request_id
    return body


def bad_request(message: str) -> ApiError:
    return ApiError(400, message)


def not_found(message: str) -> ApiError:
    return ApiError(404, message)


def unprocessable(message: str) -> ApiError:
    return ApiError(422, message)


def forbidden(message: str = "forbidden") -> ApiError:
    return ApiError(403, message)


def conflict(message: str) -> ApiError:
    return ApiError(409, message)
