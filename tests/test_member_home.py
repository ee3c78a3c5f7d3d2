"""The member's home page answers their questions without the menu: the next study day, the latest
notices as they were sent, a call button for their group leader, and how far their dues are paid."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from branch_portal.templatetags.portal_format import day
from members.services import proxy_add
from notifications import services as notices
from study.models import StudyActivity
from tests.dues.factories import DuesRateFactory, pay
from tests.notifications.factories import NoticeFactory
from tests.study.factories import StudyActivityFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def today():
    return timezone.localdate()


@pytest.fixture
def study_day(branch, today):
    return StudyActivityFactory(
        organiser=branch,
        date=today + datetime.timedelta(days=2),
        theme="学习党的二十届四中全会精神",
        starts_at=datetime.time(9, 30),
        ends_at=datetime.time(11, 30),
        place="老干部活动中心二楼",
    )


def test_the_home_page_shows_the_next_study_day_with_a_button_to_the_schedule(
    client, member_user, own_member, branch, other_branch, study_day, today
):
    StudyActivityFactory(organiser=branch, date=today - datetime.timedelta(days=1), theme="上一次")
    StudyActivityFactory(organiser=branch, date=today + datetime.timedelta(days=9), theme="下下次")
    StudyActivityFactory(organiser=other_branch, date=today + datetime.timedelta(days=1), theme="别的支部")
    StudyActivityFactory(
        organiser=branch, kind=StudyActivity.Kind.INTEREST_GROUP, date=today, theme="兴趣小组活动"
    )
    client.force_login(member_user)

    response = client.get(reverse("home"))

    page = response.content.decode()
    assert response.context["member_home"].next_study_day == study_day
    assert day(study_day.date) in page  # 12月8日 within this year, 2027年1月12日 beyond it
    assert date_format(study_day.date, "l") in page  # 星期二
    assert "上午9:30–上午11:30" in page and "老干部活动中心二楼" in page
    assert "学习党的二十届四中全会精神" in page
    assert "还有2天" in page
    assert f'href="{reverse("study:list")}">查看学习安排' in page
    assert f'href="{reverse("study:print_year")}">打印我的学习日程' in page
    assert "上一次" not in page and "别的支部" not in page and "兴趣小组活动" not in page


def test_the_group_leader_is_called_with_one_tap(client, member_user, own_member, liaison):
    liaison.phone = "+8613740419734"
    liaison.save(update_fields=["phone"])
    client.force_login(member_user)
    page = client.get(reverse("home")).content.decode()
    assert 'href="tel:+8613740419734"' in page
    assert f"给{liaison}打电话" in page and "137 4041 9734" in page


def test_the_latest_notices_are_read_as_each_was_sent(client, member_user, own_member, branch, secretary):
    sent_on = timezone.now() - datetime.timedelta(days=5)
    for title in ["一", "二", "三", "四"]:
        body = "{姓名}同志：{支部}本周三上午9点学习。"
        notice = NoticeFactory(branch=branch, title=f"通知{title}", body=body)
        notices.notice_send(actor=secretary, notice=notice, now=sent_on)
    client.force_login(member_user)

    response = client.get(reverse("home"))

    page = response.content.decode()
    shown = [item.notice.title for item in response.context["member_home"].notices]
    assert len(shown) == 3 and "通知一" not in shown
    assert "周桂兰同志：第16党支部本周三上午9点学习。" in page and "{姓名}" not in page
    # "12月1日（星期二）发出"
    assert f"{day(sent_on)}（" in page


def test_dues_paid_up_to_a_month_are_said_in_one_line(client, member_user, own_member, secretary, today):
    DuesRateFactory(member=own_member, valid_from=datetime.date(today.year, 1, 1))
    pay(secretary, own_member, datetime.date(today.year, 1, 1), datetime.date(today.year, 12, 1), today)
    client.force_login(member_user)
    page = client.get(reverse("home")).content.decode()
    assert f"党费已交至{today.year}年12月" in page and "未交" not in page


def test_a_carer_who_is_no_member_gets_the_branch_dashboard_only(client, secretary, study_day):
    client.force_login(secretary)
    response = client.get(reverse("home"))
    assert response.context["member_home"] is None
    assert "下次学习日" not in response.content.decode()


def test_a_carer_who_is_also_a_member_gets_their_own_home_beside_the_dashboard(
    client, secretary, own_member, study_day, django_assert_max_num_queries
):
    # The dashboard's figures row says whether the user reads as a member: a carer with a member row
    # has it read, with their own home's next study day, notices, dues rate and payments (five more
    # queries than a carer without one; over the bar of ten, a debt).
    own_member.user = secretary
    own_member.save(update_fields=["user"])
    client.force_login(secretary)
    client.get(reverse("home"))
    with django_assert_max_num_queries(15):
        response = client.get(reverse("home"))
    assert response.context["member_home"].member == own_member
    assert response.context["tiles"]


@pytest.mark.parametrize("notice_count", [1, 5])
def test_the_members_home_reads_a_fixed_number_of_queries(
    client,
    member_user,
    own_member,
    branch,
    secretary,
    study_day,
    today,
    notice_count,
    django_assert_max_num_queries,
):
    DuesRateFactory(member=own_member, valid_from=datetime.date(today.year, 1, 1))
    for _ in range(notice_count):
        notices.notice_send(actor=secretary, notice=NoticeFactory(branch=branch), now=timezone.now())
    client.force_login(member_user)
    with django_assert_max_num_queries(10):
        client.get(reverse("home"))


def test_a_family_proxy_reads_the_members_home_and_notices_in_the_members_name(
    client, own_member, branch, secretary, study_day
):
    proxy = proxy_add(
        actor=secretary,
        member=own_member,
        name="周小红",
        relation="女儿",
        phone="+8613622223333",
        notices="also",
    )
    notice = NoticeFactory(branch=branch, title="学习安排", body="{姓名}同志：{支部}本周三上午9点学习。")
    notices.notice_send(actor=secretary, notice=notice, now=timezone.now())
    client.force_login(proxy.user)

    home = client.get(reverse("home")).context["member_home"]
    detail = client.get(reverse("notifications:detail", args=[notice.pk])).content.decode()

    assert home.member == own_member and home.next_study_day == study_day
    assert home.notices[0].text == "周桂兰同志：第16党支部本周三上午9点学习。"
    assert "周桂兰同志：第16党支部本周三上午9点学习。" in detail
