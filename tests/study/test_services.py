import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from accounts.permissions import SYSTEM
from study import services
from study.models import Attendance, StudyActivity, StudyPlan
from tests.factories import BranchFactory, MemberFactory
from tests.study.factories import StudyActivityFactory


@pytest.mark.parametrize(
    ("year", "month", "weekday", "week", "expected"),
    [
        (2026, 12, 1, 2, datetime.date(2026, 12, 8)),  # 1 December 2026 is a Tuesday
        (2026, 9, 1, 2, datetime.date(2026, 9, 8)),
        (2026, 3, 1, 2, datetime.date(2026, 3, 10)),
        (2026, 3, 4, -1, datetime.date(2026, 3, 27)),
    ],
)
def test_monthly_study_date_finds_the_nth_weekday(year, month, weekday, week, expected):
    assert services.monthly_study_date(year, month, weekday=weekday, week=week) == expected


def _plan(secretary, branch):
    themes = {m: f"{m}月主题" for m in range(1, 13)}
    return services.plan_save(
        actor=secretary,
        branch=branch,
        year=2026,
        themes=themes,
        week=2,
        weekday=1,
        starts_at=datetime.time(9, 30),
        ends_at=datetime.time(11, 30),
        place="活动中心",
    )


def test_plan_generates_twelve_second_tuesdays_at_half_past_nine(secretary, branch):
    plan = _plan(secretary, branch)
    created = services.plan_generate(actor=secretary, plan=plan, today=datetime.date(2026, 1, 1))
    assert len(created) == 12
    days = list(StudyActivity.objects.filter(plan=plan).order_by("date"))
    assert [d.date.month for d in days] == list(range(1, 13))
    assert all(d.date.weekday() == 1 and 8 <= d.date.day <= 14 for d in days)
    assert {d.starts_at for d in days} == {datetime.time(9, 30)}
    assert days[2].theme == "3月主题"
    assert list(days[0].branches.all()) == [branch]


def test_generating_again_keeps_a_moved_day_and_adds_nothing(secretary, branch):
    plan = _plan(secretary, branch)
    services.plan_generate(actor=secretary, plan=plan, today=datetime.date(2026, 1, 1))
    march = StudyActivity.objects.get(plan=plan, plan_month=3)
    services.activity_update(actor=secretary, activity=march, date=datetime.date(2026, 3, 12))
    again = services.plan_generate(actor=secretary, plan=plan, today=datetime.date(2026, 1, 1))
    march.refresh_from_db()
    assert again == []
    assert march.date == datetime.date(2026, 3, 12)
    assert StudyActivity.objects.filter(plan=plan).count() == 12


def test_plan_theme_change_reaches_days_not_yet_held_only(secretary, branch):
    plan = _plan(secretary, branch)
    services.plan_generate(actor=secretary, plan=plan, today=datetime.date(2026, 1, 1))
    themes = dict.fromkeys(range(1, 13), "新主题")
    services.plan_save(actor=secretary, branch=branch, year=2026, themes=themes)
    services.plan_generate(actor=secretary, plan=plan, today=datetime.date(2026, 6, 1))
    assert StudyActivity.objects.get(plan=plan, plan_month=5).theme == "5月主题"
    assert StudyActivity.objects.get(plan=plan, plan_month=7).theme == "新主题"


def test_member_cannot_save_a_plan(member_user, branch):
    with pytest.raises(PermissionDenied):
        services.plan_save(actor=member_user, branch=branch, year=2026, themes={})
    assert not StudyPlan.objects.exists()


def test_joint_activity_cannot_include_a_branch_of_another_bureau(secretary, branch, other_branch):
    with pytest.raises(ValidationError):
        StudyActivityFactory(organiser=branch, branches=[other_branch])


def test_activity_must_end_after_it_starts(secretary, branch):
    with pytest.raises(ValidationError):
        services.activity_create(
            actor=secretary,
            organiser=branch,
            theme="x",
            date=datetime.date(2026, 1, 1),
            starts_at=datetime.time(10),
            ends_at=datetime.time(9),
        )


