"""Conversation storage: rooms, members, threads, DMs, messages and their artifacts.

Table and column names follow the Go server's schema (spec 04 §7.4).
"""

from __future__ import annotations

from django.db import models

from moltnet.fields import SortableDateTimeField


class Room(models.Model):
    id = models.CharField(primary_key=True, max_length=128)
    network_id = models.CharField(max_length=255)
    fqid = models.CharField(max_length=512)
    name = models.TextField()
    created_at = SortableDateTimeField()
    deleted_at = SortableDateTimeField(null=True, blank=True, db_index=True)
    visibility = models.CharField(max_length=16, default="private")
    write_policy = models.CharField(max_length=32, default="members")

    class Meta:
        db_table = "rooms"
        ordering = ["id"]

    def __str__(self) -> str:
        return self.id

    @property
    def removed(self) -> bool:
        return self.deleted_at is not None


class RoomMember(models.Model):
    room = models.ForeignKey(Room, on_delete=models.CASCADE, related_name="member_rows", db_column="room_id")
    member_id = models.CharField(max_length=512)

    class Meta:
        db_table = "room_members"
        constraints = [models.UniqueConstraint(fields=["room", "member_id"], name="room_members_pk")]

    def __str__(self) -> str:
        return self.member_id


class Thread(models.Model):
    id = models.CharField(primary_key=True, max_length=128)
    network_id = models.CharField(max_length=255)
    fqid = models.CharField(max_length=512)
    room_id = models.CharField(max_length=128)
    parent_message_id = models.CharField(max_length=128, blank=True, default="")
    message_count = models.IntegerField(default=0)
    last_message_at = SortableDateTimeField()

    class Meta:
        db_table = "threads"
        indexes = [models.Index(fields=["room_id", "id"], name="threads_room_idx")]

    def __str__(self) -> str:
        return self.id


class DirectConversation(models.Model):
    dm_id = models.CharField(primary_key=True, max_length=128)
    network_id = models.CharField(max_length=255)
    fqid = models.CharField(max_length=512)
    message_count = models.IntegerField(default=0)
    last_message_at = SortableDateTimeField()

    class Meta:
        db_table = "dm_conversations"
        verbose_name = "direct conversation"

    def __str__(self) -> str:
        return self.dm_id


class DirectParticipant(models.Model):
    dm = models.ForeignKey(DirectConversation, on_delete=models.CASCADE, related_name="participants",
                           db_column="dm_id")
    participant_id = models.CharField(max_length=512)

    class Meta:
        db_table = "dm_participants"
        constraints = [models.UniqueConstraint(fields=["dm", "participant_id"], name="dm_participants_pk")]


class Message(models.Model):
    id = models.CharField(primary_key=True, max_length=128)
    network_id = models.CharField(max_length=255)
    target_kind = models.CharField(max_length=16)
    room_id = models.CharField(max_length=128, null=True, blank=True)
    thread_id = models.CharField(max_length=128, null=True, blank=True)
    parent_message_id = models.CharField(max_length=128, null=True, blank=True)
    dm_id = models.CharField(max_length=128, null=True, blank=True)
    target_json = models.TextField()
    from_json = models.TextField()
    parts_json = models.TextField()
    mentions_json = models.TextField(default="null")
    origin_json = models.TextField(default="{}")
    created_at = SortableDateTimeField()

    class Meta:
        db_table = "messages"
        indexes = [
            models.Index(fields=["room_id", "created_at", "id"], name="messages_room_idx"),
            models.Index(fields=["thread_id", "created_at", "id"], name="messages_thread_idx"),
            models.Index(fields=["dm_id", "created_at", "id"], name="messages_dm_idx"),
            models.Index(fields=["created_at", "id"], name="messages_time_idx"),
        ]

    def __str__(self) -> str:
        return self.id


class Artifact(models.Model):
    id = models.CharField(primary_key=True, max_length=300)
    network_id = models.CharField(max_length=255)
    fqid = models.CharField(max_length=700)
    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="artifacts", db_column="message_id")
    target_kind = models.CharField(max_length=16)
    room_id = models.CharField(max_length=128, null=True, blank=True)
    thread_id = models.CharField(max_length=128, null=True, blank=True)
    dm_id = models.CharField(max_length=128, null=True, blank=True)
    target_json = models.TextField()
    part_index = models.IntegerField()
    kind = models.TextField()
    media_type = models.TextField(null=True, blank=True)
    filename = models.TextField(null=True, blank=True)
    url = models.TextField(null=True, blank=True)
    created_at = SortableDateTimeField()

    class Meta:
        db_table = "artifacts"
        indexes = [
            models.Index(fields=["room_id", "created_at", "id"], name="artifacts_room_idx"),
            models.Index(fields=["thread_id", "created_at", "id"], name="artifacts_thread_idx"),
            models.Index(fields=["dm_id", "created_at", "id"], name="artifacts_dm_idx"),
            models.Index(fields=["created_at", "id"], name="artifacts_time_idx"),
        ]
