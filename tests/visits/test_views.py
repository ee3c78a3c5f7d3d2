import datetime
import io

import openpyxl
import pytest
from django.urls import reverse
from django.utils import timezone

from members.models import CareCategory
from tests.factories import MemberFactory
from tests.visits.factories import ConcernFactory, PlannedVisitFactory
from visits import services
from visits.models import Concern, PlannedVisit, Visit, VisitPolicy

pytestmark = pytest.mark.django_db
Kind = PlannedVisit.Kind
SCHEDULE = reverse("visits:schedule")
# A page served from the cache reads only the user and the user's roles (the session is cached).


def days(n):
    return datetime.timedelta(days=n)


@pytest.fixture
def today():
    return timezone.localdate()


@pytest.fixture
def member(branch, group):
    return MemberFactory(branch=branch, contact_group=group, name="张桂兰")


def populate(branch, group, liaison, count, today):
    for index in range(count):
        person = MemberFactory(branch=branch, contact_group=group)
        PlannedVisitFactory(
            member=person, responsible=liaison, due_from=today - days(8), due_by=today + days(index % 20 - 5)
        )
        PlannedVisitFactory(
            member=person,
            responsible=liaison,
            kind=Kind.FESTIVAL,
            occasion="2026-double_ninth",
            occasion_date=today + days(10),
            due_from=today,
            due_by=today + days(10),
        )
        ConcernFactory(member=person)


def test_schedule_shows_overdue_this_week_and_upcoming(client, liaison, member, today):
    PlannedVisitFactory(member=member, responsible=liaison, due_from=today - days(9), due_by=today - days(2))
    PlannedVisitFactory(
        member=member,
        responsible=liaison,
        kind=Kind.BIRTHDAY,
        occasion="birthday-2026",
        due_from=today,
        due_by=today + days(3),
    )
    PlannedVisitFactory(
        member=member,
        responsible=liaison,
        kind=Kind.FESTIVAL,
        occasion="2026-double_ninth",
        occasion_date=today + days(20),
        due_from=today + days(10),
        due_by=today + days(20),
    )
    client.force_login(liaison)
    response = client.get(reverse("visits:schedule"))
    schedule = response.context["schedule"]
    assert response.context["mine"] is True  # the liaison leads the group
    assert [len(schedule.overdue), len(schedule.this_week), len(schedule.upcoming)] == [1, 1, 1]
    assert "0 of 1 visited" in response.content.decode() or "0 / 1" in response.content.decode()


def test_schedule_mine_hides_other_leaders_visits_and_branch_shows_them(
    client, liaison, secretary, member, today
):
    PlannedVisitFactory(member=member, responsible=secretary, due_from=today, due_by=today + days(1))
    client.force_login(liaison)
    assert client.get(reverse("visits:schedule") + "?scope=mine").context["schedule"].this_week == []
    assert len(client.get(reverse("visits:schedule") + "?scope=branch").context["schedule"].this_week) == 1


def test_schedule_lists_members_turning_a_round_age_this_year(client, secretary, branch, group, today):
    turning = MemberFactory(
        branch=branch, contact_group=group, birth_date=datetime.date(today.year - 85, 3, 1)
    )
    MemberFactory(branch=branch, contact_group=group, birth_date=datetime.date(today.year - 84, 3, 1))
    client.force_login(secretary)
    this_year, _next_year = client.get(reverse("visits:schedule")).context["birthday_years"]
    assert this_year[0] == today.year
    assert [(birthday.age, birthday.member) for birthday in this_year[1]] == [(85, turning)]


def test_schedule_and_concern_pages_run_a_constant_number_of_queries(
    client, liaison, bureau, branch, group, today, django_assert_max_num_queries
):
    client.force_login(liaison)
    populate(branch, group, liaison, 3, today)
    urls = [
        reverse("visits:schedule"),
        reverse("visits:concerns"),
        reverse("visits:schedule_month"),
        reverse("visits:schedule_xlsx"),
    ]
    for url in urls:
        with django_assert_max_num_queries(14):
            assert client.get(url).status_code == 200
    populate(branch, group, liaison, 30, today)
    for url in urls:
        with django_assert_max_num_queries(14):
            assert client.get(url).status_code == 200
    for concern in Concern.objects.all()[:20]:
        services.concern_escalate(actor=liaison, concern=concern, comment="上报")
    client.force_login(bureau)
    with django_assert_max_num_queries(14):
        response = client.get(reverse("visits:concerns"))
    assert len(response.context["rows"]) == 20


