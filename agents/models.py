"""Agent registrations: the durable binding of an agent id to a credential identity key."""

from __future__ import annotations

from django.db import models

from moltnet.fields import SortableDateTimeField


class AgentRegistration(models.Model):
    """Go's `agents` table (docs/protocol/config.md §7.4), column for column: text throughout, since generated ids
    are not length-capped (docs/protocol/model.md §9.2) and credential keys embed token ids of any length."""

    agent_id = models.TextField(primary_key=True)
    network_id = models.TextField()
    actor_uid = models.TextField()
    actor_uri = models.TextField()
    display_name = models.TextField(null=True, blank=True)
    # `token:<id>`, `agent-token:<sha256 hex>` or `anonymous`; never serialized (docs/protocol/auth.md §14).
    credential_key = models.TextField()
    created_at = SortableDateTimeField()
    updated_at = SortableDateTimeField()

    class Meta:
        db_table = "agents"
        ordering = ["agent_id"]
        verbose_name = "agent"
        indexes = [models.Index(fields=["credential_key"], name="idx_agents_credential_key")]

    def __str__(self) -> str:
        return self.agent_id


class CredentialEvent(models.Model):
    """Audit trail of credential changes and failed-authentication bursts (an extension).

    Never holds a secret: no token value, no token digest, no agent-token key. `credential`
    names only the kind of credential (`token:<configured id>`, `agent-token`, `anonymous`).
    """

    REGISTERED = "agent.registered"
    ADOPTED = "agent.adopted"
    REBOUND = "agent.rebound"
    TOKEN_ROTATED = "agent.token_rotated"
    REMOVED = "agent.removed"
    AUTH_FAILURES = "auth.failures"
    KINDS = (REGISTERED, ADOPTED, REBOUND, TOKEN_ROTATED, REMOVED, AUTH_FAILURES)
    # Moderation and loop-guard actions (the moderation app). Kept out of `choices`, which only
    # labels rows, so adding kinds needs no migration.
    MESSAGE_HIDDEN = "moderation.message_hidden"
    MESSAGE_UNHIDDEN = "moderation.message_unhidden"
    AGENT_BANNED = "moderation.agent_removed"
    REGISTRATION_REFUSED = "moderation.registration_refused"
    CONVERSATION_RESUMED = "loop_guard.resumed"
    ROOM_BUDGET_SET = "loop_guard.room_budget"
    MODERATION_KINDS = (MESSAGE_HIDDEN, MESSAGE_UNHIDDEN, AGENT_BANNED, REGISTRATION_REFUSED, CONVERSATION_RESUMED,
                        ROOM_BUDGET_SET)

    id = models.BigAutoField(primary_key=True)
    kind = models.CharField(max_length=32, choices=[(k, k) for k in KINDS])
    agent_id = models.TextField(blank=True, default="")
    credential = models.TextField(blank=True, default="")
    remote_addr = models.CharField(max_length=64, blank=True, default="")
    detail = models.TextField(blank=True, default="")
    created_at = SortableDateTimeField()

    class Meta:
        db_table = "credential_events"
        ordering = ["-id"]
        verbose_name = "credential event"

    def __str__(self) -> str:
        return f"{self.kind} {self.agent_id}".strip()


class RateLimitBucket(models.Model):
    """One fixed one-minute window of counted requests for a (kind, client address).

    Kept in the database so every server process sharing the store shares the limit.
    """

    kind = models.CharField(max_length=32)
    remote_addr = models.CharField(max_length=64)
    window_start = models.BigIntegerField()  # unix seconds, a multiple of the window length
    count = models.IntegerField(default=0)

    class Meta:
        db_table = "rate_limit_buckets"
        constraints = [models.UniqueConstraint(fields=["kind", "remote_addr", "window_start"],
                                               name="rate_limit_bucket_unique")]


class SendLimitBucket(models.Model):
    """The send-limit token bucket of one sender (`agent:<id>` or `addr:<client address>`).

    `tokens` is what was left at `updated_at` (unix seconds); it refills at the configured rate up
    to the burst. In the database so every server process sharing the store shares the limit.
    """

    key = models.CharField(max_length=200, primary_key=True)
    tokens = models.FloatField()
    updated_at = models.FloatField()

    class Meta:
        db_table = "send_limit_buckets"
