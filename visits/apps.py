from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class VisitsConfig(AppConfig):
    name = "visits"
    verbose_name = _("Visits and concerns")

    def ready(self) -> None:
        from auditlog.registry import auditlog

        from .models import Concern, ConcernEvent, PlannedVisit, Visit, VisitPolicy

        auditlog.register(VisitPolicy)
        auditlog.register(PlannedVisit)
        auditlog.register(Visit, m2m_fields={"visitors"})
        auditlog.register(Concern)
        auditlog.register(ConcernEvent)
