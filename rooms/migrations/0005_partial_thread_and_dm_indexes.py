"""The thread and DM indexes of messages leave out rows without a thread or DM id.

A room message has neither, and indexing its NULLs cost every send's commit two more pages;
queries for one thread or DM (`thread_id = x`) use the partial indexes as before.
"""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("rooms", "0004_loop_guard"),
    ]

    operations = [
        migrations.RemoveIndex(model_name="message", name="idx_messages_thread"),
        migrations.RemoveIndex(model_name="message", name="idx_messages_dm"),
        migrations.AddIndex(
            model_name="message",
            index=models.Index(condition=models.Q(thread_id__isnull=False), fields=["thread_id", "created_at", "id"],
                               name="idx_messages_thread"),
        ),
        migrations.AddIndex(
            model_name="message",
            index=models.Index(condition=models.Q(dm_id__isnull=False), fields=["dm_id", "created_at", "id"],
                               name="idx_messages_dm"),
        ),
    ]
