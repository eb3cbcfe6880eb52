"""Go's migration bookkeeping: `schema_migrations` with Go's versions 1..8 (spec 04 §7.4).

After the tables exist (ours or a Go server's), so a Go server on this database runs nothing,
and a database an older Go server made gets the Go migrations it lacks.
"""

from django.db import migrations

from moltnet.gocompat.schema import sync_go_migrations


class Migration(migrations.Migration):

    dependencies = [
        ('rooms', '0001_initial'),
        ('agents', '0001_initial'),
    ]

    operations = [
        migrations.RunPython(sync_go_migrations, migrations.RunPython.noop, elidable=False),
    ]
