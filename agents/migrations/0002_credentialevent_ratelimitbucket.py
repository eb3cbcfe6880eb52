"""Our own tables (the Go server has neither): the credential audit trail and rate-limit windows."""

import moltnet.fields
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('agents', '0001_initial'),
    ]

    operations = [
        migrations.CreateModel(
            name='CredentialEvent',
            fields=[
                ('id', models.BigAutoField(primary_key=True, serialize=False)),
                ('kind', models.CharField(choices=[('agent.registered', 'agent.registered'), ('agent.adopted', 'agent.adopted'), ('agent.rebound', 'agent.rebound'), ('agent.token_rotated', 'agent.token_rotated'), ('agent.removed', 'agent.removed'), ('auth.failures', 'auth.failures')], max_length=32)),
                ('agent_id', models.TextField(blank=True, default='')),
                ('credential', models.TextField(blank=True, default='')),
                ('remote_addr', models.CharField(blank=True, default='', max_length=64)),
                ('detail', models.TextField(blank=True, default='')),
                ('created_at', moltnet.fields.SortableDateTimeField()),
            ],
            options={
                'verbose_name': 'credential event',
                'db_table': 'credential_events',
                'ordering': ['-id'],
            },
        ),
        migrations.CreateModel(
            name='RateLimitBucket',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('kind', models.CharField(max_length=32)),
                ('remote_addr', models.CharField(max_length=64)),
                ('window_start', models.BigIntegerField()),
                ('count', models.IntegerField(default=0)),
            ],
            options={
                'db_table': 'rate_limit_buckets',
                'constraints': [models.UniqueConstraint(fields=('kind', 'remote_addr', 'window_start'), name='rate_limit_bucket_unique')],
            },
        ),
    ]
