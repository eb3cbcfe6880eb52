"""`python manage.py search_rebuild`: index every stored message again (after a manual SQLite VACUUM)."""

from __future__ import annotations

from django.core.management.base import BaseCommand
from django.db import connection, transaction

from search.index import rebuild


class Command(BaseCommand):
    help = "Rebuild the full-text search index from the stored messages (SQLite: needed after a manual VACUUM)."

    def handle(self, *args, **options) -> None:
        with transaction.atomic():
            count = rebuild(connection)
        self.stdout.write(f"search index: {count} messages indexed")