def test_member_panel_shows_visits_planned_visits_and_concerns(client, secretary, member, liaison, today):
    services.visit_record(actor=liaison, member=member, date=today, kind=Kind.ROUTINE, notes="精神很好")
    PlannedVisitFactory(member=member, kind=Kind.BIRTHDAY, occasion="birthday-2026")
    ConcernFactory(member=member, text="希望增加上门体检")
    client.force_login(secretary)
    page = client.get(reverse("visits:member_panel", args=[member.pk])).content.decode()
    assert "精神很好" in page and "希望增加上门体检" in page and str(Kind.BIRTHDAY.label) in page


def test_search_finds_a_member_by_pinyin_initials_but_not_in_another_branch(
    client, liaison, stranger, member
):
    client.force_login(liaison)
    response = client.get(reverse("visits:member_search"), {"q": "ZGL"})
    assert f"?member={member.pk}" in response.content.decode()
    client.force_login(stranger)
    assert "张桂兰" not in client.get(reverse("visits:member_search"), {"q": "zgl"}).content.decode()


def test_search_ignores_a_nul_character(client, liaison, member):
    client.force_login(liaison)
    response = client.get(reverse("visits:member_search"), {"q": "Z\x00GL"})  # a 500 on PostgreSQL before
    assert f"?member={member.pk}" in response.content.decode()


def test_new_visit_form_preselects_the_due_kind_and_today(client, liaison, member, today):
    PlannedVisitFactory(
        member=member, kind=Kind.HOSPITAL, occasion="hospital-1", due_from=today - days(1), due_by=today
    )
    client.force_login(liaison)
    form = client.get(reverse("visits:new"), {"member": member.pk}).context["form"]
    assert form.initial["kind"] == Kind.HOSPITAL
    assert form.initial["mode"] == Visit.Mode.HOSPITAL
    assert form.initial["date"] == today
    assert form.initial["visitors"] == [liaison.pk]


def test_a_hospital_visit_due_now_comes_before_an_overdue_routine_one(client, liaison, member, today):
    PlannedVisitFactory(member=member, occasion="routine-9", due_from=today - days(9), due_by=today - days(2))
    PlannedVisitFactory(
        member=member, kind=Kind.HOSPITAL, occasion="hospital-1", due_from=today, due_by=today + days(1)
    )
    client.force_login(liaison)
    form = client.get(reverse("visits:new"), {"member": member.pk}).context["form"]
    assert form.initial["kind"] == Kind.HOSPITAL


def test_record_from_the_schedule_preselects_that_planned_visit(client, liaison, member, today):
    routine = PlannedVisitFactory(member=member, occasion="routine-9", due_from=today - days(1))
    birthday = PlannedVisitFactory(member=member, kind=Kind.BIRTHDAY, occasion="birthday-1", due_from=today)
    client.force_login(liaison)
    response = client.get(reverse("visits:new"), {"member": member.pk, "planned": birthday.pk})
    assert response.context["form"].initial["kind"] == Kind.BIRTHDAY
    assert response.context["form"].initial["planned"] == birthday.pk
    assert routine.pk != birthday.pk


def test_recording_on_the_phone_form_closes_the_planned_visit_and_raises_the_concern(
    client, liaison, member, today
):
    planned = PlannedVisitFactory(
        member=member,
        kind=Kind.FESTIVAL,
        occasion="2026-double_ninth",
        due_from=today - days(2),
        due_by=today + days(3),
    )
    client.force_login(liaison)
    response = client.post(
        reverse("visits:new"),
        {
            "member": member.pk,
            "kind": "festival",
            "date": today.isoformat(),
            "mode": "home",
            "visitors": [liaison.pk],
            "health": "fair",
            "amount": "200",
            "notes": "送去重阳糕",
            "concern_category": "housing",
            "concern_text": "楼道灯坏了",
        },
    )
    assert response.status_code == 302
    planned.refresh_from_db()
    visit = Visit.objects.get(member=member)
    assert planned.status == PlannedVisit.Status.DONE and visit.planned == planned
    assert (visit.health, str(visit.amount), visit.notes) == ("fair", "200.00", "送去重阳糕")
    concern = Concern.objects.get(member=member)
    assert (concern.visit, concern.text, concern.state) == (visit, "楼道灯坏了", Concern.State.OPEN)


def test_a_future_date_re_renders_the_form_with_the_error_and_saves_nothing(client, liaison, member, today):
    client.force_login(liaison)
    response = client.post(
        reverse("visits:new"),
        {
            "member": member.pk,
            "kind": "routine",
            "date": (today + days(2)).isoformat(),
            "mode": "home",
            "visitors": [liaison.pk],
        },
    )
    assert response.status_code == 200
    assert response.context["form"].errors["date"], response.context["form"].errors
    assert not Visit.objects.exists()


def test_stranger_cannot_open_the_form_for_a_member_of_another_branch(client, stranger, member):
    client.force_login(stranger)
    assert client.get(reverse("visits:new"), {"member": member.pk}).status_code == 404


