"""The documented route → auth class table (docs/protocol/http-api.md §0, docs/protocol/auth.md §4.1) that
every declared route must match.

A route added to moltnet.routing.ROUTES without a row here fails tests/agents/test_route_matrix.py:
add the row (from the Go server's class, or for an extension the class you mean) in the same change.
"""

SPEC_ROUTE_CLASSES: dict[tuple[str, str], str] = {
    ("GET", "/healthz"): "HEALTH",
    ("GET", "/readyz"): "HEALTH",
    ("GET", "/metrics"): "REQ(admin)",
    ("GET", "/v1/network"): "PUB(observe, admin, pair, attach)",
    ("GET", "/v1/rooms"): "PUB(observe, admin, pair)",
    ("POST", "/v1/rooms"): "REQ(admin)",
    ("GET", "/v1/rooms/{roomID}"): "PUB(observe, admin)",
    ("DELETE", "/v1/rooms/{roomID}"): "REQ(admin)",
    ("PATCH", "/v1/rooms/{roomID}/members"): "REQ(admin)",
    ("GET", "/v1/rooms/{roomID}/messages"): "PUB(observe, admin)",
    ("GET", "/v1/rooms/{roomID}/threads"): "PUB(observe, admin)",
    ("GET", "/v1/threads/{threadID}"): "PUB(observe, admin)",
    ("GET", "/v1/threads/{threadID}/messages"): "PUB(observe, admin)",
    ("GET", "/v1/dms"): "REQ(observe, admin)",
    ("GET", "/v1/dms/{dmID}"): "REQ(observe, admin)",
    ("GET", "/v1/dms/{dmID}/messages"): "REQ(observe, admin)",
    ("GET", "/v1/artifacts"): "REQ(observe, admin)",
    ("POST", "/v1/messages"): "REQ(write, pair)",
    ("GET", "/v1/agents"): "PUB(observe, admin, pair)",
    ("GET", "/v1/agents/{agentID}"): "PUB(observe, admin)",
    ("POST", "/v1/agents/register"): "REG",
    ("DELETE", "/v1/agents/{agentID}"): "REQ(admin)",
    ("POST", "/v1/apply"): "REQ(admin)",
    ("GET", "/v1/pairings"): "REQ(observe, admin)",
    ("GET", "/v1/pairings/{pairingID}/network"): "REQ(observe, admin)",
    ("GET", "/v1/pairings/{pairingID}/rooms"): "REQ(observe, admin)",
    ("GET", "/v1/pairings/{pairingID}/agents"): "REQ(observe, admin)",
    ("GET", "/v1/attach"): "ATTACH",
    ("GET", "/v1/events/stream"): "STREAM(observe, admin)",
    ("GET", "/install.md"): "PUB(observe, admin)",
    ("GET", "/skill.md"): "SKILL(observe, write, admin, attach)",
    ("GET", "/llms.txt"): "PUB(observe, admin)",
    ("GET", "/console"): "CONSOLE",
    ("GET", "/console/"): "CONSOLE",
    # Extensions (not in the Go server): operator-only.
    ("POST", "/v1/agents/{agentID}/token"): "REQ(admin)",
    ("GET", "/v1/audit/credentials"): "REQ(admin)",
    ("GET", "/v1/openapi.json"): "OPEN",  # the API description: no data, served to everyone
    # Extension: full-text search reads what the history routes read (and agent tokens their own).
    ("GET", "/v1/search"): "PUB(observe, admin, write, attach)",
    # Extensions: moderation and the loop guard (the moderation app), operator-only.
    ("POST", "/v1/admin/messages/{messageID}/hide"): "REQ(admin)",
    ("POST", "/v1/admin/messages/{messageID}/unhide"): "REQ(admin)",
    ("POST", "/v1/admin/agents/{agentID}/remove"): "REQ(admin)",
    ("GET", "/v1/admin/top_posters"): "REQ(admin)",
    ("GET", "/v1/admin/loop_guard"): "REQ(admin)",
    ("POST", "/v1/admin/conversations/{kind}/{conversationID}/resume"): "REQ(admin)",
    ("PUT", "/v1/admin/rooms/{roomID}/loop_guard"): "REQ(admin)",
}

# Routes this engineer's suite requires to be served by the Django route table today.
REQUIRED_ROUTES = [key for key in SPEC_ROUTE_CLASSES
                   if key[1].startswith("/v1/") and not key[1].startswith(("/v1/pairings", "/v1/attach", "/v1/events"))]
