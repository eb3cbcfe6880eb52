from django.apps import AppConfig


class AttachConfig(AppConfig):
    name = "attach"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Imported at Django set-up, not at module level: attach.presence reads attach.models, which
        # needs the app registry ready (Django's rule for AppConfig modules), not to dodge a cycle.
        from agents import presence as agent_presence
        from attach import presence

        agent_presence.register(presence.connected_agent_ids, presence.clear_claims)
