from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MembersConfig(AppConfig):
    name = "members"
    verbose_name = _("Members")

    def ready(self) -> None:
        from auditlog.registry import auditlog

        from .models import CarePeriod, ContactGroup, FamilyProxy, HealthRecord, Member

        auditlog.register(Member)
        auditlog.register(CarePeriod)
        auditlog.register(ContactGroup)
        # Who may read a member's portal is part of the member's history.
        auditlog.register(FamilyProxy, exclude_fields=["user"])
        # Health values are sensitive: the history says a field changed, never to what.
        auditlog.register(HealthRecord, mask_fields=["condition", "mobility", "note", "place"])
