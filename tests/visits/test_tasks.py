"""The visits app's automatic reminders: the Monday digest and the stale-escalation reminder, sent
through notifications.notify (outbox rows, delivered by the in-memory transport)."""

import datetime
import zoneinfo

import pytest

from accounts.models import BranchRole
from accounts.permissions import SYSTEM
from members.models import ContactGroup
from notifications.models import Message, ReminderSettings
from notifications.transports import locmem
from tests.factories import BranchRoleFactory, ContactGroupFactory, MemberFactory, UserFactory
from visits import services
from visits.models import PlannedVisit
from visits.tasks import stale_concern_reminders_task, visit_digest_task

from .factories import ConcernFactory, PlannedVisitFactory

pytestmark = pytest.mark.django_db

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
MONDAY = datetime.datetime(2026, 11, 23, 8, 30, tzinfo=SHANGHAI)  # ISO week 2026-W48
TODAY = MONDAY.date()
BODY = (
    "王组长同志：您的探望提醒——逾期1人（王建国），本周到期2人（李秀英、陈淑芬）。"
    "详见支部工作平台“探望安排”。第16党支部"
)


@pytest.fixture(autouse=True)
def locmem_backends(settings):
    settings.NOTIFICATIONS = {
        **settings.NOTIFICATIONS,
        "SMS_BACKEND": "notifications.transports.locmem.LocmemTransport",
        "WECHAT_BACKEND": "notifications.transports.locmem.LocmemTransport",
        "RATE_LIMIT_REDIS_URL": "",
    }
    locmem.outbox.clear()
    yield
    locmem.outbox.clear()


@pytest.fixture(autouse=True)
def eager_celery():
    """Messages dispatched on commit are delivered at once, in this process."""
    from branch_portal.celery import app

    previous = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = previous


@pytest.fixture
def clock(monkeypatch):
    """Everything reads the time through timezone.now(); it starts at Monday 08:30 Beijing time."""

    class Clock:
        now = MONDAY

        def set(self, moment):
            self.now = moment

    current = Clock()
    monkeypatch.setattr("django.utils.timezone.now", lambda: current.now)
    return current


@pytest.fixture
def leader(liaison):
    liaison.last_name, liaison.first_name, liaison.phone = "王", "组长", "+8613900000001"
    liaison.save(update_fields=["last_name", "first_name", "phone"])
    return liaison


@pytest.fixture
def deputy(branch):
    user = UserFactory(username="deputy-leader", last_name="赵", first_name="副组长", phone="+8613900000002")
    BranchRoleFactory(user=user, branch=branch, role=BranchRole.Role.LIAISON)
    return user


@pytest.fixture
def group(branch, leader, deputy):
    return ContactGroupFactory(branch=branch, number=1, leader=leader, deputy=deputy)


def plan(member, *, due_in: int, kind=PlannedVisit.Kind.ROUTINE):
    due_by = TODAY + datetime.timedelta(days=due_in)
    return PlannedVisitFactory(
        member=member, kind=kind, due_from=due_by - datetime.timedelta(days=5), due_by=due_by
    )


