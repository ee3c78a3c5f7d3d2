from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DuesConfig(AppConfig):
    name = "dues"
    verbose_name = _("Party dues")

    def ready(self) -> None:
        from auditlog.registry import auditlog

        from .models import DuesRate, Expenditure, Payment, WorkPlanItem

        # Pensions are personal: the history says the rate changed, not the pension it came from.
        auditlog.register(DuesRate, mask_fields=["monthly_pension"])
        auditlog.register(Payment)
        auditlog.register(Expenditure)
        auditlog.register(WorkPlanItem)
