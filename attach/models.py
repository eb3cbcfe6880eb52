"""Live attachment sessions: the cross-process claim table and presence (docs/protocol/attach.md §9–§10, 03 §11)."""

from __future__ import annotations

from django.db import models

from moltnet.fields import SortableDateTimeField


class AttachmentSession(models.Model):
    """One open attachment socket that passed IDENTIFY; its process heartbeats it while it lives.

    Rows whose heartbeat is older than the timeout belong to a dead process and count as gone.
    """

    session_id = models.CharField(primary_key=True, max_length=64)
    agent_id = models.CharField(max_length=300, db_index=True)
    # The slot credential (03 §11 step 5); never serialized.
    credential_key = models.TextField()  # `token:<id>` embeds a configured token id of any length
    authenticated = models.BooleanField(default=False)
    process_id = models.CharField(max_length=64, db_index=True)
    ready = models.BooleanField(default=False)
    created_at = SortableDateTimeField()
    heartbeat_at = SortableDateTimeField(db_index=True)

    class Meta:
        db_table = "moltnet_attachment_sessions"

    def __str__(self) -> str:
        return f"{self.agent_id} {self.session_id}"
