"""Meetings (三会一课): minutes and resolutions, who reads a committee meeting, the year against the
rules, holidays, printing, and bad input refused without writing."""

import datetime
import io

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from docx import Document

from accounts.models import BranchRole
from accounts.permissions import SYSTEM
from org.models import Branch
from study import selectors, services
from study.holidays import is_holiday, off_holiday
from study.models import AgendaItem, Resolution, StudyActivity, StudyPlan
from tests.factories import BranchRoleFactory, ContactGroupFactory, MemberFactory, UserFactory
from tests.study.factories import StudyActivityFactory

TODAY = datetime.date(2026, 4, 15)
COMMITTEE_MEETING = StudyActivity.Kind.COMMITTEE_MEETING


@pytest.fixture(autouse=True)
def fixed_today(monkeypatch):
    monkeypatch.setattr("django.utils.timezone.localdate", lambda *a, **k: TODAY)


def _meeting(branch, day=datetime.date(2026, 4, 8), kind=COMMITTEE_MEETING, theme="研究五月学习安排"):
    return StudyActivityFactory(organiser=branch, kind=kind, date=day, theme=theme)


def _minutes(meeting, owner, text="五月前走访住院党员", due=datetime.date(2026, 5, 10)):
    return services.minutes_record(
        actor=SYSTEM,
        activity=meeting,
        chair="成银生",
        recorder="张伟娟",
        items=[{"title": "走访安排", "discussion": "大家发言踊跃", "decision": "分组走访"}],
        resolutions=[{"text": text, "owner": owner, "due_on": due}],
    )


# The year against the rules


def test_year_counts_each_kind_per_month_against_its_frequency(branch):
    for day in (datetime.date(2026, 1, 13), datetime.date(2026, 2, 10)):
        _meeting(branch, day)
    _meeting(branch, datetime.date(2026, 3, 20), kind=StudyActivity.Kind.GENERAL_MEETING)
    _meeting(branch, datetime.date(2026, 4, 28), kind=StudyActivity.Kind.GENERAL_MEETING)

    (year,) = selectors.meeting_year([branch], 2026, TODAY)

    rows = {row.kind: row for row in year.rows}
    committee = rows[COMMITTEE_MEETING]
    assert committee.months[:4] == [1, 1, 0, 0]
    assert [p.status for p in committee.periods[:5]] == ["held", "held", "missing", "due", "later"]
    general = rows[StudyActivity.Kind.GENERAL_MEETING]
    assert [(p.first, p.last, p.held, p.status) for p in general.periods] == [
        (1, 3, 1, "held"), (4, 6, 1, "held"), (7, 9, 0, "later"), (10, 12, 0, "later"),
    ]  # fmt: skip
    lecture = rows[StudyActivity.Kind.PARTY_LECTURE]
    assert [p.status for p in lecture.periods] == ["missing", "due", "later", "later"]
    org_life = rows[StudyActivity.Kind.ORG_LIFE]
    assert [(p.span, p.status) for p in org_life.periods] == [(12, "due")]
    # Committee (March), party group (Jan–Mar), party lecture (Q1), theme Party day (Jan–Mar).
    assert year.missing == 1 + 3 + 1 + 3


def test_the_year_page_on_a_phone_names_the_months_missing_and_due_for_each_kind(client, branch, secretary):
    _meeting(branch, datetime.date(2026, 1, 13))
    client.force_login(secretary)

    page = client.get(reverse("study:meeting_year")).content.decode()

    phone_list = page[page.index("meeting-year-list") : page.index("table-responsive")]
    nowrap = '<span class="text-nowrap">{}</span>'
    missing = "、".join(nowrap.format(f"{m}月") for m in (2, 3))
    assert f"✗ 缺：{missing}</p>" in phone_list  # the committee: January held, then none
    assert f"… 待开：{nowrap.format('4–6月')}</p>" in phone_list  # the party lecture's quarter
    assert "应开频次" in page and "应到人数" not in page


