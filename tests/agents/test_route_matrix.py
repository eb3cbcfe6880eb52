"""The route × credential × mode matrix of docs/protocol/auth.md §4, over EVERY route in moltnet.routing.ROUTES.

Expectations come from the documented class table (route_classes.py) through an oracle written from
docs/protocol/auth.md §4 / §4.2 — not from agents/policy.py — so a route that declares the wrong class, or no row in
the table, fails here.
"""

from __future__ import annotations

import re

import pytest

import moltnet.urls  # noqa: F401 - registers every route
from agents.auth import agent_token_key
from agents.models import AgentRegistration
from agents.policy import RequestCredentials
from moltnet import state
from moltnet.ids import now
from moltnet.routing import ROUTES
from tests.agents.route_classes import REQUIRED_ROUTES, SPEC_ROUTE_CLASSES

SCOPES = ("observe", "write", "admin", "attach", "pair")
TOKENS = [{"id": f"tok-{s}", "value": f"secret-{s}", "scopes": [s]} for s in SCOPES]
AGENT_TOKEN = "magt_v1_matrixmatrixmatrixmatrixmatrixmatrixmatrixma"

MODES = {
    "none": {"auth": {"mode": "none", "tokens": TOKENS}},
    "none+public_read": {"auth": {"mode": "none", "public_read": True, "tokens": TOKENS}},
    "bearer": {"auth": {"mode": "bearer", "tokens": TOKENS}},
    "bearer+public_read": {"auth": {"mode": "bearer", "public_read": True, "agent_registration": "token",
                                    "tokens": TOKENS}},
    "bearer+open_registration": {"auth": {"mode": "bearer", "agent_registration": "open", "tokens": TOKENS}},
    "open": {"auth": {"mode": "open", "tokens": TOKENS}},
}

# name → (Authorization header or None, scopes the credential carries, kind)
CREDENTIALS = {
    "anonymous": (None, frozenset(), "anonymous"),
    **{s: (f"Bearer secret-{s}", frozenset({s}), "static") for s in SCOPES},
    "agent": (f"Bearer {AGENT_TOKEN}", frozenset({"write", "attach"}), "agent"),
    "invalid": ("Bearer not-a-token", frozenset(), "invalid"),
    "malformed": ("Token secret-admin", frozenset(), "malformed"),
    "bare-bearer": ("Bearer", frozenset(), "malformed"),
}

OK = "ok"
UNAUTHORIZED = {"required": (401, "authorization required"), "invalid": (401, "invalid token"),
                "malformed": (401, "invalid authorization header")}
FORBIDDEN = (403, "forbidden")
AUTH_TEXTS = {"authorization required", "invalid token", "invalid authorization header",
              "authorization token is required", "forbidden"}


def parse_class(text: str) -> tuple[str, tuple[str, ...]]:
    match = re.fullmatch(r"(\w+)(?:\((.*)\))?", text)
    assert match, text
    scopes = tuple(s.strip() for s in (match.group(2) or "").split(",") if s.strip())
    return match.group(1), scopes


def expected(spec_class: str, mode: dict, credential: str):
    """docs/protocol/auth.md §4 as a table lookup: OK, or (status, error text)."""
    kind, scopes = parse_class(spec_class)
    auth = mode["auth"]
    enabled = auth["mode"] != "none"
    public_read = bool(auth.get("public_read")) or auth["mode"] == "open"
    registration = "open" if auth["mode"] == "open" else auth.get("agent_registration", "disabled")
    _, held, cred_kind = CREDENTIALS[credential]
    if kind == "OPEN":
        return OK
    if not enabled:
        # Health validates a supplied credential when public_read is set; static tokens are
        # ignored entirely in mode none, so they are unknown there (agent tokens still resolve).
        if kind == "HEALTH" and auth.get("public_read"):
            if cred_kind == "malformed":
                return UNAUTHORIZED["malformed"]
            if cred_kind in ("invalid", "static"):
                return UNAUTHORIZED["invalid"]
        return OK
    if kind == "HEALTH" and not public_read:
        return OK  # the header is not even read
    if cred_kind in ("invalid", "malformed"):
        return UNAUTHORIZED[cred_kind]  # never downgraded to anonymous
    if kind == "CONSOLE" and not public_read and cred_kind == "agent":
        return UNAUTHORIZED["invalid"]  # the console accepts only static tokens without public read

    def required(accepted: tuple[str, ...]):
        if cred_kind == "anonymous":
            return UNAUTHORIZED["required"]
        return OK if held & set(accepted) else FORBIDDEN

    def gated(accepted: tuple[str, ...]):
        return OK if cred_kind == "anonymous" or held & set(accepted) else FORBIDDEN

    if kind == "HEALTH":
        return OK
    if kind == "REQ":
        return required(scopes)
    if kind in ("PUB", "STREAM", "SKILL"):
        return OK if public_read else required(scopes)
    if kind == "CONSOLE":
        return OK if public_read else required(("observe", "admin"))
    if kind == "REG":
        if registration == "open":
            return gated(("admin", "attach"))
        return required(("admin",) if registration == "disabled" else ("admin", "attach"))
    if kind == "ATTACH":
        return gated(("attach",)) if registration == "open" else required(("attach",))
    raise AssertionError(f"unknown auth class {spec_class!r}")


