"""Identity columns become text, as in Go's schema: a generated agent id is not length-capped
(spec 01 §9.2) and a credential key embeds a configured token id of any length."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('agents', '0002_credentialevent_ratelimitbucket'),
    ]

    operations = [
        migrations.AlterField(
            model_name='agentregistration',
            name='agent_id',
            field=models.TextField(primary_key=True, serialize=False),
        ),
        migrations.AlterField(
            model_name='agentregistration',
            name='network_id',
            field=models.TextField(),
        ),
        migrations.AlterField(
            model_name='agentregistration',
            name='actor_uri',
            field=models.TextField(),
        ),
        migrations.AlterField(
            model_name='agentregistration',
            name='credential_key',
            field=models.TextField(db_index=True),
        ),
        migrations.AlterField(
            model_name='credentialevent',
            name='agent_id',
            field=models.TextField(blank=True, default=''),
        ),
        migrations.AlterField(
            model_name='credentialevent',
            name='credential',
            field=models.TextField(blank=True, default=''),
        ),
    ]
