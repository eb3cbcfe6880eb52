"""Rooms, members, threads, DMs, messages and artifacts: the conversation model of spec 01.

Owns the one send path (`rooms.send.do_send`), history queries and the conversation HTTP views.
Must not know about transports (WebSocket, SSE, relay): they call in, and learn about new
messages from the event log that the send path appends to in the same transaction.
"""