def test_export_is_a_workbook_with_one_row_per_open_visit(client, liaison, member, today):
    PlannedVisitFactory(member=member, responsible=liaison)
    client.force_login(liaison)
    response = client.get(reverse("visits:schedule_xlsx"))
    book = openpyxl.load_workbook(io.BytesIO(response.getvalue()))
    rows = list(book.worksheets[0].iter_rows(min_row=3, values_only=True))
    assert [row[2] for row in rows] == ["张桂兰"]


def test_month_view_puts_visits_on_their_day(client, liaison, member, today):
    PlannedVisitFactory(member=member, responsible=liaison, due_from=today, due_by=today)
    client.force_login(liaison)
    response = client.get(reverse("visits:schedule_month"), {"month": f"{today:%Y-%m}"})
    cells = [cell for week in response.context["weeks"] for cell in week if cell[0] == today]
    assert [v.member for v in cells[0][1]] == [member]
    assert client.get(reverse("visits:schedule_month"), {"month": "2026-13"}).status_code == 404


def test_bureau_answers_an_escalation_from_its_inbox(client, liaison, bureau, member):
    concern = ConcernFactory(member=member)
    services.concern_escalate(actor=liaison, concern=concern, comment="支部无法解决")
    client.force_login(bureau)
    response = client.get(reverse("visits:concerns"))
    assert response.context["inbox"] is True
    assert [action[:2] for action in response.context["rows"][0]["actions"]] == [
        (Concern.State.BUREAU_REPLIED, Concern.State.BUREAU_REPLIED.label)
    ]
    client.post(
        reverse("visits:concern_transition", args=[concern.pk]),
        {"to_state": "bureau_replied", "comment": "已转社保处办理"},
    )
    concern.refresh_from_db()
    assert concern.state == Concern.State.BUREAU_REPLIED


def test_an_illegal_transition_posted_by_hand_is_refused_with_a_message(client, liaison, member):
    concern = ConcernFactory(member=member)
    client.force_login(liaison)
    response = client.post(
        reverse("visits:concern_transition", args=[concern.pk]),
        {"to_state": "closed", "comment": "直接关闭"},
        follow=True,
    )
    concern.refresh_from_db()
    assert concern.state == Concern.State.OPEN
    assert any("cannot become" in str(m) or "不能" in str(m) for m in response.context["messages"])


def test_stale_escalations_are_flagged(client, liaison, bureau, member):
    concern = ConcernFactory(member=member)
    services.concern_escalate(actor=liaison, concern=concern, comment="上报")
    Concern.objects.filter(pk=concern.pk).update(escalated_at=timezone.now() - days(31))
    client.force_login(bureau)
    assert client.get(reverse("visits:concerns")).context["rows"][0]["stale"] is True


def test_stranger_cannot_move_a_concern_of_another_branch(client, stranger, member):
    concern = ConcernFactory(member=member)
    client.force_login(stranger)
    response = client.post(
        reverse("visits:concern_transition", args=[concern.pk]), {"to_state": "answered", "comment": "x"}
    )
    assert response.status_code == 404


def test_recording_a_concern_from_the_concerns_page(client, liaison, member):
    client.force_login(liaison)
    client.post(
        reverse("visits:concern_create"),
        {"member": member.pk, "category": "pension", "raised_via": "phone", "text": "询问养老金调整"},
    )
    concern = Concern.objects.get(member=member)
    assert (concern.raised_via, concern.events.count()) == ("phone", 1)


def test_committee_edits_the_visit_policy(client, secretary, branch):
    client.force_login(secretary)
    form = client.get(reverse("visits:policy")).context["form"]
    data = {name: value for name, value in form.initial.items() if name in form.fields}
    data.update(
        {
            "other_days": 60,
            "milestone_ages": "70，80, 90",
            "festivals": ["spring", "party_day"],
            "festival_categories": [CareCategory.ALONE],
        }
    )
    response = client.post(reverse("visits:policy"), data)
    assert response.status_code == 302, response.context["form"].errors
    policy = VisitPolicy.objects.get(branch=branch)
    assert (policy.other_days, policy.milestone_ages, policy.festivals) == (
        60,
        [70, 80, 90],
        ["spring", "party_day"],
    )


def test_policy_form_rejects_nonsense_ages_and_saves_nothing(client, secretary, branch):
    client.force_login(secretary)
    response = client.post(reverse("visits:policy"), {"milestone_ages": "seventy"})
    assert response.status_code == 200
    assert response.context["form"].errors["milestone_ages"]
    assert not VisitPolicy.objects.exists()


