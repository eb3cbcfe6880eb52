"""SQLite: new messages are indexed in bulk behind the send path, and before every search (search.backlog)."""

from django.db import migrations

from search.index import defer_sqlite_indexing, index_in_the_send


class Migration(migrations.Migration):
    dependencies = [("search", "0001_search_index")]

    operations = [migrations.RunPython(defer_sqlite_indexing, index_in_the_send)]
