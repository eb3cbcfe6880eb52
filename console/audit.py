"""What the console records about management actions besides the events the services emit.

Services already append their events (room.created, agent.removed, …) and credential changes
to the audit trail; this adds one log line per admin action naming who did it, and Django's
LogEntry when the operator is a real Django user (token sessions have no user row).
"""

from __future__ import annotations

import logging

from django.contrib.admin.models import ADDITION, CHANGE, DELETION, LogEntry
from django.http import HttpRequest

from console import access

log = logging.getLogger("moltnet.console")
FLAGS = {"add": ADDITION, "change": CHANGE, "delete": DELETION}


def record(request: HttpRequest, action: str, obj, message) -> None:
    who = access.resolve(request).who or "unknown"
    log.info("console %s %s %s by %s", action, obj._meta.model_name, obj.pk, who)
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        LogEntry.objects.log_actions(
            user_id=user.pk, queryset=[obj], action_flag=FLAGS[action],
            change_message=message or "", single_object=True,
        )
