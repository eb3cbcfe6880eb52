from django.apps import AppConfig


class MoltnetConfig(AppConfig):
    name = "moltnet"
    verbose_name = "Moltnet"
