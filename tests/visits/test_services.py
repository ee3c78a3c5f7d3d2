import datetime

import pytest
from auditlog.models import LogEntry
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from accounts.permissions import SYSTEM
from members.models import Member
from tests.factories import MemberFactory
from tests.visits.factories import ConcernFactory, PlannedVisitFactory
from visits import services
from visits.models import Concern, ConcernEvent, PlannedVisit, Visit
from visits.planning import cancel_for_departed

pytestmark = pytest.mark.django_db
Kind = PlannedVisit.Kind
State = Concern.State


@pytest.fixture
def member(branch, group):
    return MemberFactory(branch=branch, contact_group=group)


def test_recording_a_visit_closes_the_matching_planned_visit(liaison, member):
    today = timezone.localdate()
    planned = PlannedVisitFactory(
        member=member,
        kind=Kind.FESTIVAL,
        occasion="2026-mid_autumn",
        due_from=today - datetime.timedelta(days=3),
        due_by=today + datetime.timedelta(2),
    )
    visit = services.visit_record(actor=liaison, member=member, date=today, kind=Kind.FESTIVAL)
    planned.refresh_from_db()
    assert planned.status == PlannedVisit.Status.DONE
    assert visit.planned == planned
    assert list(visit.visitors.all()) == [liaison]
    assert visit.recorded_by == liaison


def test_any_visit_also_closes_the_open_routine_visit_whose_window_has_opened(liaison, member):
    today = timezone.localdate()
    routine = PlannedVisitFactory(member=member, due_from=today - datetime.timedelta(days=1))
    later = PlannedVisitFactory(
        member=member, occasion="routine-99", due_from=today + datetime.timedelta(days=9)
    )
    services.visit_record(actor=liaison, member=member, date=today, kind=Kind.BIRTHDAY)
    routine.refresh_from_db()
    later.refresh_from_db()
    assert routine.status == PlannedVisit.Status.DONE
    assert later.status == PlannedVisit.Status.DUE


def test_the_routine_visit_a_birthday_visit_closes_is_in_its_history(liaison, member):
    today = timezone.localdate()
    routine = PlannedVisitFactory(member=member, due_from=today - datetime.timedelta(days=1))
    services.visit_record(actor=liaison, member=member, date=today, kind=Kind.BIRTHDAY)
    changes = [entry.changes for entry in LogEntry.objects.get_for_object(routine)]
    assert any(change.get("status") == ["due", "done"] for change in changes)


def test_recording_with_a_concern_saves_both_or_neither(liaison, member):
    today = timezone.localdate()
    with pytest.raises(ValidationError):
        services.visit_record_with_concern(
            actor=liaison,
            member=member,
            date=today,
            kind=Kind.ROUTINE,
            concern_category="nope",
            concern_text="楼道灯坏了",
        )
    assert not Visit.objects.exists() and not Concern.objects.exists()
    visit = services.visit_record_with_concern(
        actor=liaison,
        member=member,
        date=today,
        kind=Kind.ROUTINE,
        concern_category="housing",
        concern_text="楼道灯坏了",
    )
    assert Concern.objects.get().visit == visit


def test_an_early_routine_visit_still_closes_the_next_routine_visit(liaison, member):
    today = timezone.localdate()
    routine = PlannedVisitFactory(member=member, due_from=today + datetime.timedelta(days=5))
    services.visit_record(actor=liaison, member=member, date=today, kind=Kind.ROUTINE)
    routine.refresh_from_db()
    assert routine.status == PlannedVisit.Status.DONE


def test_the_fulfilled_planned_visit_can_be_changed(liaison, member):
    today = timezone.localdate()
    first = PlannedVisitFactory(member=member, kind=Kind.BIRTHDAY, occasion="birthday-2026")
    second = PlannedVisitFactory(member=member, kind=Kind.FESTIVAL, occasion="2026-double_ninth")
    visit = services.visit_record(actor=liaison, member=member, date=today, kind=Kind.BIRTHDAY)
    services.visit_change_planned(actor=liaison, visit=visit, planned=second)
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, second.status) == (PlannedVisit.Status.DUE, PlannedVisit.Status.DONE)


def test_a_visit_in_the_future_is_refused_and_nothing_is_saved(liaison, member):
    with pytest.raises(ValidationError) as error:
        services.visit_record(
            actor=liaison, member=member, date=timezone.localdate() + datetime.timedelta(1), kind=Kind.ROUTINE
        )
    assert "date" in error.value.message_dict
    assert not Visit.objects.exists()


