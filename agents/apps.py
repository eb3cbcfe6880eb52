from django.apps import AppConfig


class AgentsConfig(AppConfig):
    name = "agents"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Imported at Django set-up, not at module level: agents.auth reads agents.models, which
        # needs the app registry ready (Django's rule for AppConfig modules), not to dodge a cycle.
        from agents.auth import AuthPolicy
        from moltnet import state

        state.register_policy_factory(AuthPolicy.from_config)
