"""Rooms, members, threads, DMs, messages and artifacts: the conversation model
(docs/protocol/model.md).

Owns the one send path (`rooms.send.do_send`), history queries, mentions, the loop guard and the
conversation HTTP views; and, because they read or change memberships, the agent directory and
agent removal (`rooms.roster`, `rooms.directory`) and POST /v1/apply (`rooms.apply`).
Domain app: it imports `agents`, `events` and base modules only.
Must not know about transports (WebSocket, SSE, relay, MCP): they call in, and learn about new
messages from the event log that the send path appends to in the same transaction.
"""
