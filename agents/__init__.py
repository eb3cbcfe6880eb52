"""Identity and authorization: credentials, route auth classes, agent registrations and ownership,
sender checks, token rotation, rate limits and the credential audit trail.

Must not: store or log a token value (only digests and `token:<id>` keys), or let a view read
credentials itself — routes declare an auth class in moltnet.routing and receive a Caller.
"""
