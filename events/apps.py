from django.apps import AppConfig


class EventsConfig(AppConfig):
    name = "events"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Imported at Django set-up, not at module level: these modules read the app's models, which
        # need the app registry ready (Django's rule for AppConfig modules), not to dodge a cycle.
        from events import log
        from moltnet import dbworkers

        # Every batch of sends appends events: take the append lock once per batch.
        dbworkers.on_batch_start(log.lock_appends)
