"""The client side shared by both programs, the `moltnet` CLI and the node.

Owns the client config file (`clientconfig`), the HTTP client that speaks the API (`httpclient`)
and the Moltnet skill files (`skillfiles`). Below both programs and above nothing of the server:
it imports only base modules, so the node reaches the server through the wire alone.
"""
