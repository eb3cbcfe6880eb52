from django.apps import AppConfig


class AgentsConfig(AppConfig):
    name = "agents"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from agents.ratelimit import early_refusal
        from moltnet import hotpath

        if early_refusal not in hotpath.WRITE_GATES:  # a sender refused moments ago is refused before queueing
            hotpath.WRITE_GATES.append(early_refusal)
