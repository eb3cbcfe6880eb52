"""`python manage.py runserver`: the same network as `moltnet start`, for local development.

Daphne's runserver (ASGI, WebSockets) with two additions: the default address comes from
`server.listen_addr` (port; loopback host), and storage is prepared — single-writer lock,
migrations, declared rooms and bindings — in the serving process before it listens.
"""

from __future__ import annotations

from daphne.management.commands.runserver import Command as DaphneRunserver
from django.conf import settings
from django.core.management.base import CommandError

from moltnet.config import ConfigError


class Command(DaphneRunserver):
    help = "Serve this Moltnet network for development (migrations and declared state are applied first)."

    def handle(self, *args, **options):
        port = settings.MOLTNET.listen_addr.rpartition(":")[2]
        if port.isdigit():
            self.default_port = port
        super().handle(*args, **options)

    def inner_run(self, *args, **options):
        # Runs in the serving process (the autoreloader's child), which must own the SQLite lock.
        from moltnet.startup import prepare_server

        try:
            prepare_server(settings.MOLTNET)
        except ConfigError as exc:
            raise CommandError(str(exc)) from None
        return super().inner_run(*args, **options)
