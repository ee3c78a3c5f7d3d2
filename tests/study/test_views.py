import datetime
import re

import pytest
from django.urls import reverse

from accounts.permissions import SYSTEM
from study import services
from study.models import Attendance
from tests.factories import BranchFactory, BranchRoleFactory, MemberFactory, UserFactory
from tests.study.factories import StudyActivityFactory

TODAY = datetime.date(2026, 11, 25)


@pytest.fixture(autouse=True)
def fixed_today(monkeypatch):
    monkeypatch.setattr("django.utils.timezone.localdate", lambda *a, **k: TODAY)


def _fill(branch, count, *, past=True):
    """`count` activities of the branch, half upcoming and half past, each with a material and attendance."""
    members = [MemberFactory(branch=branch) for _ in range(3)]
    for i in range(count):
        day = TODAY + datetime.timedelta(days=(-1 - i) if past and i % 2 else 1 + i)
        activity = StudyActivityFactory(organiser=branch, date=day, summary="大家畅所欲言")
        services.material_add(
            actor=SYSTEM, activity=activity, kind="link", title="学习材料", url="https://www.12371.cn/"
        )
        for member in members:
            services.attendance_mark(actor=SYSTEM, activity=activity, member=member, status="present")


def test_member_sees_upcoming_first_then_past_with_summary_and_own_attendance(client, own_member, branch):
    soon = StudyActivityFactory(organiser=branch, date=TODAY + datetime.timedelta(days=13), theme="即将")
    done = StudyActivityFactory(organiser=branch, date=TODAY - datetime.timedelta(days=20), theme="已办")
    services.activity_update(actor=SYSTEM, activity=done, summary="学习了全会精神")
    services.attendance_mark(actor=SYSTEM, activity=done, member=own_member, status="leave", reason="住院")
    client.force_login(own_member.user)

    response = client.get(reverse("study:list"))

    html = response.content.decode()
    assert list(response.context["upcoming"]) == [soon]
    assert list(response.context["past"]) == [done]
    assert html.index("即将") < html.index("已办")
    assert "学习了全会精神" in html
    assert "请假" in html or "On leave" in html
    assert response.context["stats"] is None


def test_list_card_shows_labels_partners_materials_and_links_to_the_activity(client, own_member, branch):
    # The cards read preloaded labels and lists, and build links from one prefix: what they show is checked.
    partner = BranchFactory(bureau=branch.bureau, name="第二支部")
    done = StudyActivityFactory(
        organiser=branch,
        branches=[partner],
        kind="lecture",
        date=TODAY - datetime.timedelta(days=3),
        theme="讲座已办",
    )
    material = services.material_add(
        actor=SYSTEM, activity=done, kind="link", title="讲稿", url="https://www.12371.cn/"
    )
    services.attendance_mark(actor=SYSTEM, activity=done, member=own_member, status="online")
    client.force_login(own_member.user)

    html = client.get(reverse("study:list")).content.decode()

    assert f'<a href="{done.get_absolute_url()}">讲座已办</a>' in html
    assert "专题讲座" in html
    assert "联合支部：第二支部" in html
    assert f'<a href="{material.get_absolute_url()}">讲稿</a>' in html
    assert "线上参加" in html


def test_members_view_runs_a_constant_number_of_queries(
    client, own_member, branch, django_assert_max_num_queries
):
    client.force_login(own_member.user)
    _fill(branch, 2)
    client.get(reverse("study:list"))  # the first request after logging in may write the session
    with django_assert_max_num_queries(10) as few:
        client.get(reverse("study:list"))
    _fill(branch, 16)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(reverse("study:list"))
    assert len(response.context["upcoming"]) + len(response.context["past"]) == 18


def test_carer_list_shows_attendance_statistics(client, secretary, branch, django_assert_max_num_queries):
    client.force_login(secretary)
    _fill(branch, 4)
    client.get(reverse("study:list"))  # the first request after logging in may write the session
    with django_assert_max_num_queries(10) as few:
        client.get(reverse("study:list"))
    _fill(branch, 12)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(reverse("study:list"))
    html = response.content.decode()
    assert 'id="study-chart-data"' in html
    assert "<table" in html
    assert response.context["stats"]["activities"][0].percent == 100
    first = response.context["stats"]["activities"][0]
    assert f'<a href="{reverse("study:detail", args=[first.activity_id])}">{first.theme}</a>' in html
    assert "<script>" not in html


