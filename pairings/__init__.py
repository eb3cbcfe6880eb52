"""Pairings: declared links to other Moltnet networks (docs/protocol/pairings.md).

Owns the runtime status of each pairing (kept in the database so every server process answers
the same), the outbound HTTP client, the discovery proxies, the durable relay that follows the
event log (`relay` per pairing, `worker` threads per process) and the record of messages
partners refused for good. Domain app: it imports `agents`, `events` and base modules, never
`rooms` directly, a transport or a program. It must not write messages itself (relayed-in messages
arrive through the ordinary send path) and must never expose a pairing token.
"""
