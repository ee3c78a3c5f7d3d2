import time

import pytest
from django.utils import timezone

from members import demo as members_demo
from visits import demo
from visits.models import Concern, PlannedVisit, Visit
from visits.selectors import (
    STALE_ESCALATION_DAYS,
    collective_birthdays,
    festival_progress,
    planned_visit_list,
    schedule_sections,
)

pytestmark = pytest.mark.django_db


def test_demo_fills_every_section_of_the_schedule_quickly():
    today = timezone.localdate()
    branch, _created = members_demo.seed(today)
    # CPU time, not wall time: helpers and CI share two cores, and waiting for them is not our cost.
    started = time.process_time()
    demo.seed(branch, today)
    assert time.process_time() - started < 10
    secretary = branch.roles.get(role="secretary").user
    schedule = schedule_sections(planned_visit_list(user=secretary), today)
    assert schedule.overdue and schedule.this_week and schedule.upcoming
    assert festival_progress(user=secretary, today=today)
    assert PlannedVisit.objects.filter(kind=PlannedVisit.Kind.HOSPITAL, status="due").exists()
    assert Visit.objects.filter(date__lt=today - timezone.timedelta(days=300)).exists()
    assert {c.state for c in Concern.objects.all()} >= {"open", "escalated", "bureau_replied", "closed"}
    assert isinstance(collective_birthdays(user=secretary, year=today.year), list)


def test_demo_concerns_tell_a_coherent_story():
    today = timezone.localdate()
    branch, _created = members_demo.seed(today)
    demo.seed(branch, today)
    now = timezone.now()

    for concern in Concern.objects.prefetch_related("events"):
        moments = [event.at for event in concern.events.order_by("pk")]
        assert moments == sorted(moments), concern
        assert timezone.localdate(moments[0]) == concern.raised_on
        assert moments[-1] <= now and concern.updated_at == moments[-1]
        if concern.escalated_at:
            assert timezone.localdate(concern.escalated_at) >= concern.raised_on
    stale = today - timezone.timedelta(days=STALE_ESCALATION_DAYS)
    assert Concern.objects.filter(state="escalated", escalated_at__date__lt=stale).exists()
