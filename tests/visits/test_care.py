"""Urgent care acts at once: an admission, a critical illness or a death, by any path, in the same
transaction as the edit, with no planner run."""

import datetime
import io
import zoneinfo

import pytest
from auditlog.models import LogEntry
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from openpyxl import Workbook

from accounts.models import BranchRole
from members import services as member_services
from members.models import HealthRecord, Member
from members.roster.columns import COLUMNS
from members.roster.importing import roster_import
from notifications.models import Channel, Message
from notifications.services import notify
from tests.factories import BranchRoleFactory, ContactGroupFactory, MemberFactory, UserFactory
from tests.visits.factories import PlannedVisitFactory
from visits import services
from visits.models import PlannedVisit
from visits.planning import plan_visits

pytestmark = pytest.mark.django_db
SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
Kind = PlannedVisit.Kind
Condition = HealthRecord.Condition


@pytest.fixture
def leader(branch):
    user = UserFactory(username="leader", last_name="李", first_name="组长", phone="+8613900000001")
    BranchRoleFactory(user=user, branch=branch, role=BranchRole.Role.COMMITTEE)
    return user


@pytest.fixture
def carers(secretary, liaison, leader):
    secretary.phone, liaison.phone = "+8613900000002", "+8613900000003"
    secretary.save(update_fields=["phone"])
    liaison.save(update_fields=["phone"])
    return {leader.pk, secretary.pk, liaison.pk}


@pytest.fixture
def member(branch, leader, carers):
    group = ContactGroupFactory(branch=branch, number=2, leader=leader)
    return MemberFactory(branch=branch, contact_group=group, name="王秀英")


def alerts():
    return Message.objects.filter(idempotency_key__startswith="care:")


def sms_users():
    return sorted(alerts().filter(channel=Channel.SMS).values_list("user_id", flat=True))


def assert_urgent_visit_and_alerts(member, leader, carers, today, word):
    planned = PlannedVisit.objects.get(member=member, kind=Kind.HOSPITAL)
    assert planned.status == PlannedVisit.Status.DUE
    assert planned.due_by == today + datetime.timedelta(days=1)
    assert planned.responsible == leader
    assert sms_users() == sorted(carers)  # exactly one each
    assert alerts().filter(channel=Channel.COMMITTEE_WECHAT).count() == 1
    for message in alerts():
        assert "王秀英" in message.body and word in message.body and "平台" in message.body


def test_a_member_edit_to_in_hospital_plans_the_visit_and_alerts_each_carer_once(
    member, leader, carers, secretary, django_capture_on_commit_callbacks
):
    today = timezone.localdate()
    with django_capture_on_commit_callbacks() as callbacks:
        member_services.member_update(
            actor=secretary,
            member=member,
            condition=Condition.HOSPITALISED,
            health_place="市第一医院心内科3病区",
            health_note="心梗，放了支架",
        )
    assert callbacks  # delivery queued on commit
    assert_urgent_visit_and_alerts(member, leader, carers, today, "住院")
    body = alerts().filter(channel=Channel.SMS).first().body
    assert "市第一医院心内科3病区" in body and "心梗" not in body and "支架" not in body


def test_saving_the_same_state_again_does_nothing_and_alerts_nobody(member, secretary):
    member_services.member_update(actor=secretary, member=member, condition=Condition.CRITICAL)
    before = (alerts().count(), PlannedVisit.objects.count())
    member_services.member_update(
        actor=secretary, member=member, condition=Condition.CRITICAL, notes="再存一次"
    )
    assert (alerts().count(), PlannedVisit.objects.count()) == before


def test_the_planner_afterwards_plans_no_second_hospital_visit(member, secretary):
    member_services.member_update(actor=secretary, member=member, condition=Condition.HOSPITALISED)
    plan_visits()
    assert PlannedVisit.objects.filter(member=member, kind=Kind.HOSPITAL).count() == 1


def test_a_visit_reporting_the_member_critically_ill_plans_the_visit_and_alerts(
    member, leader, carers, liaison, django_capture_on_commit_callbacks
):
    today = timezone.localdate()
    with django_capture_on_commit_callbacks() as callbacks:
        services.visit_record(
            actor=liaison,
            member=member,
            date=today,
            kind=Kind.ROUTINE,
            mode="phone",
            health=Condition.CRITICAL,
        )
    assert callbacks
    assert HealthRecord.objects.get(member=member).condition == Condition.CRITICAL
    assert_urgent_visit_and_alerts(member, leader, carers, today, "病危")


def test_a_visit_reporting_the_state_already_known_alerts_nobody(member, liaison):
    today = timezone.localdate()
    report = {"member": member, "date": today, "kind": Kind.ROUTINE, "mode": "phone"}
    services.visit_record(actor=liaison, health=Condition.CRITICAL, **report)
    before = (sorted(alerts().values_list("pk", flat=True)), PlannedVisit.objects.count())
    services.visit_record(actor=liaison, health=Condition.CRITICAL, notes="仍在ICU", **report)
    assert (sorted(alerts().values_list("pk", flat=True)), PlannedVisit.objects.count()) == before


