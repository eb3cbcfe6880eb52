"""The full-text index over messages (see search.index), built for the messages already stored."""

from django.db import migrations

from search.index import build, drop


class Migration(migrations.Migration):
    dependencies = [("rooms", "0003_message_hidden")]

    operations = [migrations.RunPython(build, drop)]
