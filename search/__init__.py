"""Full-text search over message text and attachment file names (GET /v1/search).

Owns the search index (an FTS5 table kept by triggers on SQLite, a generated tsvector column on
Postgres), the query syntax, and the search service the HTTP view, the console and the MCP tool
call. Domain app above `rooms`: it reads the rooms app's tables and reuses its access checks; it
never writes messages and must not touch the send path (rooms.send, moltnet.leansql,
moltnet.dbworkers): the database keeps the index in the sender's transaction. No transport or
program is imported.
"""
