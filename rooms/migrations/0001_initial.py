"""Go's conversation tables as its schema v8 has them (spec 04 §7.4).

Only Go's tables are in this initial migration: on a database a Go server created, start-up's
`migrate --fake-initial` records it as applied because the tables exist.
"""

import django.db.models.deletion
import moltnet.fields
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
    ]

    operations = [
        migrations.CreateModel(
            name='DirectConversation',
            fields=[
                ('dm_id', models.TextField(primary_key=True, serialize=False)),
                ('network_id', models.TextField()),
                ('fqid', models.TextField()),
                ('message_count', models.IntegerField(default=0)),
                ('last_message_at', moltnet.fields.SortableDateTimeField()),
            ],
            options={
                'verbose_name': 'direct conversation',
                'db_table': 'dm_conversations',
            },
        ),
        migrations.CreateModel(
            name='DirectParticipant',
            fields=[
                ('pk', models.CompositePrimaryKey('dm_id', 'participant_id', blank=True, editable=False, primary_key=True, serialize=False)),
                ('participant_id', models.TextField()),
                ('dm', models.ForeignKey(db_column='dm_id', db_index=False, on_delete=django.db.models.deletion.DB_CASCADE, related_name='participants', to='rooms.directconversation')),
            ],
            options={
                'db_table': 'dm_participants',
            },
        ),
        migrations.CreateModel(
            name='Message',
            fields=[
                ('id', models.TextField(primary_key=True, serialize=False)),
                ('network_id', models.TextField()),
                ('target_kind', models.TextField()),
                ('room_id', models.TextField(blank=True, null=True)),
                ('thread_id', models.TextField(blank=True, null=True)),
                ('parent_message_id', models.TextField(blank=True, null=True)),
                ('dm_id', models.TextField(blank=True, null=True)),
                ('target_json', models.TextField()),
                ('from_json', models.TextField()),
                ('parts_json', models.TextField()),
                ('mentions_json', models.TextField(default='null')),
                ('origin_json', models.TextField(db_default='{}', default='{}')),
                ('created_at', moltnet.fields.SortableDateTimeField()),
            ],
            options={
                'db_table': 'messages',
                'indexes': [models.Index(fields=['room_id', 'created_at', 'id'], name='idx_messages_room'), models.Index(fields=['thread_id', 'created_at', 'id'], name='idx_messages_thread'), models.Index(fields=['dm_id', 'created_at', 'id'], name='idx_messages_dm'), models.Index(fields=['created_at', 'id'], name='idx_messages_created')],
            },
        ),
        migrations.CreateModel(
            name='Room',
            fields=[
                ('id', models.TextField(primary_key=True, serialize=False)),
                ('network_id', models.TextField()),
                ('fqid', models.TextField()),
                ('name', models.TextField()),
                ('created_at', moltnet.fields.SortableDateTimeField()),
                ('deleted_at', moltnet.fields.SortableDateTimeField(blank=True, null=True)),
                ('visibility', models.TextField(db_default='private', default='private')),
                ('write_policy', models.TextField(db_default='members', default='members')),
            ],
            options={
                'db_table': 'rooms',
                'ordering': ['id'],
                'indexes': [models.Index(fields=['deleted_at'], name='idx_rooms_deleted_at')],
            },
        ),
        migrations.CreateModel(
            name='RoomMember',
            fields=[
                ('pk', models.CompositePrimaryKey('room_id', 'member_id', blank=True, editable=False, primary_key=True, serialize=False)),
                ('member_id', models.TextField()),
                ('room', models.ForeignKey(db_column='room_id', db_index=False, on_delete=django.db.models.deletion.DB_CASCADE, related_name='member_rows', to='rooms.room')),
            ],
            options={
                'db_table': 'room_members',
            },
        ),
        migrations.CreateModel(
            name='Thread',
            fields=[
                ('id', models.TextField(primary_key=True, serialize=False)),
                ('network_id', models.TextField()),
                ('fqid', models.TextField()),
                ('room_id', models.TextField()),
                ('parent_message_id', models.TextField(blank=True, default='')),
                ('message_count', models.IntegerField(default=0)),
                ('last_message_at', moltnet.fields.SortableDateTimeField()),
            ],
            options={
                'db_table': 'threads',
                'indexes': [models.Index(fields=['room_id', 'id'], name='idx_threads_room')],
            },
        ),
        migrations.CreateModel(
            name='Artifact',
            fields=[
                ('id', models.TextField(primary_key=True, serialize=False)),
                ('network_id', models.TextField()),
                ('fqid', models.TextField()),
                ('target_kind', models.TextField()),
                ('room_id', models.TextField(blank=True, null=True)),
                ('thread_id', models.TextField(blank=True, null=True)),
                ('dm_id', models.TextField(blank=True, null=True)),
                ('target_json', models.TextField()),
                ('part_index', models.IntegerField()),
                ('kind', models.TextField()),
                ('media_type', models.TextField(blank=True, null=True)),
                ('filename', models.TextField(blank=True, null=True)),
                ('url', models.TextField(blank=True, null=True)),
                ('created_at', moltnet.fields.SortableDateTimeField()),
                ('message', models.ForeignKey(db_column='message_id', db_index=False, on_delete=django.db.models.deletion.DB_CASCADE, related_name='artifacts', to='rooms.message')),
            ],
            options={
                'db_table': 'artifacts',
                'indexes': [models.Index(fields=['room_id', 'created_at', 'id'], name='idx_artifacts_room'), models.Index(fields=['thread_id', 'created_at', 'id'], name='idx_artifacts_thread'), models.Index(fields=['dm_id', 'created_at', 'id'], name='idx_artifacts_dm'), models.Index(fields=['created_at', 'id'], name='idx_artifacts_created')],
            },
        ),
    ]
