from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class StudyConfig(AppConfig):
    name = "study"
    verbose_name = _("Study")

    def ready(self) -> None:
        from auditlog.registry import auditlog

        from .models import Attendance, InterestGroup, StudyActivity, StudyMaterial, StudyPlan, StudyPlanMonth

        auditlog.register(StudyActivity, m2m_fields={"branches"})
        auditlog.register(StudyMaterial)
        auditlog.register(InterestGroup, m2m_fields={"members"})
        auditlog.register(Attendance)
        auditlog.register(StudyPlan)
        auditlog.register(StudyPlanMonth)
