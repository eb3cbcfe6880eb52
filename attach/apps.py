from django.apps import AppConfig


class AttachConfig(AppConfig):
    name = "attach"
    default_auto_field = "django.db.models.BigAutoField"