def declared_routes() -> list[tuple[str, str]]:
    return sorted((method, pattern) for pattern, methods in ROUTES.items() for method in methods)


def test_every_declared_route_has_the_spec_class():
    problems = []
    for method, pattern in declared_routes():
        route = ROUTES[pattern][method]
        spec = SPEC_ROUTE_CLASSES.get((method, pattern))
        if spec is None:
            problems.append(f"{method} {pattern}: declared as {route.auth} but missing from route_classes.py")
        elif parse_class(spec) != (route.auth.kind, route.auth.scopes):
            problems.append(f"{method} {pattern}: declared {route.auth}, spec says {spec}")
    assert not problems, "\n".join(problems)


def test_core_api_routes_are_declared():
    missing = [f"{m} {p}" for m, p in REQUIRED_ROUTES if m not in ROUTES.get(p, {})]
    assert not missing, missing


def test_oracle_knows_every_spec_class():
    """Every (class, mode, credential) has an answer a client can see: success, 401 or 403 with its text."""
    allowed = {OK, FORBIDDEN, *UNAUTHORIZED.values()}
    for spec in SPEC_ROUTE_CLASSES.values():
        for name, mode in MODES.items():
            for credential in CREDENTIALS:
                outcome = expected(spec, mode, credential)
                assert outcome in allowed, (spec, name, credential, outcome)
    # Fixed points a client relies on, whatever the table says elsewhere.
    assert expected("REQ(admin)", MODES["bearer"], "anonymous") == (401, "authorization required")
    assert expected("REQ(admin)", MODES["bearer"], "observe") == (403, "forbidden")
    assert expected("REQ(admin)", MODES["bearer"], "malformed") == (401, "invalid authorization header")
    assert expected("REQ(admin)", MODES["none"], "anonymous") == OK
    assert expected("OPEN", MODES["bearer"], "invalid") == OK


def concrete_path(pattern: str) -> str:
    # Ids that exist nowhere: a request that passes auth then fails in the view without side effects.
    return re.sub(r"\{\w+\}", "nosuch", pattern)


def call(api, method: str, path: str, header: str | None):
    headers = {"Authorization": header} if header is not None else {}
    response = api.request(method, path, **headers)
    if getattr(response, "streaming", False):
        response.close()
        return response.status_code, ""
    try:
        error = response.json().get("error", "")
    except ValueError:
        error = ""
    return response.status_code, error


@pytest.mark.parametrize("mode_name", list(MODES))
def test_route_scope_matrix(api, configure, mode_name):
    mode = MODES[mode_name]
    configure(mode)
    AgentRegistration.objects.create(agent_id="matrix-agent", network_id="local", actor_uid="actor_x",
                                     actor_uri="molt://local/agents/matrix-agent",
                                     credential_key=agent_token_key(AGENT_TOKEN), created_at=now(), updated_at=now())
    failures = []
    for method, pattern in declared_routes():
        spec = SPEC_ROUTE_CLASSES.get((method, pattern))
        if spec is None:
            continue  # reported by test_every_declared_route_has_the_spec_class
        route = ROUTES[pattern][method]
        for credential, (header, _, _) in CREDENTIALS.items():
            want = expected(spec, mode, credential)
            label = f"{mode_name} {method} {pattern} as {credential}"
            if route.auth.kind in ("STREAM", "ATTACH") and want == OK:
                # Long-lived responses: check the auth decision itself instead of opening the stream.
                creds = RequestCredentials({"authorization": header} if header else {}, {}, pattern, {})
                try:
                    route.auth.authenticate(state.auth_policy(), creds)
                except Exception as exc:  # noqa: BLE001 - reported below
                    failures.append(f"{label}: expected to pass auth, got {exc!r}")
                continue
            status, error = call(api, method, concrete_path(pattern), header)
            if want == OK:
                if status == 401 or (status == 403 and error in AUTH_TEXTS):
                    failures.append(f"{label}: expected to pass auth, got {status} {error!r}")
            elif (status, error) != want:
                failures.append(f"{label}: expected {want}, got {(status, error)}")
    assert not failures, "\n".join(failures)
