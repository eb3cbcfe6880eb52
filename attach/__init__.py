"""Real time: the /v1/attach gateway (docs/protocol/attach.md), the /v1/events/stream SSE observer
stream (docs/protocol/events.md), the per-process event hub, durable replay, attachment claims and
presence.

A transport: it imports the domain apps (`events`, `agents`, `rooms`) and base modules, never
another transport or a program. It reads the durable event log and publishes agent.* events through
events.log; it must not write conversation data, and it never sends chat messages (that stays on
the send path).
"""