def run(task, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        return task()


def digests():
    return Message.objects.filter(idempotency_key__startswith="visit-digest:")


# ---- The Monday digest ----


def test_the_digest_counts_overdue_and_this_weeks_visits_with_a_few_names_and_no_health_content(
    branch, group, leader, clock, django_capture_on_commit_callbacks
):
    overdue = MemberFactory(branch=branch, contact_group=group, name="王建国")
    plan(overdue, due_in=-3)
    plan(overdue, due_in=2, kind=PlannedVisit.Kind.FESTIVAL)  # counted once, as overdue
    in_hospital = MemberFactory(branch=branch, contact_group=group, name="李秀英")
    plan(in_hospital, due_in=1, kind=PlannedVisit.Kind.HOSPITAL)
    sunday = MemberFactory(branch=branch, contact_group=group, name="陈淑芬")
    plan(sunday, due_in=6)
    plan(MemberFactory(branch=branch, contact_group=group, name="周下周"), due_in=7)
    other_leader = UserFactory(username="other-leader", phone="+8613900000009")
    other_group = ContactGroupFactory(branch=branch, number=2, leader=other_leader)
    plan(MemberFactory(branch=branch, contact_group=other_group, name="吴别组"), due_in=1)

    assert run(visit_digest_task, django_capture_on_commit_callbacks) == 2  # one per responsible leader

    mine = digests().get(user=leader)
    assert mine.idempotency_key == f"visit-digest:2026-W48:sms:user:{leader.pk}"
    assert mine.to == "+8613900000001"
    assert mine.body == BODY
    for absent in ("周下周", "吴别组", "住院", "ospital"):
        assert absent not in mine.body
    assert mine.status == Message.Status.SENT
    assert sorted(sent.to for sent in locmem.outbox) == ["+8613900000001", "+8613900000009"]


def test_the_digest_goes_to_the_deputy_while_the_leader_is_away(
    branch, group, leader, deputy, clock, django_capture_on_commit_callbacks
):
    plan(MemberFactory(branch=branch, contact_group=group, name="王建国"), due_in=-1)
    ContactGroup.objects.filter(pk=group.pk).update(leader_away=True)

    assert run(visit_digest_task, django_capture_on_commit_callbacks) == 1

    message = digests().get()
    assert (message.user, message.to) == (deputy, "+8613900000002")
    assert "王建国" in message.body
    assert [sent.to for sent in locmem.outbox] == ["+8613900000002"]


def test_only_the_first_names_are_listed_when_many_are_due(
    branch, group, leader, clock, django_capture_on_commit_callbacks
):
    for i in range(5):
        plan(MemberFactory(branch=branch, contact_group=group, name=f"成员{i}"), due_in=i)

    run(visit_digest_task, django_capture_on_commit_callbacks)

    body = digests().get().body
    assert [f"成员{i}" in body for i in range(5)] == [True, True, True, False, False]
    assert "本周到期5人（成员0、成员1、成员2等）" in body
    assert len(body) <= 134  # two SMS parts at most, with the signature


def test_the_digest_is_sent_once_a_week_however_often_it_runs(
    branch, group, leader, clock, django_capture_on_commit_callbacks
):
    plan(MemberFactory(branch=branch, contact_group=group), due_in=-1)

    assert run(visit_digest_task, django_capture_on_commit_callbacks) == 1
    clock.set(MONDAY + datetime.timedelta(hours=2))
    assert run(visit_digest_task, django_capture_on_commit_callbacks) == 0
    assert len(locmem.outbox) == 1

    clock.set(MONDAY + datetime.timedelta(days=7))
    assert run(visit_digest_task, django_capture_on_commit_callbacks) == 1
    assert sorted(digests().values_list("idempotency_key", flat=True)) == [
        f"visit-digest:2026-W48:sms:user:{leader.pk}",
        f"visit-digest:2026-W49:sms:user:{leader.pk}",
    ]


def test_a_branch_that_switched_the_digest_off_gets_none(
    branch, group, leader, clock, django_capture_on_commit_callbacks
):
    plan(MemberFactory(branch=branch, contact_group=group), due_in=-1)
    ReminderSettings.objects.create(branch=branch, visit_digest=False)

    assert run(visit_digest_task, django_capture_on_commit_callbacks) == 0
    assert not Message.objects.exists()
    assert locmem.outbox == []


def test_a_digest_written_in_quiet_hours_waits_until_eight(
    branch, group, leader, clock, django_capture_on_commit_callbacks
):
    plan(MemberFactory(branch=branch, contact_group=group), due_in=-1)
    clock.set(MONDAY.replace(hour=6, minute=45))

    assert run(visit_digest_task, django_capture_on_commit_callbacks) == 1

    message = digests().get()
    assert message.not_before == MONDAY.replace(hour=8, minute=0)
    assert message.status == Message.Status.QUEUED
    assert locmem.outbox == []


def test_nobody_without_open_visits_gets_a_digest(
    branch, group, leader, clock, django_capture_on_commit_callbacks
):
    done = plan(MemberFactory(branch=branch, contact_group=group), due_in=-1)
    PlannedVisit.objects.filter(pk=done.pk).update(status=PlannedVisit.Status.DONE)
    plan(MemberFactory(branch=branch, contact_group=group), due_in=10)

    assert run(visit_digest_task, django_capture_on_commit_callbacks) == 0
    assert not Message.objects.exists()


@pytest.mark.parametrize("members", [3, 30])
def test_the_digest_runs_a_bounded_number_of_queries(
    members, branch, group, leader, clock, django_assert_max_num_queries, django_capture_on_commit_callbacks
):
    for i in range(members):
        plan(MemberFactory(branch=branch, contact_group=group), due_in=i % 9 - 2)
    other_group = ContactGroupFactory(branch=branch, number=2, leader=UserFactory(phone="+8613900000009"))
    plan(MemberFactory(branch=branch, contact_group=other_group), due_in=1)

    with django_assert_max_num_queries(20):
        assert services.visit_digests_send(on=TODAY) == 2


# ---- Escalations unanswered for 30 days ----


@pytest.fixture
def deputy_secretary(branch):
    user = UserFactory(username="deputy-secretary", phone="+8613900000004")
    BranchRoleFactory(user=user, branch=branch, role=BranchRole.Role.DEPUTY)
    return user


@pytest.fixture
def secretary_with_phone(secretary):
    secretary.phone = "+8613900000003"
    secretary.save(update_fields=["phone"])
    return secretary


def escalate(member, *, days_ago: int, clock):
    clock.set(MONDAY - datetime.timedelta(days=days_ago))
    concern = ConcernFactory(member=member, text="楼道照明坏了，希望协调物业修理")
    concern = services.concern_escalate(actor=SYSTEM, concern=concern, comment="物业不答复，上报局党委")
    clock.set(MONDAY)
    return concern


def stale_reminders():
    return Message.objects.filter(idempotency_key__startswith="concern-stale:")


def test_an_escalation_unanswered_for_30_days_reminds_the_secretary_and_deputy_once(
    branch, other_branch, secretary_with_phone, deputy_secretary, clock, django_capture_on_commit_callbacks
):
    stale = escalate(MemberFactory(branch=branch, name="王建国"), days_ago=31, clock=clock)
    escalate(MemberFactory(branch=branch), days_ago=29, clock=clock)

    assert run(stale_concern_reminders_task, django_capture_on_commit_callbacks) == 2
    assert run(stale_concern_reminders_task, django_capture_on_commit_callbacks) == 0

    reminders = stale_reminders()
    assert {(m.user, m.to) for m in reminders} == {
        (secretary_with_phone, "+8613900000003"),
        (deputy_secretary, "+8613900000004"),
    }
    assert {m.idempotency_key.split(":sms:")[0] for m in reminders} == {f"concern-stale:{stale.pk}"}
    body = reminders.get(user=secretary_with_phone).body
    assert body == (
        f"{secretary_with_phone}同志：王建国同志的诉求（第{stale.pk}号）于2026年10月23日上报局党委，"
        "已30天未获答复，请跟进。第16党支部"
    )
    assert "楼道" not in body  # the concern's text stays in the portal
    assert sorted(sent.to for sent in locmem.outbox) == ["+8613900000003", "+8613900000004"]


def test_an_answered_escalation_reminds_nobody(
    branch, secretary_with_phone, clock, django_capture_on_commit_callbacks
):
    concern = escalate(MemberFactory(branch=branch), days_ago=40, clock=clock)
    services.concern_bureau_reply(actor=SYSTEM, concern=concern, comment="已协调物业，本周修复")

    assert run(stale_concern_reminders_task, django_capture_on_commit_callbacks) == 0
    assert not stale_reminders().exists()


def test_a_branch_that_switched_the_escalation_reminder_off_gets_none(
    branch, secretary_with_phone, clock, django_capture_on_commit_callbacks
):
    escalate(MemberFactory(branch=branch), days_ago=40, clock=clock)
    ReminderSettings.objects.create(branch=branch, concern_escalation=False)

    assert run(stale_concern_reminders_task, django_capture_on_commit_callbacks) == 0
    assert not Message.objects.exists()


@pytest.mark.parametrize("concerns", [3, 30])
def test_the_escalation_check_reads_a_bounded_number_of_queries_per_concern(
    concerns, branch, secretary_with_phone, clock, django_assert_max_num_queries
):
    for _i in range(concerns):
        escalate(MemberFactory(branch=branch), days_ago=35, clock=clock)

    # Two reads for all concerns and secretaries, then notify()'s few per concern (its outbox writes).
    with django_assert_max_num_queries(3 + 6 * concerns):
        assert services.stale_concern_reminders_send() == concerns


def test_the_reminders_are_on_the_beat_schedule(settings):
    from celery.schedules import crontab

    schedule = settings.CELERY_BEAT_SCHEDULE
    assert schedule["visits-weekly-digest"] == {
        "task": visit_digest_task.name,
        "schedule": crontab(day_of_week="mon", hour=8, minute=30),
    }
    assert schedule["visits-stale-concerns"] == {
        "task": stale_concern_reminders_task.name,
        "schedule": crontab(hour=9, minute=0),
    }
    assert schedule["visits-plan"]["schedule"] == crontab(minute=30)
    assert settings.CELERY_TIMEZONE == "Asia/Shanghai"
