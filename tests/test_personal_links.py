"""The personal link in a notice SMS: it opens that notice and the member's study schedule, read-only,
without a password, for that member only, for 30 days, and nothing else (every other URL: the "link"
role of tests/surface.py)."""

import datetime
import re
import types
import zoneinfo

import pytest
from django.urls import reverse

from accounts.permissions import SYSTEM
from members import services as member_services
from notifications import links, services, texts
from notifications.models import Message, ReminderSettings
from notifications.transports import locmem
from tests.factories import MemberFactory
from tests.study.factories import StudyActivityFactory
from tests.surface import database_state

pytestmark = pytest.mark.django_db

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
PORTAL = "https://portal.example.org"
LINK = re.compile(re.escape(PORTAL) + r"(/n/\d+/[A-Za-z0-9_-]+)$")


@pytest.fixture(autouse=True)
def portal(settings):
    settings.PORTAL_URL = PORTAL
    settings.NOTIFICATIONS = {**settings.NOTIFICATIONS, "SMS_BACKEND": "locmem", "QUIET_HOURS": ""}
    locmem.outbox.clear()


@pytest.fixture
def clock(monkeypatch):
    class Clock:
        now = datetime.datetime(2026, 12, 1, 10, 0, tzinfo=SHANGHAI)

        def move(self, **delta):
            self.now += datetime.timedelta(**delta)

    current = Clock()
    monkeypatch.setattr("django.utils.timezone.now", lambda: current.now)
    # django-sesame dates its tokens with time.time().
    monkeypatch.setattr("sesame.tokens_v2.time", types.SimpleNamespace(time=lambda: current.now.timestamp()))
    return current


def send(branch, secretary, *members, body="{姓名}同志：本周三上午9点学习。"):
    draft = services.notice_create(
        actor=secretary, branch=branch, title="十二月学习日", body=body, audience="members", members=members
    )
    return services.notice_send(actor=secretary, notice=draft).notice


def link_path(message: Message) -> str:
    return LINK.search(message.body).group(1)


def test_each_notice_sms_ends_with_the_recipients_link(branch, secretary, own_member, clock):
    notice = send(branch, secretary, own_member)

    message = Message.objects.get(notice=notice)
    assert message.body.startswith("周桂兰同志：本周三上午9点学习。 https://portal.example.org/n/")
    assert len(LINK.search(message.body).group(0)) + 1 == links.link_length(branch, notice.pk)


def test_the_link_opens_the_notice_and_the_members_schedule(client, branch, secretary, own_member, clock):
    StudyActivityFactory(organiser=branch, theme="学习二十届四中全会精神", date=datetime.date(2026, 12, 9))
    notice = send(branch, secretary, own_member)

    response = client.get(link_path(Message.objects.get(notice=notice)), follow=True)

    html = response.content.decode()
    assert response.redirect_chain == [(reverse("link_page"), 302)]
    assert "周桂兰同志：本周三上午9点学习。" in html and "十二月学习日" in html
    assert "学习二十届四中全会精神" in html and "老干部活动中心三楼会议室" in html
    assert "_auth_user_id" not in client.session  # nobody is logged in


def test_the_link_opens_nothing_else(client, branch, secretary, own_member, clock):
    member_services.member_update(
        actor=SYSTEM, member=own_member, emergency_name_1="周建华", health_note="心脏不好"
    )
    notice = send(branch, secretary, own_member)
    client.get(link_path(Message.objects.get(notice=notice)))

    page = client.get(reverse("link_page")).content.decode()
    assert "周建华" not in page and "心脏不好" not in page
    health = reverse("members:health", args=[own_member.pk])
    for url in (own_member.get_absolute_url(), health, reverse("home"), reverse("study:list")):
        assert client.get(url)["Location"].startswith(reverse("accounts:login"))
    before = database_state([own_member])
    written = client.post(reverse("accounts:text_size"), {"text_size": "large"})
    assert written["Location"].startswith(reverse("accounts:login"))
    assert database_state([own_member]) == before


