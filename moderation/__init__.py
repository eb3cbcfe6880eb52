"""Moderation (ours; the Go server has none): hiding messages, removing an agent and revoking its
credential in one action, and who posts most (registration refused by the operator's id patterns
is enforced by agents, where registration happens); plus the operator's loop-guard controls (resume, a room's budget).

Domain app above `rooms` and `agents`. Owns no tables: it writes `messages.hidden_at/hidden_by`
(rooms), the loop guard's tables through rooms.loopguard, and audit rows through agents.audit. It
must not touch the send path, and imports no transport or program (the console calls it).
"""
