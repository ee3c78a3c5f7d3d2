from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "notifications"
    verbose_name = _("Notices and reminders")

    def ready(self) -> None:
        from auditlog.registry import auditlog

        from . import tasks  # noqa: F401  (registers the tasks the outbox publishes by name)
        from .models import Call

        # Who marked a call reached, and when, stays on record whatever is marked later.
        auditlog.register(Call, include_fields=["outcome", "attempts", "marked_by", "marked_at"])
