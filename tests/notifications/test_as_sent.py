"""Notices read as sent: a member reads their own SMS text, the committee the template and each text."""

import pytest
from django.urls import reverse

from notifications import services, texts
from notifications.models import Message

from .factories import NoticeFactory

pytestmark = pytest.mark.django_db
TEMPLATE = "{姓名}同志：{支部}12月学习日定于本周三上午9点，请准时参加。"


@pytest.fixture
def sent(branch, secretary, own_member, daytime):
    """A notice to the whole branch, sent on Tuesday 10 March 2026."""
    notice = NoticeFactory(branch=branch, title="十二月学习安排", body=TEMPLATE)
    return services.notice_send(actor=secretary, notice=notice, now=daytime).notice


def test_a_member_reads_the_text_their_sms_carried_never_the_template(client, member_user, own_member, sent):
    client.force_login(member_user)
    page = client.get(reverse("notifications:detail", args=[sent.pk])).content.decode()
    sms = Message.objects.get(notice=sent, member=own_member).body
    assert sms == "周桂兰同志：第16党支部12月学习日定于本周三上午9点，请准时参加。"
    assert sms in page
    assert "{姓名}" not in page and "{支部}" not in page


def test_a_relative_day_is_read_with_the_date_the_notice_went_out(client, member_user, sent):
    client.force_login(member_user)
    page = client.get(reverse("notifications:detail", args=[sent.pk])).content.decode()
    assert "3月10日（星期二）发出" in page
    assert "都是从3月10日发出那天算起的" in page


def test_a_notice_without_a_relative_day_has_no_note(
    client, member_user, own_member, branch, secretary, daytime
):
    notice = NoticeFactory(branch=branch, body="{姓名}同志：重阳节快乐！")
    services.notice_send(actor=secretary, notice=notice, now=daytime)
    client.force_login(member_user)
    page = client.get(reverse("notifications:detail", args=[notice.pk])).content.decode()
    assert "3月10日（星期二）发出" in page
    assert "发出那天算起" not in page


def test_a_reader_outside_the_branch_reads_the_group_wording(client, bureau, sent):
    """The bureau reads the branch's notices as its WeChat group did: "各位同志", no one's name."""
    client.force_login(bureau)
    page = client.get(reverse("notifications:detail", args=[sent.pk])).content.decode()
    assert "各位同志：第16党支部12月学习日" in page and "{姓名}" not in page


def test_the_committee_sees_the_template_and_each_recipients_text_on_request(
    client, secretary, own_member, sent
):
    client.force_login(secretary)
    page = client.get(reverse("notifications:detail", args=[sent.pk])).content.decode()
    assert "模板" in page and TEMPLATE in page
    sms = Message.objects.get(notice=sent, member=own_member).body
    assert f'<summary>发出的全文</summary><p class="preview-text mb-0">{sms}</p>' in page


@pytest.mark.parametrize(
    "text",
    ["定于本周三上午9点", "明天有大风", "明起寒潮来袭", "下周一上午", "今明两天有暴雨", "本月学习日"]
    + ["这个星期五"],
)
def test_relative_days_are_recognised(text):
    assert texts.names_relative_day(text)


@pytest.mark.parametrize("text", ["12月9日上午9点学习", "重阳节快乐", "下午三点", "上午9点在三楼会议室"])
def test_dates_and_times_of_day_are_not_relative_days(text):
    assert not texts.names_relative_day(text)
