"""Real time: the /v1/attach gateway, the /v1/events/stream SSE observer stream, the per-process
event hub, durable replay, attachment claims and presence.

It reads the durable event log (events app) and publishes agent.* events through events.log;
it must not write conversation data, and it never sends chat messages (that stays on the send path).
"""