def test_joint_activity_shows_to_both_branches_and_not_to_a_third(client, joint, neighbour, branch, stranger):
    member_a = UserFactory()
    BranchRoleFactory(user=member_a, branch=branch, role="member")
    member_b = UserFactory()
    BranchRoleFactory(user=member_b, branch=neighbour, role="member")
    for user in (member_a, member_b):
        client.force_login(user)
        assert joint in client.get(reverse("study:list")).context["upcoming"]
        assert client.get(reverse("study:detail", args=[joint.pk])).status_code == 200
    client.force_login(stranger)
    assert joint not in client.get(reverse("study:list")).context["upcoming"]
    assert client.get(reverse("study:detail", args=[joint.pk])).status_code == 404
    assert client.get(reverse("study:attendance", args=[joint.pk])).status_code == 404


def test_user_of_a_third_branch_in_the_same_bureau_sees_nothing_of_a_joint_activity(client, joint, branch):
    third = BranchFactory(bureau=branch.bureau)
    secretary_c = UserFactory()
    BranchRoleFactory(user=secretary_c, branch=third, role="secretary")
    client.force_login(secretary_c)
    assert client.get(reverse("study:detail", args=[joint.pk])).status_code == 404
    assert not client.get(reverse("study:list")).context["upcoming"]


def test_attendance_sheet_lists_only_the_members_the_user_manages(
    client, joint, branch, neighbour, neighbour_secretary, secretary
):
    ours = [MemberFactory(branch=branch, name=f"甲{i}") for i in range(2)]
    theirs = [MemberFactory(branch=neighbour, name=f"乙{i}") for i in range(3)]
    MemberFactory(branch=BranchFactory(bureau=branch.bureau), name="丙")
    client.force_login(neighbour_secretary)
    rows = client.get(reverse("study:attendance", args=[joint.pk])).context["rows"]
    assert [r.member for r in rows] == sorted(theirs, key=lambda m: m.name_pinyin)
    client.force_login(secretary)
    rows = client.get(reverse("study:attendance", args=[joint.pk])).context["rows"]
    assert {r.member for r in rows} == set(ours)


def test_attendance_sheet_runs_a_constant_number_of_queries(
    client, liaison, activity, branch, django_assert_max_num_queries
):
    client.force_login(liaison)
    for _ in range(2):
        services.attendance_mark(
            actor=SYSTEM, activity=activity, member=MemberFactory(branch=branch), status="present"
        )
    with django_assert_max_num_queries(12) as few:
        client.get(reverse("study:attendance", args=[activity.pk]))
    for _ in range(20):
        services.attendance_mark(
            actor=SYSTEM, activity=activity, member=MemberFactory(branch=branch), status="absent"
        )
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(reverse("study:attendance", args=[activity.pk]))
    assert len(response.context["rows"]) == 22


def test_one_tap_records_attendance_and_swaps_only_that_row(client, liaison, activity, branch):
    member = MemberFactory(branch=branch, name="郑玉兰")
    client.force_login(liaison)
    url = reverse("study:attendance_mark", args=[activity.pk, member.pk])

    response = client.post(url, {"status": "leave", "reason": "住院"}, headers={"HX-Request": "true"})

    record = Attendance.objects.get(activity=activity, member=member)
    assert (record.status, record.reason, record.recorded_by) == ("leave", "住院", liaison)
    html = response.content.decode()
    assert html.lstrip().startswith('<li class="card attendance-row')
    assert "<html" not in html and "郑玉兰" in html
    assert re.search(r'value="leave"[^>]*aria-pressed="true"', html)
    assert html.count('aria-pressed="true"') == 1


def test_tap_without_htmx_redirects_back_to_the_sheet(client, liaison, activity, branch):
    member = MemberFactory(branch=branch)
    client.force_login(liaison)
    response = client.post(
        reverse("study:attendance_mark", args=[activity.pk, member.pk]), {"status": "online"}
    )
    assert response.status_code == 302
    assert Attendance.objects.get(member=member).status == "online"


def test_member_cannot_take_attendance(client, own_member, activity):
    client.force_login(own_member.user)
    url = reverse("study:attendance_mark", args=[activity.pk, own_member.pk])
    assert client.post(url, {"status": "present"}).status_code == 403
    assert not Attendance.objects.exists()


def test_cannot_mark_a_member_of_a_branch_outside_the_activity(client, secretary, activity, neighbour):
    outsider = MemberFactory(branch=neighbour)
    client.force_login(secretary)
    response = client.post(
        reverse("study:attendance_mark", args=[activity.pk, outsider.pk]), {"status": "present"}
    )
    assert response.status_code == 404
    assert not Attendance.objects.exists()


