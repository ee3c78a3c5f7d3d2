"""seed_bench at a tiny size: the counts the benchmark relies on, idempotence and --reset."""

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from accounts.models import BranchRole, User
from members.models import CarePeriod, ContactGroup, HealthRecord, Member
from members.services import name_pinyin, stored_categories
from org.models import Branch
from tooling.bench.base import ADMIN_USERNAME, BUREAU_NAME, committee_username

pytestmark = pytest.mark.django_db

SIZE = {"branches": 2, "members_per_branch": 5}


def seed(**options):
    call_command("seed_bench", **{**SIZE, **options}, stdout=open("/dev/null", "w"))  # noqa: SIM115


def test_builds_the_roster_of_the_requested_size():
    seed()
    assert Branch.objects.filter(bureau__name=BUREAU_NAME).count() == 2
    assert Member.objects.filter(branch__bureau__name=BUREAU_NAME).count() == 10
    assert HealthRecord.objects.filter(member__branch__bureau__name=BUREAU_NAME).count() == 10
    assert ContactGroup.objects.filter(branch__bureau__name=BUREAU_NAME).count() == 12
    committee = User.objects.get(username=committee_username(1))
    assert BranchRole.objects.get(user=committee).role == BranchRole.Role.COMMITTEE
    assert User.objects.get(username=ADMIN_USERNAME).is_superuser


def test_members_carry_pinyin_and_the_care_periods_the_services_would_open():
    seed()
    for member in Member.objects.select_related("health"):
        assert (member.name_pinyin, member.name_initials) == name_pinyin(member.name)
        open_periods = set(
            CarePeriod.objects.filter(member=member, ended_on__isnull=True).values_list("category", flat=True)
        )
        assert open_periods == stored_categories(member, member.health)


def test_study_days_have_attendance_of_active_members_only():
    from study.models import Attendance, StudyActivity
    from tooling.bench import study

    seed()
    assert StudyActivity.objects.count() == 2 * (study.MONTHS_BACK + 1 + study.MONTHS_AHEAD)
    past = StudyActivity.objects.filter(date__lt=timezone.localdate())
    active = {b.pk: b.members.filter(status="active").count() for b in Branch.objects.all()}
    assert Attendance.objects.count() == sum(active[a.organiser_id] for a in past)
    assert not Attendance.objects.exclude(member__status="active").exists()
    assert not Attendance.objects.filter(activity__date__gte=timezone.localdate()).exists()
    assert all([a.organiser_id] == [b.pk for b in a.branches.all()] for a in StudyActivity.objects.all())


def test_visits_span_five_years_and_the_planned_ones_are_consistent():
    from tooling.bench import visits
    from visits.models import Concern, ConcernEvent, PlannedVisit, Visit

    seed()
    today = timezone.localdate()
    assert Visit.objects.count() >= 10 * 5 * 2  # every member at least twice a year
    first = Visit.objects.order_by("date").first().date
    assert (today - first).days > 365 * (visits.YEARS - 1)
    assert not Visit.objects.filter(date__gte=today).exists()
    assert all(v.visitors.exists() for v in Visit.objects.prefetch_related("visitors"))
    done = PlannedVisit.objects.filter(status="done")
    assert done.count() == Visit.objects.filter(planned__isnull=False).count() > 0
    active = Member.objects.filter(status="active")
    assert PlannedVisit.objects.filter(status="due", kind="routine").count() == active.count()
    assert not PlannedVisit.objects.filter(status="due").exclude(member__in=active).exists()
    for concern in Concern.objects.all():
        events = list(ConcernEvent.objects.filter(concern=concern).order_by("at"))
        assert (events[-1].to_state if events else "open") == concern.state


def test_concerns_were_last_updated_at_their_last_event_not_at_seeding():
    from visits.models import Concern

    seed()
    concerns = list(Concern.objects.prefetch_related("events"))
    assert concerns
    for concern in concerns:
        events = sorted(concern.events.all(), key=lambda event: event.at)
        assert concern.updated_at.date() == (events[-1].at.date() if events else concern.raised_on)


