"""The overdue ladder: the holder, then the secretary, then the liaison officer, each step once."""

import datetime
import re
import zoneinfo

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import BranchRole
from accounts.permissions import SYSTEM
from members import services as member_services
from members.models import Member
from notifications.models import Channel, Message
from tests.factories import BranchRoleFactory, ContactGroupFactory, MemberFactory, UserFactory
from tests.visits.factories import PlannedVisitFactory
from visits import services
from visits.ladder import overdue_ladder_run
from visits.models import Escalation, PlannedVisit, VisitPolicy
from visits.tasks import overdue_ladder_task

pytestmark = pytest.mark.django_db
Step = Escalation.Step
TODAY = datetime.date(2026, 12, 10)
SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")


@pytest.fixture
def leader(branch):
    user = UserFactory(username="leader", last_name="李", first_name="组长", phone="+8613900000001")
    BranchRoleFactory(user=user, branch=branch, role=BranchRole.Role.COMMITTEE)
    return user


@pytest.fixture
def people(secretary, liaison, leader):
    for user, phone in ((secretary, "+8613900000002"), (liaison, "+8613900000003")):
        user.phone = phone
        user.save(update_fields=["phone"])
    return {"secretary": secretary, "liaison": liaison, "leader": leader}


@pytest.fixture
def member(branch, leader, people):
    group = ContactGroupFactory(branch=branch, number=2, leader=leader)
    return MemberFactory(branch=branch, contact_group=group, name="王秀英")


def overdue(member, days: int, kind=PlannedVisit.Kind.ROUTINE, occasion="routine-1"):
    due_by = TODAY - datetime.timedelta(days=days)
    return PlannedVisitFactory(
        member=member,
        kind=kind,
        occasion=occasion,
        due_from=due_by - datetime.timedelta(days=5),
        due_by=due_by,
        responsible=member.contact_group.leader,
    )


def steps(planned) -> list[str]:
    taken = Escalation.objects.filter(planned=planned).order_by("at", "id")
    return list(taken.values_list("step", flat=True))


def sms_to(user) -> list[str]:
    return list(Message.objects.filter(user=user, channel=Channel.SMS).values_list("body", flat=True))


def test_each_step_fires_once_on_its_day(member, people):
    planned = overdue(member, days=0)
    assert overdue_ladder_run(today=TODAY) == 0
    assert overdue_ladder_run(today=TODAY + datetime.timedelta(days=1)) == 1
    assert steps(planned) == [Step.LEADER]
    assert len(sms_to(people["leader"])) == 1 and "王秀英" in sms_to(people["leader"])[0]
    assert overdue_ladder_run(today=TODAY + datetime.timedelta(days=6)) == 0
    assert overdue_ladder_run(today=TODAY + datetime.timedelta(days=7)) == 1
    assert steps(planned) == [Step.LEADER, Step.SECRETARY]
    assert "李组长" in sms_to(people["secretary"])[0] and "逾期7天" in sms_to(people["secretary"])[0]
    assert overdue_ladder_run(today=TODAY + datetime.timedelta(days=21)) == 1
    assert steps(planned) == [Step.LEADER, Step.SECRETARY, Step.LIAISON]
    assert [len(sms_to(people[who])) for who in ("leader", "secretary", "liaison")] == [1, 1, 1]


def test_running_twice_takes_no_step_twice(member, people):
    overdue(member, days=30)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("django.utils.timezone.localdate", lambda: TODAY)
        assert overdue_ladder_task() == 3
        assert overdue_ladder_task() == 0
    assert Escalation.objects.count() == 3
    assert Message.objects.filter(channel=Channel.SMS).count() == 3


def test_a_run_that_dies_half_way_leaves_the_steps_to_the_next_run(member, people, monkeypatch):
    planned = overdue(member, days=8)

    def crash(*args, **kwargs):
        raise RuntimeError("worker lost")

    monkeypatch.setattr("visits.ladder.notify", crash)
    with pytest.raises(RuntimeError):
        overdue_ladder_run(today=TODAY)
    assert steps(planned) == [] and not Message.objects.exists()
    monkeypatch.undo()
    assert overdue_ladder_run(today=TODAY) == 2
    assert steps(planned) == [Step.LEADER, Step.SECRETARY]


def test_the_days_come_from_the_branch_policy(member, branch, people):
    services.policy_update(actor=SYSTEM, branch=branch, escalate_secretary_days=3, escalate_liaison_days=5)
    planned = overdue(member, days=5)
    overdue_ladder_run(today=TODAY)
    assert steps(planned) == [Step.LEADER, Step.SECRETARY, Step.LIAISON]


def test_hospital_visits_done_visits_and_departed_members_are_not_laddered(member, people):
    overdue(member, days=30, kind=PlannedVisit.Kind.HOSPITAL, occasion="hospital-1")
    done = overdue(member, days=30, kind=PlannedVisit.Kind.BIRTHDAY, occasion="birthday-2026")
    PlannedVisit.objects.filter(pk=done.pk).update(status=PlannedVisit.Status.DONE)
    assert overdue_ladder_run(today=TODAY) == 0


