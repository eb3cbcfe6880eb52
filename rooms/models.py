"""Conversation storage: rooms, members, threads, DMs, messages and their artifacts.

Tables, columns, keys, indexes and database defaults are the Go server's schema (docs/protocol/config.md §7.4),
so a Go server can run on the tables these migrations make, and these models on a Go server's.
"""

from __future__ import annotations

from django.db import models

from moltnet.fields import SortableDateTimeField


class Room(models.Model):
    id = models.TextField(primary_key=True)
    network_id = models.TextField()
    fqid = models.TextField()
    name = models.TextField()
    created_at = SortableDateTimeField()
    deleted_at = SortableDateTimeField(null=True, blank=True)
    # Database defaults too: a Go server before schema v8 inserts rooms without these columns.
    visibility = models.TextField(default="private", db_default="private")
    write_policy = models.TextField(default="members", db_default="members")

    class Meta:
        db_table = "rooms"
        ordering = ["id"]
        indexes = [models.Index(fields=["deleted_at"], name="idx_rooms_deleted_at")]

    def __str__(self) -> str:
        return self.id

    @property
    def removed(self) -> bool:
        return self.deleted_at is not None


class RoomMember(models.Model):
    pk = models.CompositePrimaryKey("room_id", "member_id")
    room = models.ForeignKey(Room, on_delete=models.DB_CASCADE, related_name="member_rows", db_column="room_id",
                             db_index=False)
    member_id = models.TextField()

    class Meta:
        db_table = "room_members"

    def __str__(self) -> str:
        return self.member_id


class Thread(models.Model):
    id = models.TextField(primary_key=True)
    network_id = models.TextField()
    fqid = models.TextField()
    room_id = models.TextField()
    parent_message_id = models.TextField(blank=True, default="")
    message_count = models.IntegerField(default=0)
    last_message_at = SortableDateTimeField()

    class Meta:
        db_table = "threads"
        indexes = [models.Index(fields=["room_id", "id"], name="idx_threads_room")]

    def __str__(self) -> str:
        return self.id


class DirectConversation(models.Model):
    dm_id = models.TextField(primary_key=True)
    network_id = models.TextField()
    fqid = models.TextField()
    message_count = models.IntegerField(default=0)
    last_message_at = SortableDateTimeField()

    class Meta:
        db_table = "dm_conversations"
        verbose_name = "direct conversation"

    def __str__(self) -> str:
        return self.dm_id


class DirectParticipant(models.Model):
    pk = models.CompositePrimaryKey("dm_id", "participant_id")
    dm = models.ForeignKey(DirectConversation, on_delete=models.DB_CASCADE, related_name="participants",
                           db_column="dm_id", db_index=False)
    participant_id = models.TextField()

    class Meta:
        db_table = "dm_participants"

    def __str__(self) -> str:
        return self.participant_id


class Message(models.Model):
    id = models.TextField(primary_key=True)
    network_id = models.TextField()
    target_kind = models.TextField()
    room_id = models.TextField(null=True, blank=True)
    thread_id = models.TextField(null=True, blank=True)
    parent_message_id = models.TextField(null=True, blank=True)
    dm_id = models.TextField(null=True, blank=True)
    target_json = models.TextField()
    from_json = models.TextField()
    parts_json = models.TextField()
    mentions_json = models.TextField(default="null")
    # Database default too: a Go server before schema v2 inserts messages without an origin.
    origin_json = models.TextField(default="{}", db_default="{}")
    created_at = SortableDateTimeField()
    # Ours, not Go's (a Go server on this database ignores them and shows hidden messages): a
    # moderator's soft hide keeps the row but leaves it out of history and replay for non-admins.
    hidden_at = SortableDateTimeField(null=True, blank=True)
    hidden_by = models.TextField(null=True, blank=True)
    # Ours too: True when the loop guard found the conversation over its agent hop budget (NULL otherwise).
    over_budget = models.BooleanField(null=True, blank=True)

    class Meta:
        db_table = "messages"
        indexes = [
            models.Index(fields=["hidden_at"], condition=models.Q(hidden_at__isnull=False),
                         name="idx_messages_hidden"),
            models.Index(fields=["room_id", "created_at", "id"], name="idx_messages_room"),
            # Partial: a room message (most of them) has no thread or DM id, and indexing its NULLs
            # cost every send's commit two more pages; `thread_id = x` reads still use these.
            models.Index(fields=["thread_id", "created_at", "id"], condition=models.Q(thread_id__isnull=False),
                         name="idx_messages_thread"),
            models.Index(fields=["dm_id", "created_at", "id"], condition=models.Q(dm_id__isnull=False),
                         name="idx_messages_dm"),
            models.Index(fields=["created_at", "id"], name="idx_messages_created"),
        ]

    def __str__(self) -> str:
        return self.id


class Artifact(models.Model):
    id = models.TextField(primary_key=True)
    network_id = models.TextField()
    fqid = models.TextField()
    message = models.ForeignKey(Message, on_delete=models.DB_CASCADE, related_name="artifacts",
                                db_column="message_id", db_index=False)
    target_kind = models.TextField()
    room_id = models.TextField(null=True, blank=True)
    thread_id = models.TextField(null=True, blank=True)
    dm_id = models.TextField(null=True, blank=True)
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
            models.Index(fields=["room_id", "created_at", "id"], name="idx_artifacts_room"),
            models.Index(fields=["thread_id", "created_at", "id"], name="idx_artifacts_thread"),
            models.Index(fields=["dm_id", "created_at", "id"], name="idx_artifacts_dm"),
            models.Index(fields=["created_at", "id"], name="idx_artifacts_created"),
        ]


class ConversationHops(models.Model):
    """The loop guard's counter (ours): consecutive agent-authored messages in one conversation.

    `key` is `room:<id>`, `thread:<id>` or `dm:<id>`. A human message deletes the row; an operator's
    resume too. `paused_at` is set when a message first goes over the budget.
    """

    key = models.TextField(primary_key=True)
    kind = models.TextField()
    room_id = models.TextField(blank=True, default="")
    hops = models.IntegerField(default=0)
    paused_at = SortableDateTimeField(null=True, blank=True)

    class Meta:
        db_table = "loop_guard_hops"
        verbose_name = "conversation hop counter"

    def __str__(self) -> str:
        return self.key


class RoomLoopGuard(models.Model):
    """A room's own hop budget (ours), overriding the network's `loop_guard.max_agent_hops`."""

    room_id = models.TextField(primary_key=True)
    max_agent_hops = models.IntegerField()

    class Meta:
        db_table = "loop_guard_rooms"
        verbose_name = "room loop guard"

    def __str__(self) -> str:
        return self.room_id
