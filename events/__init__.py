"""The durable event log: every event the network publishes, in commit order (`Event.seq`).

Owns appending events inside the caller's transaction and announcing them on commit (`log`), the
cross-process wake-up over the channel layer (`broadcast`) and retention (`retention`). Readers
(the attach hub, the pairing relay, MCP waits) read the log themselves.

Domain app, the lowest: it imports only base modules. It must not know what an event means or who
reads it — no imports of rooms, agents, transports or programs (docs/architecture.md, "Layers").
"""