def test_makeup_page_lists_missed_monthly_days_and_records_the_makeup(client, liaison, branch):
    past = StudyActivityFactory(organiser=branch, date=TODAY - datetime.timedelta(days=14))
    lecture = StudyActivityFactory(organiser=branch, kind="lecture", date=TODAY - datetime.timedelta(days=7))
    missed, came = MemberFactory(branch=branch), MemberFactory(branch=branch)
    record = services.attendance_mark(actor=SYSTEM, activity=past, member=missed, status="absent")
    services.attendance_mark(actor=SYSTEM, activity=past, member=came, status="present")
    services.attendance_mark(actor=SYSTEM, activity=lecture, member=came, status="absent")
    client.force_login(liaison)

    assert [r.pk for r in client.get(reverse("study:makeup")).context["rows"]] == [record.pk]
    day = (TODAY - datetime.timedelta(days=2)).isoformat()
    prefix = f"m{record.pk}"
    response = client.post(
        reverse("study:makeup_record", args=[record.pk]),
        {f"{prefix}-makeup_on": day, f"{prefix}-makeup_note": "入户补学"},
    )

    assert response.status_code == 302
    record.refresh_from_db()
    assert record.makeup_on.isoformat() == day and record.makeup_note == "入户补学"
    assert not client.get(reverse("study:makeup")).context["rows"]


def test_makeup_before_the_study_day_is_refused_with_a_message(client, liaison, branch):
    past = StudyActivityFactory(organiser=branch, date=TODAY - datetime.timedelta(days=14))
    record = services.attendance_mark(
        actor=SYSTEM, activity=past, member=MemberFactory(branch=branch), status="leave"
    )
    client.force_login(liaison)
    prefix = f"m{record.pk}"
    day = (TODAY - datetime.timedelta(days=30)).isoformat()
    response = client.post(reverse("study:makeup_record", args=[record.pk]), {f"{prefix}-makeup_on": day})
    assert response.status_code == 200
    record.refresh_from_db()
    assert record.makeup_on is None
    assert response.context["rows"][0].form.errors


def test_secretary_creates_a_joint_activity_with_the_neighbour(client, secretary, branch, neighbour):
    client.force_login(secretary)
    response = client.post(
        reverse("study:create"),
        {
            "organiser": branch.pk, "other_branches": [neighbour.pk], "kind": "joint",
            "theme": "我们与党心连心", "date": "2026-12-15", "starts_at": "09:30", "ends_at": "11:30",
            "place": "活动中心",
        },
    )  # fmt: skip
    assert response.status_code == 302
    activity = branch.organised_study_activities.get()
    assert set(activity.branches.all()) == {branch, neighbour}


def test_invalid_activity_form_rerenders_with_errors(client, secretary, branch):
    client.force_login(secretary)
    response = client.post(
        reverse("study:create"),
        {"organiser": branch.pk, "kind": "monthly", "theme": "x", "date": "2026-12-15", "starts_at": "11:00",
         "ends_at": "10:00"},
    )  # fmt: skip
    assert response.status_code == 200
    assert response.context["form"].errors
    assert not branch.organised_study_activities.exists()


def test_moving_a_study_day_changes_its_date(client, secretary, activity):
    client.force_login(secretary)
    data = {
        "kind": "monthly", "theme": activity.theme, "date": "2026-12-10", "starts_at": "14:00",
        "ends_at": "16:00", "place": activity.place,
    }  # fmt: skip
    assert client.post(reverse("study:edit", args=[activity.pk]), data).status_code == 302
    activity.refresh_from_db()
    assert (activity.date, activity.starts_at) == (datetime.date(2026, 12, 10), datetime.time(14))


def test_neighbour_secretary_may_not_edit_the_organisers_activity(client, joint, neighbour_secretary):
    client.force_login(neighbour_secretary)
    assert client.get(reverse("study:edit", args=[joint.pk])).status_code == 403
    assert client.get(reverse("study:attendance", args=[joint.pk])).status_code == 200


def test_plan_page_saves_themes_and_generates_the_year(client, secretary, branch):
    client.force_login(secretary)
    url = reverse("study:plan", args=[branch.pk, 2027])
    data = {"week": 2, "weekday": 1, "starts_at": "09:30", "ends_at": "11:30", "place": "活动中心"}
    data |= {f"theme_{m}": f"{m}月学习" for m in range(1, 13)}
    assert client.post(url, data).status_code == 302
    assert client.post(reverse("study:plan_generate", args=[branch.pk, 2027])).status_code == 302
    days = list(branch.organised_study_activities.order_by("date"))
    assert len(days) == 12
    assert days[0].date == datetime.date(2027, 1, 12) and days[0].theme == "1月学习"
    assert len(client.get(url).context["days"]) == 12