def test_a_branch_changes_its_expected_frequency(branch, secretary):
    _meeting(branch, datetime.date(2026, 2, 10))
    services.frequencies_save(actor=secretary, branch=branch, every={COMMITTEE_MEETING: 3})

    (year,) = selectors.meeting_year([branch], 2026, TODAY)

    committee = next(row for row in year.rows if row.kind == COMMITTEE_MEETING)
    assert [(p.first, p.status) for p in committee.periods] == [
        (1, "held"),
        (4, "due"),
        (7, "later"),
        (10, "later"),
    ]


@pytest.mark.parametrize(
    "today", [datetime.date(2026, 1, 1), TODAY, datetime.date(2026, 7, 1), datetime.date(2027, 1, 1)]
)
def test_the_home_tile_counts_what_the_year_page_shows_missing(branch, other_branch, secretary, today):
    """The home tile counts in the database without building the year's table; both read the same
    meetings and rules."""
    _meeting(branch, datetime.date(2026, 2, 10))
    _meeting(branch, datetime.date(2026, 3, 10))  # the same quarter, for this branch's committee
    _meeting(branch, datetime.date(2026, 5, 6), kind=StudyActivity.Kind.GENERAL_MEETING)
    _meeting(branch, datetime.date(2026, 6, 30), kind=StudyActivity.Kind.GENERAL_MEETING)  # the same quarter
    joint = _meeting(other_branch, datetime.date(2026, 3, 3), kind=StudyActivity.Kind.PARTY_LECTURE)
    joint.branches.add(branch)
    services.frequencies_save(actor=SYSTEM, branch=branch, every={COMMITTEE_MEETING: 3})
    services.frequencies_save(actor=SYSTEM, branch=other_branch, every={COMMITTEE_MEETING: 0})
    shown = [branch, other_branch]

    ids = [b.pk for b in shown]
    columns = selectors.missing_meetings_columns(ids, 2026, today)
    row = Branch.objects.filter(pk=branch.pk).values(**columns).get()

    missing = selectors.missing_meetings(row, ids, 2026, today)

    assert missing == sum(year.missing for year in selectors.meeting_year(shown, 2026, today))
    assert missing > 0 or today == datetime.date(2026, 1, 1)


def test_the_liaison_may_not_change_the_frequencies(branch, liaison):
    with pytest.raises(PermissionDenied):
        services.frequencies_save(actor=liaison, branch=branch, every={COMMITTEE_MEETING: 12})


def test_bureau_sees_the_year_of_every_branch_of_its_bureau(client, branch, bureau, neighbour):
    client.force_login(bureau)

    response = client.get(reverse("study:meeting_year"))

    assert [b.branch for b in response.context["branches"]] == [branch, neighbour]
    assert "缺" in response.content.decode()


def test_the_year_page_and_tile_name_what_is_missing(client, branch, secretary):
    client.force_login(secretary)

    page = client.get(reverse("study:meeting_year")).content.decode()
    home = client.get(reverse("home"))

    assert "✗ 缺" in page
    # Nothing held by mid-April: Q1 of the all-member meeting and the lecture, January to March of
    # the committee, the party group and the theme Party day; the organisational life is still due.
    assert home.context["meetings"]["missing"] == 1 + 1 + 3 * 3
    assert "三会一课缺开次数" in home.content.decode()


def test_member_gets_no_year_page(client, own_member):
    client.force_login(own_member.user)
    assert client.get(reverse("study:meeting_year")).status_code == 403


# Who reads a committee meeting


def test_committee_minutes_are_hidden_from_members(client, branch, own_member, committee):
    meeting = _minutes(_meeting(branch), committee)
    client.force_login(own_member.user)

    assert client.get(meeting.get_absolute_url()).status_code == 404
    assert client.get(reverse("study:minutes_print", args=[meeting.pk])).status_code == 404
    assert client.get(reverse("study:minutes_docx", args=[meeting.pk])).status_code == 404
    for page in ("study:list", "study:meetings"):
        assert "研究五月学习安排" not in client.get(reverse(page)).content.decode()


def test_committee_minutes_are_hidden_from_another_branch(client, branch, committee, neighbour_secretary):
    meeting = _minutes(_meeting(branch), committee)
    client.force_login(neighbour_secretary)

    assert client.get(meeting.get_absolute_url()).status_code == 404
    assert client.get(reverse("study:minutes_print", args=[meeting.pk])).status_code == 404


