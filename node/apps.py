from django.apps import AppConfig


class NodeConfig(AppConfig):
    name = "node"
    default_auto_field = "django.db.models.BigAutoField"