def test_the_health_page_path_alerts_too(client, member, leader, carers, secretary):
    client.force_login(secretary)
    data = {"condition": Condition.HOSPITALISED, "mobility": "independent", "note": "", "place": "友谊医院"}
    response = client.post(reverse("members:health", args=[member.pk]), data)
    assert response.status_code == 302
    assert_urgent_visit_and_alerts(member, leader, carers, timezone.localdate(), "住院")
    assert "友谊医院" in alerts().first().body


def test_a_refused_health_form_says_why_in_chinese_and_writes_nothing(client, member, secretary):
    client.force_login(secretary)
    data = {"condition": "dying", "mobility": "independent", "note": "", "place": "友谊医院"}
    response = client.post(reverse("members:health", args=[member.pk]), data)
    assert response.status_code == 200 and "不在可用的选项中" in response.content.decode()
    assert not alerts().exists() and not PlannedVisit.objects.filter(member=member).exists()


def _roster_file(member, **changes) -> io.BytesIO:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append([c.header for c in COLUMNS])
    values = {"name": member.name, "gender": "男", "birth_date": member.birth_date, **changes}
    sheet.append([values.get(c.field, "") for c in COLUMNS])
    out = io.BytesIO()
    workbook.save(out)
    out.seek(0)
    out.name = "roster.xlsx"
    return out


def test_a_roster_import_recording_a_death_stops_everything_at_once(member, secretary, branch):
    routine = PlannedVisitFactory(member=member)
    waiting = notify(
        branch=branch,
        occasion="birthday:2026",
        text="{姓名}生日快乐",
        recipients=[member],
        not_before=timezone.now() + datetime.timedelta(days=3),
    )
    assert waiting.queued == 1
    result = roster_import(
        actor=secretary,
        branch=branch,
        dry_run=False,
        file=_roster_file(
            member, status="已故", status_changed_on=timezone.localdate().isoformat(), contact_group="2"
        ),
    )
    assert result.applied, result.errors
    routine.refresh_from_db()
    assert routine.status == PlannedVisit.Status.CANCELLED and "去世" in routine.cancel_reason
    history = [entry.changes for entry in LogEntry.objects.get_for_object(routine)]
    assert any("cancelled" in str(changes.get("status")) for changes in history)  # an audited change
    assert set(Message.objects.filter(member=member).values_list("status", flat=True)) == {"cancelled"}
    condolence = PlannedVisit.objects.get(member=member, kind=Kind.CONDOLENCE)
    assert condolence.status == PlannedVisit.Status.DUE
    assert condolence.responsible.username == "leader"


def test_a_roster_import_admitting_a_member_plans_the_visit_and_alerts_each_carer_once(
    member, leader, carers, secretary, branch, django_capture_on_commit_callbacks
):
    file = _roster_file(member, condition="住院", health_place="友谊医院心内科", contact_group="2")
    with django_capture_on_commit_callbacks() as callbacks:
        result = roster_import(actor=secretary, branch=branch, dry_run=False, file=file)
    assert result.applied, result.errors
    assert callbacks  # delivery queued on commit, no planner run
    health = HealthRecord.objects.get(member=member)
    assert (health.condition, health.place) == (Condition.HOSPITALISED, "友谊医院心内科")
    assert_urgent_visit_and_alerts(member, leader, carers, timezone.localdate(), "住院")
    assert "友谊医院心内科" in alerts().filter(channel=Channel.SMS).first().body


def test_importing_the_same_health_state_again_alerts_nobody(member, secretary, branch):
    def run():
        file = _roster_file(member, condition="病危", contact_group="2")
        return roster_import(actor=secretary, branch=branch, dry_run=False, file=file)

    assert run().applied
    before = (sorted(alerts().values_list("pk", flat=True)), PlannedVisit.objects.count())
    assert before[0]
    again = run()
    assert again.applied and len(again.unchanged) == 1
    assert (sorted(alerts().values_list("pk", flat=True)), PlannedVisit.objects.count()) == before


def test_a_roster_import_with_an_unknown_health_value_is_refused_and_writes_nothing(
    member, secretary, branch
):
    file = _roster_file(member, condition="快不行了", contact_group="2")
    result = roster_import(actor=secretary, branch=branch, dry_run=False, file=file)
    assert not result.applied
    [error] = result.errors
    assert (error.line, error.column) == (2, "健康状况")
    assert "“快不行了”不是" in error.message and "住院" in error.message and "病危" in error.message
    assert not HealthRecord.objects.filter(member=member).exclude(condition=Condition.GOOD).exists()
    assert not alerts().exists() and not PlannedVisit.objects.filter(member=member).exists()


