"""`python manage.py moltnet_node [path]`: the node supervisor (same as `moltnet node start [path]`)."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from moltnet.cli.node import node
from moltnet.gocompat.flags import CliError


class Command(BaseCommand):
    help = "Run the Moltnet node: one /v1/attach attachment per agent in a MoltnetNode file."
    requires_system_checks: list = []
    requires_migrations_checks = False

    def add_arguments(self, parser) -> None:
        parser.add_argument("path", nargs="?", help="MoltnetNode file (default: discovery)")

    def handle(self, *args, path: str | None = None, **options) -> None:
        try:
            node(["start", path] if path else ["start"])
        except CliError as exc:
            raise CommandError(str(exc)) from None
        except KeyboardInterrupt:
            return  # a signal before the event loop took over is still a clean stop (docs/protocol/node.md §12.5)
