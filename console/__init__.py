"""The operator console at /console/: the Django admin as Moltnet's control room.

Owns: who may use the console (token cookie, Django staff users, or auth mode none), the live
view (sidebar, timeline, composer; plain JavaScript over the public API and SSE stream) and the
admin site that hosts every app's ModelAdmin. A transport above `attach` (its stream reuses the SSE
consumer) and the domain apps; it must not write anything itself: management actions call the same
service functions as the HTTP API, and the composer posts to POST /v1/messages, the one send path.
"""
