"""Go's `agents` table (Go schema migrations 5 and 6, spec 04 §7.4).

Only Go's table is in this initial migration: on a database a Go server created, start-up's
`migrate --fake-initial` records it as applied because the table exists.
"""

import moltnet.fields
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
    ]

    operations = [
        migrations.CreateModel(
            name='AgentRegistration',
            fields=[
                ('agent_id', models.TextField(primary_key=True, serialize=False)),
                ('network_id', models.TextField()),
                ('actor_uid', models.TextField()),
                ('actor_uri', models.TextField()),
                ('display_name', models.TextField(blank=True, null=True)),
                ('credential_key', models.TextField()),
                ('created_at', moltnet.fields.SortableDateTimeField()),
                ('updated_at', moltnet.fields.SortableDateTimeField()),
            ],
            options={
                'verbose_name': 'agent',
                'db_table': 'agents',
                'ordering': ['agent_id'],
                'indexes': [models.Index(fields=['credential_key'], name='idx_agents_credential_key')],
            },
        ),
    ]