@pytest.mark.parametrize("role", ["secretary", "committee", "liaison", "bureau"])
def test_committee_liaison_and_bureau_read_committee_minutes(client, cast, branch, role):
    meeting = _minutes(_meeting(branch), cast["committee"])
    client.force_login(cast[role])

    html = client.get(meeting.get_absolute_url()).content.decode()

    assert "分组走访" in html
    assert "五月前走访住院党员" in html


def test_other_meetings_and_their_minutes_are_open_to_members(client, branch, own_member, committee):
    meeting = _minutes(_meeting(branch, kind=StudyActivity.Kind.GENERAL_MEETING), committee)
    client.force_login(own_member.user)

    assert "分组走访" in client.get(meeting.get_absolute_url()).content.decode()


# Recording minutes and resolutions


def test_secretary_records_minutes_with_a_resolution(client, branch, secretary, committee):
    meeting = _meeting(branch)
    client.force_login(secretary)

    response = client.post(reverse("study:minutes", args=[meeting.pk]), _minutes_post(committee.pk))

    assert response.status_code == 302
    meeting.refresh_from_db()
    assert (meeting.chair, meeting.recorder) == ("成银生", "张伟娟")
    assert list(meeting.agenda_items.values_list("position", "title", "decision")) == [
        (1, "学习安排", "每月第二个星期二"),
        (2, "走访安排", ""),
    ]
    resolution = meeting.resolutions.get()
    assert (resolution.text, resolution.owner, resolution.done_at) == ("联系老干部活动中心", committee, None)


def _minutes_post(owner_id, **changes) -> dict:
    data = {
        "chair": "成银生", "recorder": "张伟娟",
        "item-TOTAL_FORMS": "3", "item-INITIAL_FORMS": "0",
        "item-0-title": "学习安排", "item-0-discussion": "讨论", "item-0-decision": "每月第二个星期二",
        "item-1-title": "走访安排",
        "resolution-TOTAL_FORMS": "2", "resolution-INITIAL_FORMS": "0",
        "resolution-0-text": "联系老干部活动中心", "resolution-0-owner": str(owner_id),
        "resolution-0-due_on": "2026-05-01",
    }  # fmt: skip
    data.update(changes)
    return data


def test_a_resolution_without_owner_is_refused_and_nothing_is_written(client, branch, secretary, committee):
    meeting = _meeting(branch)
    client.force_login(secretary)

    response = client.post(
        reverse("study:minutes", args=[meeting.pk]), _minutes_post("", **{"resolution-0-owner": ""})
    )

    assert response.status_code == 200
    assert "请指定决议的责任人。" in response.content.decode()
    meeting.refresh_from_db()
    assert meeting.chair == ""
    assert not AgendaItem.objects.exists()
    assert not Resolution.objects.exists()


def test_the_service_refuses_a_resolution_without_owner_and_writes_nothing(branch):
    meeting = _meeting(branch)
    with pytest.raises(ValidationError) as error:
        _minutes(meeting, None)
    assert "请指定决议的责任人。" in str(error.value)
    assert not AgendaItem.objects.exists()


def test_an_owner_outside_the_branch_is_refused(branch, stranger):
    with pytest.raises(ValidationError):
        _minutes(_meeting(branch), stranger)
    assert not Resolution.objects.exists()


def test_a_meeting_dated_1900_is_refused_and_nothing_is_written(client, branch, secretary):
    client.force_login(secretary)
    form = {
        "organiser": branch.pk, "kind": COMMITTEE_MEETING, "theme": "支委会",
        "date": "1900-04-08", "starts_at": "09:30",
    }  # fmt: skip

    response = client.post(reverse("study:create"), form)

    assert response.status_code == 200
    assert "请填写 2000 年至 2100 年之间的日期。" in response.content.decode()
    assert not StudyActivity.objects.exists()


