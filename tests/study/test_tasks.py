import datetime

from notifications.models import Message, ReminderSettings
from study.tasks import study_reminders_task
from tests.factories import MemberFactory
from tests.study.factories import StudyActivityFactory

TODAY = datetime.date(2026, 12, 7)


def _send(monkeypatch):
    monkeypatch.setattr("django.utils.timezone.localdate", lambda *a, **k: TODAY)
    return study_reminders_task()


def test_members_of_every_branch_taking_part_get_one_reminder_the_day_before(
    monkeypatch, branch, neighbour, django_capture_on_commit_callbacks
):
    ours, theirs = MemberFactory(branch=branch), MemberFactory(branch=neighbour)
    activity = StudyActivityFactory(
        organiser=branch, branches=[neighbour], date=TODAY + datetime.timedelta(days=1), theme="红歌曼舞"
    )
    StudyActivityFactory(organiser=branch, date=TODAY + datetime.timedelta(days=2))

    with django_capture_on_commit_callbacks():
        assert _send(monkeypatch) == 2
        assert _send(monkeypatch) == 0

    messages = Message.objects.filter(idempotency_key__startswith=f"study-eve:{activity.pk}:")
    assert {m.member for m in messages} == {ours, theirs}
    body = messages.get(member=ours).body
    assert "红歌曼舞" in body and "09:30" in body and ours.name in body


def test_a_branch_that_switched_the_reminder_off_gets_none(monkeypatch, branch):
    MemberFactory(branch=branch)
    StudyActivityFactory(organiser=branch, date=TODAY + datetime.timedelta(days=1))
    ReminderSettings.objects.update_or_create(branch=branch, defaults={"study_day_before": False})

    assert _send(monkeypatch) == 0
    assert not Message.objects.exists()


def test_a_committee_meeting_is_reminded_to_the_committee_only(
    monkeypatch, branch, django_capture_on_commit_callbacks
):
    from accounts.models import BranchRole
    from tests.factories import BranchRoleFactory, UserFactory

    on_committee = MemberFactory(branch=branch, user=UserFactory(username="weiyuan"))
    BranchRoleFactory(user=on_committee.user, branch=branch, role=BranchRole.Role.COMMITTEE)
    MemberFactory(branch=branch)
    StudyActivityFactory(
        organiser=branch, kind="committee_meeting", date=TODAY + datetime.timedelta(days=1), theme="支委会"
    )

    with django_capture_on_commit_callbacks():
        assert _send(monkeypatch) == 1

    assert [m.member for m in Message.objects.all()] == [on_committee]
