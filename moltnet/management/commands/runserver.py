"""`python manage.py runserver`: the same network as `moltnet start`, for local development.

Daphne's runserver (ASGI, WebSockets) with three additions: the default address comes from
`server.listen_addr` (port; loopback host); storage is prepared — single-writer lock,
migrations, declared rooms and bindings — in the serving process before it listens; and the
same background work as `moltnet start` runs there (the pairing relay workers). With the
autoreloader, only the child that serves runs `inner_run`, so nothing starts twice.
"""

from __future__ import annotations

from daphne.management.commands.runserver import Command as DaphneRunserver
from django.conf import settings
from django.core.management.base import CommandError

from moltnet.config import ConfigError
from moltnet.startup import prepare_server
from pairings.worker import start_background


class Command(DaphneRunserver):
    help = "Serve this Moltnet network for development (migrations and declared state are applied first)."

    def handle(self, *args, **options):
        port = settings.MOLTNET.listen_addr.rpartition(":")[2]
        if port.isdigit():
            self.default_port = port
        super().handle(*args, **options)

    def inner_run(self, *args, **options):
        # Runs in the serving process (the autoreloader's child), which must own the SQLite lock.

        try:
            prepare_server(settings.MOLTNET)
            start_background(settings.MOLTNET)  # pairing relay workers, as in `moltnet start`; stopped at exit
        except ConfigError as exc:
            raise CommandError(str(exc)) from None
        return super().inner_run(*args, **options)