def test_plan_page_of_another_branch_is_404(client, secretary, neighbour):
    client.force_login(secretary)
    assert client.get(reverse("study:plan", args=[neighbour.pk, 2027])).status_code == 404


def test_member_panel_shows_the_members_attendance(client, secretary, own_member, activity):
    services.attendance_mark(actor=SYSTEM, activity=activity, member=own_member, status="online")
    client.force_login(secretary)
    response = client.get(reverse("study:member_panel", args=[own_member.pk]))
    assert activity.theme in response.content.decode()
    assert "<html" not in response.content.decode()


def test_interest_groups_show_members_and_activities_in_constant_queries(
    client, own_member, branch, other_branch, django_assert_max_num_queries
):
    group = services.interest_group_create(
        actor=SYSTEM,
        branch=branch,
        name="理论学习兴趣小组",
        members=[own_member, MemberFactory(branch=branch)],
    )
    StudyActivityFactory(organiser=branch, kind="interest_group", interest_group=group, theme="热点问题讲座")
    services.interest_group_create(actor=SYSTEM, branch=other_branch, name="书画兴趣小组")
    client.force_login(own_member.user)
    with django_assert_max_num_queries(12) as few:
        client.get(reverse("study:groups"))
    for n in range(5):
        services.interest_group_create(actor=SYSTEM, branch=branch, name=f"小组{n}", members=[own_member])
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(reverse("study:groups"))
    html = response.content.decode()
    assert "理论学习兴趣小组" in html and "热点问题讲座" in html and own_member.name in html
    assert "书画兴趣小组" not in html


def test_statistics_follow_the_chosen_year(client, secretary, branch):
    last_year = StudyActivityFactory(organiser=branch, date=datetime.date(2025, 6, 10))
    services.attendance_mark(
        actor=SYSTEM, activity=last_year, member=MemberFactory(branch=branch), status="absent"
    )
    client.force_login(secretary)
    assert client.get(reverse("study:list")).context["stats"]["activities"] == []
    stats = client.get(reverse("study:list"), {"year": 2025}).context["stats"]
    assert stats["year"] == 2025
    assert [(r.activity_id, r.percent) for r in stats["activities"]] == [(last_year.pk, 0)]


def test_detail_runs_a_constant_number_of_queries(
    client, own_member, activity, django_assert_max_num_queries
):
    client.force_login(own_member.user)
    services.material_add(
        actor=SYSTEM, activity=activity, kind="link", title="材料0", url="https://www.12371.cn/"
    )
    with django_assert_max_num_queries(14) as few:
        client.get(reverse("study:detail", args=[activity.pk]))
    for n in range(1, 8):
        services.material_add(
            actor=SYSTEM, activity=activity, kind="link", title=f"材料{n}", url="https://www.12371.cn/"
        )
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(reverse("study:detail", args=[activity.pk]))
    assert response.content.decode().count("材料") >= 8


@pytest.mark.parametrize("year", ["-1", "99999999999999999999"])
def test_a_year_no_date_can_have_is_refused_and_the_past_shown_unfiltered(client, own_member, branch, year):
    done = StudyActivityFactory(organiser=branch, date=TODAY - datetime.timedelta(days=20))
    client.force_login(own_member.user)

    response = client.get(reverse("study:list"), {"year": year})

    assert response.status_code == 200
    assert list(response.context["past"]) == [done]


def activity_data(**overrides) -> dict:
    data = {
        "kind": "joint", "theme": "我们与党心连心", "date": "2026-12-15", "starts_at": "09:30",
        "ends_at": "11:30", "place": "活动中心",
    }  # fmt: skip
    return data | overrides


def test_past_activities_fold_by_month_latest_open_and_the_year_is_chosen_not_typed(
    client, own_member, branch
):
    october = StudyActivityFactory(organiser=branch, date=datetime.date(TODAY.year, 10, 12), theme="十月学习")
    november = [
        StudyActivityFactory(
            organiser=branch, date=datetime.date(TODAY.year, 11, day), theme=f"十一月学习{day}"
        )
        for day in (3, 17)
    ]
    client.force_login(own_member.user)

    page = client.get(reverse("study:list")).content.decode()

    months = re.findall(
        r'<details class="study-month"( open)?>\s*<summary[^>]*>\s*([^<]*?)\s*</summary>', page
    )
    assert months == [(" open", "2026年11月 · 2项活动"), ("", "2026年10月 · 1项活动")]
    assert all(a.theme in page for a in [october, *november])
    assert '<select class="form-select" name="year"' in page
    assert f'<option value="{TODAY.year - 9}">' in page and f'<option value="{TODAY.year - 10}">' not in page