def test_a_death_cancels_the_urgent_alerts_still_waiting_and_the_planner_keeps_the_condolence_visit(
    member, secretary, settings
):
    late = datetime.datetime(2026, 3, 10, 22, 30, tzinfo=SHANGHAI)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("django.utils.timezone.now", lambda: late)
        member_services.member_update(actor=secretary, member=member, condition=Condition.HOSPITALISED)
    assert set(alerts().filter(channel=Channel.SMS).values_list("status", flat=True)) == {"queued"}
    member_services.member_update(
        actor=secretary, member=member, status=Member.Status.DECEASED, status_changed_on=timezone.localdate()
    )
    assert set(alerts().filter(channel=Channel.SMS).values_list("status", flat=True)) == {"cancelled"}
    hospital = PlannedVisit.objects.get(member=member, kind=Kind.HOSPITAL)
    assert hospital.status == PlannedVisit.Status.CANCELLED
    plan_visits()
    assert PlannedVisit.objects.get(member=member, kind=Kind.CONDOLENCE).status == PlannedVisit.Status.DUE


def test_the_condolence_visit_can_be_recorded_for_the_deceased_member(client, member, secretary, leader):
    member_services.member_update(
        actor=secretary, member=member, status=Member.Status.DECEASED, status_changed_on=timezone.localdate()
    )
    client.force_login(leader)
    schedule = client.get(reverse("visits:schedule") + "?scope=mine").context["schedule"]
    assert [v.kind for v in schedule.this_week + schedule.upcoming] == [Kind.CONDOLENCE]
    services.visit_record(actor=leader, member=member, date=timezone.localdate(), kind=Kind.CONDOLENCE)
    assert PlannedVisit.objects.get(member=member, kind=Kind.CONDOLENCE).status == PlannedVisit.Status.DONE


def test_a_transfer_cancels_at_once_and_plans_no_condolence(member, secretary):
    routine = PlannedVisitFactory(member=member)
    member_services.member_update(
        actor=secretary,
        member=member,
        status=Member.Status.TRANSFERRED,
        status_changed_on=timezone.localdate(),
    )
    routine.refresh_from_db()
    assert routine.status == PlannedVisit.Status.CANCELLED
    assert not PlannedVisit.objects.filter(kind=Kind.CONDOLENCE).exists()


def test_quiet_hours_hold_a_members_sms_but_not_a_carers_critical_alert(member, secretary, branch, carers):
    late = datetime.datetime(2026, 3, 10, 22, 30, tzinfo=SHANGHAI)
    morning = datetime.datetime(2026, 3, 11, 8, 0, tzinfo=SHANGHAI)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("django.utils.timezone.now", lambda: late)
        member_services.member_update(actor=secretary, member=member, condition=Condition.CRITICAL)
        notify(branch=branch, occasion="test-urgent", text="{姓名}", recipients=[member], urgent=True)
    carer_sms = alerts().filter(channel=Channel.SMS)
    assert carer_sms.count() == 3 and {m.not_before for m in carer_sms} == {late}
    assert Message.objects.get(member=member).not_before == morning


def test_quiet_hours_still_hold_the_alert_about_an_admission(member, secretary):
    late = datetime.datetime(2026, 3, 10, 22, 30, tzinfo=SHANGHAI)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("django.utils.timezone.now", lambda: late)
        member_services.member_update(actor=secretary, member=member, condition=Condition.HOSPITALISED)
    morning = datetime.datetime(2026, 3, 11, 8, 0, tzinfo=SHANGHAI)
    assert {m.not_before for m in alerts().filter(channel=Channel.SMS)} == {morning}


def test_a_refused_edit_writes_nothing_and_alerts_nobody(member, secretary):
    with pytest.raises(ValidationError) as refused:
        member_services.member_update(
            actor=secretary,
            member=member,
            condition=Condition.CRITICAL,
            status=Member.Status.DECEASED,
        )
    assert "死亡" in str(refused.value) or "去世" in str(refused.value) or "日期" in str(refused.value)
    assert not alerts().exists() and not PlannedVisit.objects.filter(member=member).exists()


def test_every_carers_home_shows_the_urgent_visit_until_it_is_recorded(
    client, member, secretary, liaison, django_assert_max_num_queries
):
    member_services.member_update(actor=secretary, member=member, condition=Condition.HOSPITALISED)
    client.force_login(liaison)
    client.get(reverse("home"))  # the first request after logging in writes the session
    with django_assert_max_num_queries(25) as counted:
        page = client.get(reverse("home")).content.decode()
    assert "王秀英" in page and "立即探望" in page
    other = MemberFactory(branch=member.branch, contact_group=member.contact_group, name="赵建国")
    member_services.member_update(actor=secretary, member=other, condition=Condition.CRITICAL)
    with django_assert_max_num_queries(len(counted.captured_queries)):
        assert "赵建国" in client.get(reverse("home")).content.decode()
    planned = PlannedVisit.objects.get(member=member, kind=Kind.HOSPITAL)
    services.visit_record(actor=liaison, member=member, date=timezone.localdate(), kind=Kind.HOSPITAL)
    planned.refresh_from_db()
    assert planned.status == PlannedVisit.Status.DONE
    assert "王秀英" not in client.get(reverse("home")).content.decode()