def test_the_liaison_may_not_record_a_meeting(client, branch, liaison):
    with pytest.raises(PermissionDenied):
        services.activity_create(
            actor=liaison, organiser=branch, kind=COMMITTEE_MEETING, theme="支委会",
            date=datetime.date(2026, 4, 8), starts_at=datetime.time(9, 30),
        )  # fmt: skip
    client.force_login(liaison)
    kinds = [k for k, _ in client.get(reverse("study:create")).context["form"].fields["kind"].choices]
    assert COMMITTEE_MEETING not in kinds
    assert StudyActivity.Kind.MONTHLY in kinds


def test_resolutions_stay_on_the_owners_home_page_until_done(client, branch, committee):
    meeting = _minutes(_meeting(branch), committee)
    client.force_login(committee)
    assert "五月前走访住院党员" in client.get(reverse("home")).content.decode()

    resolution = meeting.resolutions.get()
    response = client.post(reverse("study:resolution_done", args=[resolution.pk]), {"next": "home"})

    assert response.status_code == 302
    assert response["Location"] == reverse("home")
    resolution.refresh_from_db()
    assert resolution.done_at is not None and resolution.done_by == committee
    client.get(reverse("home"))  # shows the message "…marked done" once
    home = client.get(reverse("home"))
    assert home.context["meetings"]["resolutions"] == []
    assert "五月前走访住院党员" not in home.content.decode()


def test_only_the_owner_or_the_committee_marks_a_resolution_done(client, branch, committee, liaison):
    resolution = _minutes(_meeting(branch), committee).resolutions.get()
    client.force_login(liaison)

    assert client.post(reverse("study:resolution_done", args=[resolution.pk])).status_code == 403
    resolution.refresh_from_db()
    assert resolution.done_at is None


def test_a_resolution_is_not_on_another_users_home_page(client, branch, committee, secretary):
    _minutes(_meeting(branch), committee)
    client.force_login(secretary)
    assert "五月前走访住院党员" not in client.get(reverse("home")).content.decode()


# Public holidays


@pytest.mark.parametrize(
    ("day", "moved"),
    [
        (datetime.date(2026, 10, 1), datetime.date(2026, 10, 8)),  # 国庆
        (datetime.date(2026, 2, 17), datetime.date(2026, 2, 24)),  # 春节, 正月初一
        (datetime.date(2026, 1, 1), datetime.date(2026, 1, 8)),  # 元旦
        (datetime.date(2027, 2, 9), datetime.date(2027, 2, 16)),  # 正月初四
        (datetime.date(2026, 3, 10), datetime.date(2026, 3, 10)),  # an ordinary Tuesday stays
    ],
)
def test_a_study_day_moves_a_week_off_a_holiday(day, moved):
    assert off_holiday(day) == moved
    assert not is_holiday(moved)


def test_plan_generation_moves_the_february_2027_study_day_off_spring_festival(branch, secretary):
    plan = services.plan_save(
        actor=secretary, branch=branch, year=2027, themes={}, week=StudyPlan.Week.SECOND,
        weekday=StudyPlan.Weekday.TUESDAY,
    )  # fmt: skip

    created = {a.plan_month: a.date for a in services.plan_generate(actor=secretary, plan=plan)}

    assert created[2] == datetime.date(2027, 2, 16)  # the second Tuesday, 9 February, is 正月初四
    assert created[3] == datetime.date(2027, 3, 9)


def test_plan_generation_moves_the_october_2026_study_day_off_national_day(branch, secretary):
    plan = services.plan_save(
        actor=secretary, branch=branch, year=2026, themes={}, week=StudyPlan.Week.FIRST,
        weekday=StudyPlan.Weekday.THURSDAY,
    )  # fmt: skip

    created = {a.plan_month: a.date for a in services.plan_generate(actor=secretary, plan=plan)}

    assert created[10] == datetime.date(2026, 10, 8)
    assert created[9] == datetime.date(2026, 9, 3)


def test_a_meeting_put_on_a_holiday_is_saved_with_a_warning(client, branch, secretary):
    client.force_login(secretary)
    form = {
        "organiser": branch.pk, "kind": StudyActivity.Kind.GENERAL_MEETING, "theme": "党员大会",
        "date": "2026-10-02", "starts_at": "09:30",
    }  # fmt: skip

    response = client.post(reverse("study:create"), form, follow=True)

    assert StudyActivity.objects.get().date == datetime.date(2026, 10, 2)
    assert "是法定节假日" in response.content.decode()


