from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class VisitsConfig(AppConfig):
    name = "visits"
    verbose_name = _("Visits and concerns")

    def ready(self) -> None:
        from auditlog.registry import auditlog

        from members import care_events

        from .care import care_changed
        from .models import Concern, ConcernEvent, Escalation, PlannedVisit, Visit, VisitPolicy

        # Admissions, critical illness and deaths act in the member edit's own transaction.
        care_events.register(care_changed)

        auditlog.register(VisitPolicy)
        auditlog.register(PlannedVisit)
        auditlog.register(Visit, m2m_fields={"visitors"})
        auditlog.register(Concern)
        auditlog.register(ConcernEvent)
        auditlog.register(Escalation)