def test_a_member_without_a_login_gets_one_for_the_link(client, branch, secretary, group, clock):
    member = MemberFactory(branch=branch, contact_group=group, name="韩秀英")

    notice = send(branch, secretary, member)

    member.refresh_from_db()
    assert member.user is not None and not member.user.has_usable_password()
    assert client.get(link_path(Message.objects.get(notice=notice)), follow=True).status_code == 200


def test_a_family_proxy_gets_a_link_of_their_own(client, branch, secretary, own_member, clock):
    member_services.proxy_add(
        actor=secretary,
        member=own_member,
        name="周小红",
        relation="女儿",
        phone="+8613622223333",
        notices="instead",
    )
    notice = send(branch, secretary, own_member)

    message = Message.objects.get(notice=notice)
    assert message.to == "+8613622223333"
    html = client.get(link_path(message), follow=True).content.decode()
    assert "周桂兰同志：本周三上午9点学习。" in html


def test_a_link_expires_after_30_days(client, branch, secretary, own_member, clock):
    notice = send(branch, secretary, own_member)
    path = link_path(Message.objects.get(notice=notice))
    clock.move(days=29, hours=23)
    assert client.get(path).status_code == 302

    clock.move(hours=2)

    response = client.get(path)
    assert response.status_code == 404 and "链接打不开了" in response.content.decode()
    assert client.get(reverse("link_page"))["Location"].startswith(reverse("accounts:login"))


def test_a_tampered_link_or_one_for_another_notice_opens_nothing_and_writes_nothing(
    client, branch, secretary, own_member, clock
):
    first = send(branch, secretary, own_member)
    second = send(branch, secretary, own_member, body="第二条")
    path = link_path(Message.objects.get(notice=first))
    token = path.rsplit("/", 1)[-1]
    # A character in the middle: base64's last one may carry unused bits.
    tampered = path[:-10] + ("A" if path[-10] != "A" else "B") + path[-9:]
    before = database_state()

    for url in (tampered, reverse("link_open", args=[second.pk, token]), path.rsplit("/", 1)[0] + "/x"):
        response = client.get(url)
        assert response.status_code == 404 and "链接打不开了" in response.content.decode()
    assert "personal_link" not in client.session
    assert database_state() == before


def test_a_link_does_not_open_a_notice_the_member_did_not_get(
    client, branch, secretary, own_member, group, clock
):
    other = MemberFactory(branch=branch, contact_group=group, name="韩秀英")
    theirs = send(branch, secretary, other)
    token = link_path(Message.objects.get(notice=send(branch, secretary, own_member))).rsplit("/", 1)[-1]

    assert client.get(reverse("link_open", args=[theirs.pk, token])).status_code == 404


def test_a_branch_can_switch_links_off(branch, secretary, own_member, clock):
    ReminderSettings.objects.create(branch=branch, personal_link=False)

    notice = send(branch, secretary, own_member)

    assert Message.objects.get(notice=notice).body == "周桂兰同志：本周三上午9点学习。"
    assert links.link_length(branch) == 0


def test_the_link_counts_into_the_sms_length(branch, own_member, settings):
    with_link = texts.sms_length("{姓名}同志：学习。", branch=branch)
    link = links.sample_url(links.next_notice_id())
    settings.PORTAL_URL = ""

    assert with_link - texts.sms_length("{姓名}同志：学习。", branch=branch) == 1 + len(link)
    assert link.startswith("https://portal.example.org/n/")


def test_the_compose_preview_shows_and_counts_the_link(client, secretary, branch, own_member, clock):
    client.force_login(secretary)
    data = {"category": "study", "title": "学习", "body": "{姓名}同志：学习。", "audience": "branch"}
    data["send_sms"] = "on"

    html = client.post(reverse("notifications:preview"), data).content.decode()

    sms = "周桂兰同志：学习。 " + links.sample_url(links.next_notice_id())
    assert sms in html
    assert f"{len(sms)}个字" in html or str(len(sms)) in html