# Printing


def test_sign_in_sheet_lists_every_member_in_two_columns(client, branch, secretary):
    members = [MemberFactory(branch=branch) for _ in range(46)]
    activity = StudyActivityFactory(organiser=branch, date=datetime.date(2026, 5, 12))
    client.force_login(secretary)

    response = client.get(reverse("study:signin", args=[activity.pk]))

    html = response.content.decode()
    assert all(m.name in html for m in members)
    assert [len(column) for column in response.context["columns"]] == [23, 23]
    assert "签到表" in html


def test_sign_in_sheet_of_a_committee_meeting_lists_the_committee_only(client, branch, secretary):
    on_committee = MemberFactory(branch=branch, user=UserFactory(username="wei"), name="委员甲")
    BranchRoleFactory(user=on_committee.user, branch=branch, role=BranchRole.Role.COMMITTEE)
    MemberFactory(branch=branch, name="党员乙")
    client.force_login(secretary)

    response = client.get(reverse("study:signin", args=[_meeting(branch).pk]))

    assert [row.member for row in response.context["rows"]] == [on_committee]


def test_minutes_print_and_docx_carry_the_record(client, branch, secretary, committee):
    meeting = _minutes(_meeting(branch), committee)
    member = MemberFactory(branch=branch, user=committee, name="王雷保")
    BranchRoleFactory(user=committee, branch=branch, role=BranchRole.Role.MEMBER)
    services.attendance_mark(actor=SYSTEM, activity=meeting, member=member, status="leave", reason="住院")
    client.force_login(secretary)

    page = client.get(reverse("study:minutes_print", args=[meeting.pk])).content.decode()
    response = client.get(reverse("study:minutes_docx", args=[meeting.pk]))

    assert "支部委员会会议记录" in page and "分组走访" in page and "王雷保" in page
    assert (
        "%E6%94%AF%E9%83%A8%E5%A7%94%E5%91%98%E4%BC%9A%E4%BC%9A%E8%AE%AE%E8%AE%B0%E5%BD%95"
        in response["Content-Disposition"]
    )  # 支部委员会会议记录
    text = "\n".join(p.text for p in Document(io.BytesIO(response.getvalue())).paragraphs)
    assert "支部委员会会议记录" in text
    assert "1. 走访安排" in text and "议定事项：分组走访" in text
    assert "五月前走访住院党员" in text


# Query counts


def _fill_meetings(branch, owner, count):
    for i in range(count):
        _minutes(_meeting(branch, TODAY - datetime.timedelta(days=i + 1), theme=f"会议{i}"), owner)


@pytest.mark.parametrize("page", ["study:meetings", "study:meeting_year"])
def test_meeting_pages_run_a_constant_number_of_queries(
    client, branch, secretary, committee, page, django_assert_max_num_queries
):
    client.force_login(secretary)
    _fill_meetings(branch, committee, 2)
    client.get(reverse(page))  # the first request after logging in may write the session
    with django_assert_max_num_queries(12) as few:
        client.get(reverse(page))
    _fill_meetings(branch, committee, 20)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(reverse(page))
    assert response.status_code == 200


def test_meeting_list_shows_minutes_counts(client, branch, secretary, committee):
    _fill_meetings(branch, committee, 3)
    client.force_login(secretary)

    meetings = client.get(reverse("study:meetings")).context["meetings"]

    assert [(m.item_count, m.open_count) for m in meetings] == [(1, 1)] * 3


def test_the_meeting_list_labels_each_cell_for_the_phone_where_rows_stack(
    client, branch, secretary, committee
):
    _fill_meetings(branch, committee, 2)
    client.force_login(secretary)

    page = client.get(reverse("study:meetings")).content.decode()

    rows = page[page.index('<table class="table meeting-table">') :].split("<tr>")[2:]
    assert len(rows) == 2
    for row in rows:
        assert row.count("<td") == row.count('data-label="') == 5
    assert 'data-label="未完成决议"' in page


# A party-group meeting (党小组会) is one contact group's


