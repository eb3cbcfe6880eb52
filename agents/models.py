"""Agent registrations: the durable binding of an agent id to a credential identity key."""

from __future__ import annotations

from django.db import models

from moltnet.fields import SortableDateTimeField


class AgentRegistration(models.Model):
    agent_id = models.CharField(primary_key=True, max_length=300)
    network_id = models.CharField(max_length=255)
    actor_uid = models.CharField(max_length=64)
    actor_uri = models.CharField(max_length=600)
    display_name = models.TextField(null=True, blank=True)
    # `token:<id>`, `agent-token:<sha256 hex>` or `anonymous`; never serialized (spec 03 §14).
    credential_key = models.CharField(max_length=128, db_index=True)
    created_at = SortableDateTimeField()
    updated_at = SortableDateTimeField()

    class Meta:
        db_table = "agents"
        ordering = ["agent_id"]
        verbose_name = "agent"

    def __str__(self) -> str:
        return self.agent_id
