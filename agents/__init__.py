"""Identity and authorization: credentials, route auth classes, agent registrations and ownership,
sender checks, token rotation, rate limits, refusing ids by the operator's patterns and the credential
audit trail. Who is connected is asked of the transport through `agents.presence` (attach fills it).

Domain app, above `events` only: it imports `events` and base modules, never rooms, a transport or a
program. Must not: store or log a token value (only digests and `token:<id>` keys), or let a view read
credentials itself — routes declare an auth class in moltnet.routing and receive a Caller.
"""
