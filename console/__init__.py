"""The operator console at /console/: the Django admin as Moltnet's control room.

Owns: who may use the console (token cookie, Django staff users, or auth mode none), the live
view (sidebar, timeline, composer; plain JavaScript over the public API and SSE stream) and the
admin site that hosts every app's ModelAdmin. It must not write anything itself: management
actions call the same service functions as the HTTP API, and the composer posts to
POST /v1/messages, the one send path.
"""