def test_the_schedule_shows_each_step_taken(client, member, people):
    overdue(member, days=8)
    with pytest.MonkeyPatch.context() as patch:
        moment = datetime.datetime(2026, 12, 3, 9, tzinfo=SHANGHAI)
        patch.setattr("django.utils.timezone.now", lambda: moment)
        overdue_ladder_run(today=TODAY)
    client.force_login(people["secretary"])
    page = client.get(reverse("visits:schedule") + "?scope=branch").content.decode()
    assert "已提醒组长 12月3日 · 已报书记 12月3日" in re.sub(r"<[^>]+>", "", page)


def test_the_schedule_with_steps_runs_a_constant_number_of_queries(
    client, member, people, django_assert_max_num_queries
):
    def ladder(count: int) -> None:
        for n in range(count):
            other = MemberFactory(branch=member.branch, contact_group=member.contact_group)
            overdue(other, days=30, occasion=f"routine-{n}")
        overdue_ladder_run(today=TODAY)

    url = reverse("visits:schedule") + "?scope=branch"
    client.force_login(people["secretary"])
    ladder(1)
    client.get(url)
    with django_assert_max_num_queries(20) as counted:
        client.get(url)
    ladder(10)
    with django_assert_max_num_queries(len(counted.captured_queries)):
        assert client.get(url).content.decode().count("已报局联络员") == 11


def test_the_secretarys_home_lists_overdue_members_by_name_days_and_holder(
    client, member, people, branch, django_assert_max_num_queries
):
    today = timezone.localdate()
    PlannedVisitFactory(
        member=member,
        due_from=today - datetime.timedelta(days=20),
        due_by=today - datetime.timedelta(days=12),
        responsible=people["leader"],
    )
    client.force_login(people["secretary"])
    client.get(reverse("home"))
    with django_assert_max_num_queries(30) as counted:
        page = client.get(reverse("home")).content.decode()
    assert "王秀英" in page and "12天" in page and "李组长" in page
    for n in range(5):
        other = MemberFactory(branch=branch, contact_group=member.contact_group, name=f"赵{n}")
        PlannedVisitFactory(
            member=other,
            due_by=today - datetime.timedelta(days=2),
            due_from=today - datetime.timedelta(days=9),
        )
    with django_assert_max_num_queries(len(counted.captured_queries)):
        assert "赵4" in client.get(reverse("home")).content.decode()
    client.force_login(people["liaison"])  # not the secretary: no list by name
    assert "逾期天数" not in client.get(reverse("home")).content.decode()


def test_a_ladder_that_does_not_climb_is_refused_in_chinese_and_nothing_is_saved(client, secretary, branch):
    client.force_login(secretary)
    form = client.get(reverse("visits:policy")).context["form"]
    data = {name: form[name].value() for name in form.fields}
    data = {k: v for k, v in data.items() if v is not None}
    data.update(escalate_secretary_days=10, escalate_liaison_days=10)
    response = client.post(reverse("visits:policy"), data)
    assert response.status_code == 200
    assert "报局联络员的天数须多于报书记的天数" in response.content.decode()
    assert not VisitPolicy.objects.filter(branch=branch, escalate_secretary_days=10).exists()


def waiting_sms(user) -> list[str]:
    queued = Message.objects.filter(user=user, channel=Channel.SMS, status=Message.Status.QUEUED)
    return list(queued.values_list("body", flat=True))


def test_a_death_takes_back_the_ladder_sms_still_waiting_and_tells_again_of_the_others(
    member, people, secretary
):
    other = MemberFactory(branch=member.branch, contact_group=member.contact_group, name="赵建国")
    overdue(member, days=8)
    overdue(other, days=9)
    late = datetime.datetime(2026, 12, 10, 22, 30, tzinfo=SHANGHAI)  # quiet hours: the SMS wait
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("django.utils.timezone.now", lambda: late)
        assert overdue_ladder_run(today=TODAY) == 4
    for who in ("leader", "secretary"):
        assert ["王秀英" in body and "赵建国" in body for body in waiting_sms(people[who])] == [True]
    member_services.member_update(
        actor=secretary, member=member, status=Member.Status.DECEASED, status_changed_on=TODAY
    )
    for who in ("leader", "secretary"):
        cancelled = Message.objects.filter(user=people[who], status=Message.Status.CANCELLED)
        assert cancelled.count() == 1 and "王秀英" in cancelled.get().body
        [again] = waiting_sms(people[who])
        assert "赵建国" in again and "王秀英" not in again
    # The steps stay taken; the next runs say nothing more of the dead member, nor of the other again.
    assert Escalation.objects.count() == 4
    assert overdue_ladder_run(today=TODAY + datetime.timedelta(days=1)) == 0
    assert not any("王秀英" in body for who in people.values() for body in waiting_sms(who))


def test_a_death_cancels_an_sms_naming_only_that_member_and_leaves_sent_ones_alone(member, people, secretary):
    overdue(member, days=8)
    overdue_ladder_run(today=TODAY)
    leaders = Message.objects.filter(user=people["leader"])
    leaders.update(status=Message.Status.SENT)  # the leader's has gone out, the secretary's waits
    member_services.member_update(
        actor=secretary, member=member, status=Member.Status.DECEASED, status_changed_on=TODAY
    )
    assert list(leaders.values_list("status", flat=True)) == [Message.Status.SENT]
    secretarys = Message.objects.filter(user=people["secretary"]).values_list("status", flat=True)
    assert list(secretarys) == [Message.Status.CANCELLED]
    assert Message.objects.count() == 2