def test_marking_twice_updates_the_one_record(liaison, activity, group, branch):
    member = MemberFactory(branch=branch)
    services.attendance_mark(actor=liaison, activity=activity, member=member, status="leave", reason=" 住院 ")
    services.attendance_mark(actor=liaison, activity=activity, member=member, status="present", reason="x")
    record = Attendance.objects.get(activity=activity, member=member)
    assert record.status == "present"
    assert record.reason == ""
    assert record.recorded_by == liaison


def test_attendance_refused_for_a_member_of_a_branch_not_taking_part(secretary, activity):
    outsider = MemberFactory(branch=BranchFactory(bureau=activity.organiser.bureau))
    with pytest.raises(PermissionDenied):
        services.attendance_mark(actor=SYSTEM, activity=activity, member=outsider, status="present")
    assert not Attendance.objects.exists()


def test_secretary_of_a_joint_branch_marks_own_members_only(joint, neighbour, neighbour_secretary, branch):
    theirs, ours = MemberFactory(branch=neighbour), MemberFactory(branch=branch)
    services.attendance_mark(actor=neighbour_secretary, activity=joint, member=theirs, status="online")
    with pytest.raises(PermissionDenied):
        services.attendance_mark(actor=neighbour_secretary, activity=joint, member=ours, status="present")
    assert list(Attendance.objects.values_list("member_id", flat=True)) == [theirs.pk]


def test_makeup_recorded_for_a_missed_day_and_not_before_it(liaison, activity, branch):
    member = MemberFactory(branch=branch)
    record = services.attendance_mark(actor=liaison, activity=activity, member=member, status="absent")
    with pytest.raises(ValidationError):
        services.attendance_record_makeup(actor=liaison, attendance=record, on=datetime.date(2026, 12, 1))
    record.refresh_from_db()
    assert record.makeup_on is None
    past = StudyActivityFactory(organiser=branch, date=datetime.date(2025, 3, 11))
    missed = services.attendance_mark(
        actor=liaison, activity=past, member=member, status="leave", reason="看病"
    )
    services.attendance_record_makeup(
        actor=liaison, attendance=missed, on=datetime.date(2025, 3, 20), note="入户补学"
    )
    missed.refresh_from_db()
    assert missed.makeup_on == datetime.date(2025, 3, 20)
    assert missed.makeup_note == "入户补学"


def test_makeup_refused_for_a_member_who_came(liaison, branch):
    past = StudyActivityFactory(organiser=branch, date=datetime.date(2025, 3, 11))
    record = services.attendance_mark(
        actor=liaison, activity=past, member=MemberFactory(branch=branch), status="present"
    )
    with pytest.raises(ValidationError):
        services.attendance_record_makeup(actor=liaison, attendance=record, on=datetime.date(2025, 3, 20))
    record.refresh_from_db()
    assert record.makeup_on is None


def test_regenerated_calendar_token_replaces_the_old(member_user):
    first = services.calendar_token_regenerate(user=member_user).token
    second = services.calendar_token_regenerate(user=member_user).token
    member_user.calendar_token.refresh_from_db()
    assert first != second
    assert member_user.calendar_token.token == second


def test_attendance_and_moves_are_recorded_in_the_audit_log(liaison, activity, branch):
    from auditlog.models import LogEntry

    record = services.attendance_mark(
        actor=liaison, activity=activity, member=MemberFactory(branch=branch), status="absent"
    )
    services.activity_update(actor=SYSTEM, activity=activity, date=datetime.date(2026, 12, 9))
    assert LogEntry.objects.get_for_object(record).exists()
    updates = LogEntry.objects.get_for_object(activity).filter(action=LogEntry.Action.UPDATE)
    moves = [e for e in updates if "date" in e.changes_dict]
    assert [m.changes_dict["date"][1] for m in moves] == ["2026-12-09"]
