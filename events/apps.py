from django.apps import AppConfig


class EventsConfig(AppConfig):
    name = "events"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from events import log
        from moltnet import dbworkers

        # Every batch of sends appends events: take the append lock once per batch.
        dbworkers.on_batch_start(log.lock_appends)
