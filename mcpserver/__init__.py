"""The MCP server: Moltnet's conversation tools for model runtimes, over two transports.

Owns the tool definitions (names, descriptions, input schemas, which scopes see which tool) and
their two backends: in-process behind `/mcp` (streamable HTTP, the caller's bearer token, the
same route views and send path as the HTTP API) and over the HTTP API for `moltnet mcp` (stdio,
a client of a remote server). The top transport: it may import the other transports and the domain
apps, never a program. It must not reach into another app's tables: reads and writes go through the
route views (so visibility and errors are the API's), and waiting reads the durable event log
through the attach hub.
"""
