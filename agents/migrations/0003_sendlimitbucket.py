"""The send-limit token buckets (our extension; the Go server has no send limits)."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('agents', '0002_credentialevent_ratelimitbucket'),
    ]

    operations = [
        migrations.CreateModel(
            name='SendLimitBucket',
            fields=[
                ('key', models.CharField(max_length=200, primary_key=True, serialize=False)),
                ('tokens', models.FloatField()),
                ('updated_at', models.FloatField()),
            ],
            options={
                'db_table': 'send_limit_buckets',
            },
        ),
    ]
