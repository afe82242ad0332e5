from django.apps import AppConfig


class RegistrationsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "registrations"
    verbose_name = "Registrations"

    def ready(self):
        from . import checks  # noqa: F401 - registers the deployment checks
