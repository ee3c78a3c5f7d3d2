"""Givens the browser tests make for themselves, rather than relying on what other tests leave of the demo."""

import datetime

from django.utils import timezone

from accounts.permissions import SYSTEM
from members import services as members_services
from members.models import HealthRecord, Member
from visits.models import PlannedVisit, Visit
from visits.planning import plan_visits


def due_visit_for(liaison, branch) -> PlannedVisit:
    """Given: a member of the liaison's group, not due or visited lately, fell critically ill yesterday,
    so the planner owes them a hospital visit now (other browser tests record the demo's due visits)."""
    today = timezone.localdate()
    yesterday = today - datetime.timedelta(days=1)
    due_now = PlannedVisit.objects.open().filter(due_from__lte=today).values("member")
    seen_since = Visit.objects.filter(date__gte=yesterday).values("member")  # a visit then covers it
    member = (
        Member.objects.active()
        .filter(contact_group__leader=liaison)
        .exclude(health__condition=HealthRecord.Condition.CRITICAL)
        .exclude(pk__in=due_now)
        .exclude(pk__in=seen_since)
        .order_by("pk")
        .first()
    )
    critical = HealthRecord.Condition.CRITICAL
    members_services.member_update(actor=SYSTEM, member=member, on=yesterday, condition=critical)
    plan_visits(branch_ids=[branch.pk], today=today)
    hospital = PlannedVisit.objects.open().filter(kind=PlannedVisit.Kind.HOSPITAL, responsible=liaison)
    return hospital.get(member=member)