def test_the_real_planner_finds_the_seeded_routine_visits_where_it_would_put_them():
    from visits.models import PlannedVisit
    from visits.planning import plan_visits

    seed()
    routine = set(
        PlannedVisit.objects.filter(kind="routine", status="due").values_list("pk", "due_from", "due_by")
    )
    result = plan_visits()
    assert (result.reassigned, result.tightened) == (0, 0)
    assert set(
        PlannedVisit.objects.filter(kind="routine", status="due").values_list("pk", "due_from", "due_by")
    ) == (routine)


def test_dues_have_rates_and_gap_free_receipts_per_branch_and_year():
    from dues.models import DuesRate, Payment, WorkPlanItem
    from dues.money import dues_for_pension

    seed()
    assert set(DuesRate.objects.values_list("member_id", flat=True)) == set(
        Member.objects.values_list("pk", flat=True)
    )
    assert all(r.rule_amount == dues_for_pension(r.monthly_pension) for r in DuesRate.objects.all())
    for branch_id, year in Payment.objects.values_list("branch_id", "year").distinct():
        numbers = sorted(
            Payment.objects.filter(branch_id=branch_id, year=year).values_list("receipt_no", flat=True)
        )
        assert numbers == list(range(1, len(numbers) + 1))
    assert not Payment.objects.filter(paid_on__gt=timezone.localdate()).exists()
    assert WorkPlanItem.objects.filter(year=timezone.localdate().year + 1).count() == 2 * 5


def test_notices_are_numbered_and_reach_every_active_member_by_sms():
    from notifications.models import Message, Notice
    from tooling.bench import notifications

    seed()
    assert Notice.objects.count() == 2 * notifications.MONTHS
    for branch_id, year in Notice.objects.values_list("branch_id", "year").distinct():
        numbers = sorted(
            Notice.objects.filter(branch_id=branch_id, year=year).values_list("number", flat=True)
        )
        assert numbers == list(range(1, len(numbers) + 1))
    notice = Notice.objects.order_by("-sent_at").first()
    assert notice.sent_at < timezone.now()
    active = Member.objects.filter(branch=notice.branch, status="active")
    messages = Message.objects.filter(notice=notice)
    assert set(messages.values_list("member_id", flat=True)) >= set(active.values_list("pk", flat=True))
    message = messages.select_related("member").first()
    assert message.to == message.member.phone.as_e164
    assert message.member.name in message.body and "{" not in message.body


def test_running_again_adds_nothing():
    seed()
    counts = (Member.objects.count(), CarePeriod.objects.count(), User.objects.count())
    seed()
    assert (Member.objects.count(), CarePeriod.objects.count(), User.objects.count()) == counts


def test_a_section_seeded_later_first_clears_what_the_benchmark_left_of_it():
    from visits.models import PlannedVisit, Visit
    from visits.planning import plan_visits

    seed()
    # As after a run of `make bench` before the visits section existed: planner rows, no visits.
    Visit.objects.all().delete()
    PlannedVisit.objects.all().delete()
    plan_visits()
    seed()
    assert Visit.objects.exists()
    assert (
        PlannedVisit.objects.filter(status="due", kind="routine").count() == Member.objects.active().count()
    )


def test_another_size_is_refused_without_reset():
    seed()
    with pytest.raises(CommandError, match="--reset"):
        seed(branches=3)


def test_reset_rebuilds_at_the_new_size_and_leaves_other_bureaus_alone(branch, secretary):
    seed()
    seed(branches=3, reset=True)
    assert Member.objects.filter(branch__bureau__name=BUREAU_NAME).count() == 15
    assert Branch.objects.filter(pk=branch.pk).exists()
    assert User.objects.filter(pk=secretary.pk).exists()
    assert User.objects.filter(username=ADMIN_USERNAME).count() == 1
