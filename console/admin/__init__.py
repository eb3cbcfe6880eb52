"""The console's admin pages for each app's models, registered on `console.site.console_site`.

They live in the console (a transport) rather than in each app's `admin.py`, so the domain apps
never import the console; Django's admin autodiscovery imports this package, and importing a
module here is what registers its pages.
"""

from console.admin import agents, events, pairings, rooms

__all__ = ["agents", "events", "pairings", "rooms"]
