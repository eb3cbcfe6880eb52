"""The node: runs beside agent runtimes, keeps one /v1/attach attachment per agent and wakes the runtime.

It owns the MoltnetNode/bridge config, the attachment client, wake filtering and rendering, and the runtime
adapters (node/runtimes/). It must NOT import rooms/agents/events/attach or touch the database: it talks to
the server only over HTTP and WebSocket, exactly like the Go node, so it runs where no server database exists.
"""