def test_a_party_group_meeting_expects_its_contact_groups_members(client, branch, secretary):
    ours, theirs = ContactGroupFactory(branch=branch, name="第一小组"), ContactGroupFactory(branch=branch)
    in_group = [MemberFactory(branch=branch, contact_group=ours) for _ in range(3)]
    others = [MemberFactory(branch=branch, contact_group=theirs) for _ in range(4)]
    client.force_login(secretary)
    form = {
        "organiser": branch.pk, "kind": StudyActivity.Kind.GROUP_MEETING, "contact_group": ours.pk,
        "theme": "第一小组学习交流", "date": "2026-05-12", "starts_at": "09:30",
    }  # fmt: skip
    assert client.post(reverse("study:create"), form).status_code == 302
    meeting = StudyActivity.objects.get(kind=StudyActivity.Kind.GROUP_MEETING)
    assert meeting.contact_group == ours
    assert set(selectors.attendees(meeting, [branch.pk])) == set(in_group)
    sheet = client.get(reverse("study:signin", args=[meeting.pk])).content.decode()
    assert all(m.name in sheet for m in in_group) and not any(m.name in sheet for m in others)
    assert "第一小组" in client.get(reverse("study:detail", args=[meeting.pk])).content.decode()


def test_a_party_group_meeting_without_its_group_is_refused_and_nothing_is_written(client, branch, secretary):
    client.force_login(secretary)
    form = {
        "organiser": branch.pk, "kind": StudyActivity.Kind.GROUP_MEETING, "theme": "小组会",
        "date": "2026-05-12", "starts_at": "09:30",
    }  # fmt: skip
    response = client.post(reverse("study:create"), form)
    assert response.status_code == 200
    assert "请选择召开党小组会的联络小组。" in response.content.decode()
    assert not StudyActivity.objects.exists()


def test_another_branchs_contact_group_is_refused(client, branch, other_branch, secretary):
    client.force_login(secretary)
    form = {
        "organiser": branch.pk, "kind": StudyActivity.Kind.GROUP_MEETING, "theme": "小组会",
        "contact_group": ContactGroupFactory(branch=other_branch).pk,
        "date": "2026-05-12", "starts_at": "09:30",
    }  # fmt: skip
    assert client.post(reverse("study:create"), form).status_code == 200
    assert not StudyActivity.objects.exists()
    with pytest.raises(ValidationError):
        services.activity_create(
            actor=secretary, organiser=branch, kind=StudyActivity.Kind.GROUP_MEETING, theme="小组会",
            contact_group=ContactGroupFactory(branch=other_branch), date=datetime.date(2026, 5, 12),
            starts_at=datetime.time(9, 30),
        )  # fmt: skip


def test_a_contact_group_chosen_for_another_kind_is_dropped(client, branch, secretary):
    client.force_login(secretary)
    form = {
        "organiser": branch.pk, "kind": StudyActivity.Kind.GENERAL_MEETING, "theme": "党员大会",
        "contact_group": ContactGroupFactory(branch=branch).pk, "date": "2026-05-12", "starts_at": "09:30",
    }  # fmt: skip
    assert client.post(reverse("study:create"), form).status_code == 302
    assert StudyActivity.objects.get().contact_group is None


def test_a_theme_with_control_characters_is_refused_and_nothing_is_written(client, branch, secretary):
    client.force_login(secretary)
    form = {
        "organiser": branch.pk, "kind": StudyActivity.Kind.GENERAL_MEETING, "theme": "党员\x0b大会",
        "date": "2026-10-12", "starts_at": "09:30",
    }  # fmt: skip
    response = client.post(reverse("study:create"), form)
    assert response.status_code == 200
    assert "此处文字含有不可见的控制字符，请重新输入。" in response.content.decode()
    assert not StudyActivity.objects.exists()


def test_minutes_typed_with_a_control_character_before_still_download(client, branch, secretary, committee):
    meeting = _meeting(branch, theme="党员\x0b大会")
    _minutes(meeting, committee, text="走访\x0c住院党员")
    client.force_login(secretary)
    response = client.get(reverse("study:minutes_docx", args=[meeting.pk]))
    assert response.status_code == 200
    text = "\n".join(p.text for p in Document(io.BytesIO(response.getvalue())).paragraphs)
    assert "走访住院党员" in text