def test_a_member_user_or_stranger_may_not_record_a_visit(member_user, stranger, member):
    for actor in (member_user, stranger):
        with pytest.raises(PermissionDenied):
            services.visit_record(actor=actor, member=member, date=timezone.localdate(), kind=Kind.ROUTINE)
    assert not Visit.objects.exists()


def test_cancelling_needs_a_reason(liaison, member):
    planned = PlannedVisitFactory(member=member)
    with pytest.raises(ValidationError):
        services.planned_visit_cancel(actor=liaison, planned=planned, reason="  ")
    services.planned_visit_cancel(actor=liaison, planned=planned, reason="住院期间家属谢绝探望")
    planned.refresh_from_db()
    assert (planned.status, planned.cancel_reason) == (PlannedVisit.Status.CANCELLED, "住院期间家属谢绝探望")


def test_concern_goes_through_escalation_and_every_step_is_recorded(liaison, bureau, member):
    concern = services.concern_raise(
        actor=liaison, member=member, category=Concern.Category.PENSION, text="取暖补贴未到账"
    )
    services.concern_escalate(actor=liaison, concern=concern, comment="支部无法解决，上报局党委")
    services.concern_bureau_reply(actor=bureau, concern=concern, comment="已协调财务处，下月补发")
    services.concern_close(actor=liaison, concern=concern, comment="已向本人反馈")
    concern.refresh_from_db()
    assert concern.state == State.CLOSED
    assert concern.escalated_at is not None
    events = list(ConcernEvent.objects.filter(concern=concern).values_list("from_state", "to_state", "actor"))
    assert events == [
        ("", State.OPEN, liaison.pk),
        (State.OPEN, State.ESCALATED, liaison.pk),
        (State.ESCALATED, State.BUREAU_REPLIED, bureau.pk),
        (State.BUREAU_REPLIED, State.CLOSED, liaison.pk),
    ]


@pytest.mark.parametrize(
    ("start", "target"),
    [
        ("open", "closed"),
        ("open", "bureau_replied"),
        ("closed", "open"),
        ("escalated", "closed"),
        ("answered", "bureau_replied"),
    ],
)
def test_illegal_concern_transitions_are_rejected_with_a_clear_message(liaison, member, start, target):
    concern = ConcernFactory(member=member)
    Concern.objects.filter(pk=concern.pk).update(state=start)
    with pytest.raises(ValidationError) as error:
        services.concern_transition(actor=liaison, concern=concern, to_state=target, comment="试一下")
    assert error.value.code == "illegal_transition"
    message = error.value.messages[0]
    assert str(State(start).label) in message and str(State(target).label) in message
    concern.refresh_from_db()
    assert concern.state == start
    assert concern.events.count() == 1


def test_only_the_bureau_answers_an_escalation_and_only_the_branch_answers_a_concern(liaison, bureau, member):
    concern = ConcernFactory(member=member)
    with pytest.raises(PermissionDenied):
        services.concern_answer(actor=bureau, concern=concern, comment="答复")
    services.concern_escalate(actor=liaison, concern=concern, comment="上报")
    with pytest.raises(PermissionDenied):
        services.concern_bureau_reply(actor=liaison, concern=concern, comment="自己答复")
    concern.refresh_from_db()
    assert concern.state == State.ESCALATED


def test_a_state_change_needs_a_comment(liaison, member):
    concern = ConcernFactory(member=member)
    with pytest.raises(ValidationError) as error:
        services.concern_answer(actor=liaison, concern=concern, comment=" ")
    assert "comment" in error.value.message_dict
    concern.refresh_from_db()
    assert concern.state == State.OPEN


def test_no_actor_is_refused_and_the_system_actor_records_nobody(member):
    today = timezone.localdate()
    with pytest.raises(PermissionDenied):
        services.visit_record(actor=None, member=member, date=today, kind=Kind.ROUTINE)
    visit = services.visit_record(actor=SYSTEM, member=member, date=today, kind=Kind.ROUTINE)
    assert visit.recorded_by is None and not visit.visitors.exists()


def test_the_planner_cancels_a_departed_members_visit_in_its_history(member):
    planned = PlannedVisitFactory(member=member)
    Member.objects.filter(pk=member.pk).update(
        status=Member.Status.DECEASED, status_changed_on=timezone.localdate()
    )
    assert cancel_for_departed() == 1
    changes = [entry.changes for entry in LogEntry.objects.get_for_object(planned)]
    assert any(change.get("status") == ["due", "cancelled"] for change in changes)
