from django.apps import AppConfig


class SearchConfig(AppConfig):
    name = "search"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from moltnet import dbworkers  # here: apps import before their models are ready
        from search.backlog import work_off_backlog

        dbworkers.on_idle(work_off_backlog)