def test_dashboard_shows_overdue_and_weekly_visits_and_concern_tiles(
    client, secretary, liaison, bureau, member, today, visit_tiles
):
    PlannedVisitFactory(member=member, due_from=today - days(9), due_by=today - days(1))
    PlannedVisitFactory(
        member=member, kind=Kind.BIRTHDAY, occasion="birthday-2026", due_from=today, due_by=today + days(2)
    )
    ConcernFactory(member=member)
    stale = ConcernFactory(member=member)
    services.concern_escalate(actor=liaison, concern=stale, comment="上报")
    Concern.objects.filter(pk=stale.pk).update(escalated_at=timezone.now() - days(40))
    client.force_login(secretary)
    home = {(str(t["label"]), t["value"]) for t in client.get(reverse("home")).context["tiles"]}
    ours = visit_tiles(secretary, today)
    assert {(str(t["label"]), t["value"]) for t in ours} <= home
    assert [t["value"] for t in ours] == [1, 1, 1, 1]  # overdue, this week, open concerns, stale escalations
    assert [t["value"] for t in visit_tiles(bureau, today)] == [1, 1]  # awaiting, stale


def test_the_recorder_can_pick_which_planned_visit_the_visit_fulfils(client, liaison, member, today):
    routine = PlannedVisitFactory(member=member, due_from=today - days(1), due_by=today + days(5))
    birthday = PlannedVisitFactory(
        member=member,
        kind=Kind.BIRTHDAY,
        occasion="birthday-2026",
        due_from=today + days(20),
        due_by=today + days(27),
    )
    client.force_login(liaison)
    client.post(
        reverse("visits:new"),
        {
            "member": member.pk,
            "kind": "birthday",
            "date": today.isoformat(),
            "mode": "home",
            "visitors": [liaison.pk],
            "planned": birthday.pk,
        },
    )
    birthday.refresh_from_db()
    routine.refresh_from_db()
    assert birthday.status == PlannedVisit.Status.DONE
    assert Visit.objects.get(member=member).planned == birthday
    assert routine.status == PlannedVisit.Status.DONE  # the member was seen: the routine visit is done too


def test_a_carer_cancels_a_planned_visit_with_a_reason(client, liaison, member):
    planned = PlannedVisitFactory(member=member, responsible=liaison)
    client.force_login(liaison)
    client.post(reverse("visits:planned_cancel", args=[planned.pk]), {"reason": ""})
    planned.refresh_from_db()
    assert planned.status == PlannedVisit.Status.DUE
    client.post(reverse("visits:planned_cancel", args=[planned.pk]), {"reason": "家属说本周在外地就医"})
    planned.refresh_from_db()
    assert (planned.status, planned.cancel_reason) == (PlannedVisit.Status.CANCELLED, "家属说本周在外地就医")


def test_stranger_cannot_cancel_a_planned_visit_of_another_branch(client, stranger, member):
    planned = PlannedVisitFactory(member=member)
    client.force_login(stranger)
    assert (
        client.post(reverse("visits:planned_cancel", args=[planned.pk]), {"reason": "x"}).status_code == 404
    )
    planned.refresh_from_db()
    assert planned.status == PlannedVisit.Status.DUE


def test_concerns_waiting_for_someone_come_first(client, liaison, member):
    closed = ConcernFactory(member=member)
    services.concern_answer(actor=liaison, concern=closed, comment="已答复")
    services.concern_close(actor=liaison, concern=closed, comment="满意")
    waiting = ConcernFactory(member=member)
    escalated = ConcernFactory(member=member)
    services.concern_escalate(actor=liaison, concern=escalated, comment="上报")
    client.force_login(liaison)
    rows = client.get(reverse("visits:concerns")).context["rows"]
    assert [row["pk"] for row in rows] == [escalated.pk, waiting.pk, closed.pk]


def routine_visit(member, visitor, today, **extra) -> dict:
    """What the phone form posts for a routine home visit today."""
    return {
        "member": member.pk,
        "kind": "routine",
        "date": today.isoformat(),
        "mode": "home",
        "visitors": [visitor.pk],
        **extra,
    }


def test_each_visit_tile_on_the_home_page_counts_exactly_the_list_it_opens(
    client, liaison, secretary, branch, group, today
):
    """The liaison's tile said 逾期未探望 4 while the list it opened showed 0 (issue 20)."""
    populate(branch, group, liaison, 12, today)
    others = MemberFactory(branch=branch, contact_group=group)
    PlannedVisitFactory(
        member=others, responsible=secretary, due_from=today - days(9), due_by=today - days(1)
    )
    for user in (liaison, secretary):
        client.force_login(user)
        tiles = {str(t["label"]): t for t in client.get(reverse("home")).context["tiles"]}
        overdue, week = tiles["逾期未探望"], tiles["本周应探望"]
        schedule = client.get(overdue["url"].split("#")[0]).context["schedule"]
        assert week["url"].split("#")[0] == overdue["url"].split("#")[0]
        assert (overdue["value"], week["value"]) == (len(schedule.overdue), len(schedule.this_week))
        assert overdue["value"] > 0 and week["value"] > 0
