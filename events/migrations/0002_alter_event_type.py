"""The index on Event.type goes: every send paid for it at commit, and no reader needs it.

The column stays as it is. Django would drop a db_index on SQLite by copying the whole event log
into a new table, so the index is dropped by name instead.
"""

from django.db import migrations, models


def _type_field(apps):
    model = apps.get_model("events", "Event")
    return model, model._meta.get_field("type")


def drop_type_indexes(apps, schema_editor):
    model, field = _type_field(apps)
    for name in schema_editor._constraint_names(model, [field.column], index=True, unique=False,
                                                primary_key=False):
        schema_editor.execute(schema_editor._delete_index_sql(model, name))


def create_type_indexes(apps, schema_editor):
    model, field = _type_field(apps)
    indexed = models.CharField(max_length=128, db_index=True)
    indexed.set_attributes_from_name("type")
    indexed.model = model
    schema_editor.execute(schema_editor._create_index_sql(model, fields=[indexed]))
    like = getattr(schema_editor, "_create_like_index_sql", lambda *_: None)(model, indexed)
    if like is not None:
        schema_editor.execute(like)


class Migration(migrations.Migration):

    dependencies = [
        ("events", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(model_name="event", name="type", field=models.CharField(max_length=128)),
            ],
            database_operations=[migrations.RunPython(drop_type_indexes, create_type_indexes)],
        ),
    ]
