from django.apps import AppConfig


class PairingsConfig(AppConfig):
    name = "pairings"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Imported at Django set-up, not at module level: these modules read the app's models, which
        # need the app registry ready (Django's rule for AppConfig modules), not to dodge a cycle.
        from pairings import progress_metrics

        progress_metrics.register()
