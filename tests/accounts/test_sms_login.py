"""Logging in with a code sent by SMS, end to end through the real Alibaba Cloud transport against its
local stub: the code arrives, logs in once, expires, is throttled and tells nobody who is a member."""

import datetime
import logging
import re
import time
import zoneinfo

import pytest
from django.urls import reverse

from accounts.models import BranchRole, LoginCode, LoginThrottle
from members import services as member_services
from members.models import Member
from notifications.models import Message
from tests.factories import MemberFactory
from tests.surface import database_state

pytestmark = pytest.mark.django_db

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
ASK, CHECK = reverse("login_code"), reverse("login_code_check")
UNKNOWN = "13700001111"
NOT_RIGHT = "验证码不对"
TOO_MANY = "尝试次数太多"


@pytest.fixture
def clock(monkeypatch):
    class Clock:
        now = datetime.datetime(2026, 3, 10, 10, 0, tzinfo=SHANGHAI)

        def move(self, **delta):
            self.now += datetime.timedelta(**delta)

    current = Clock()
    monkeypatch.setattr("django.utils.timezone.now", lambda: current.now)
    return current


@pytest.fixture
def phone(own_member):
    return own_member.phone.as_e164.removeprefix("+86")


def codes_received(stub, number: str) -> list[str]:
    return [re.search(r"\d{6}", text).group() for text in stub.texts.get(number, [])]


def ask(client, number: str, **extra):
    return client.post(ASK, {"phone": number}, **extra)


def check(client, number: str, code: str, **extra):
    return client.post(CHECK, {"phone": number, "code": code}, **extra)


def logged_in(client) -> bool:
    return "_auth_user_id" in client.session


def test_login_page_offers_sms_code_beside_the_password(client):
    html = client.get(reverse("accounts:login")).content.decode()
    assert "短信验证码登录" in html and 'name="password"' in html
    assert f'action="{ASK}"' in html


def test_member_gets_a_code_by_sms_and_logs_in_with_it_once(client, aliyun, clock, phone, member_user):
    response = ask(client, phone)

    assert "验证码已用短信发出" in response.content.decode()
    (code,) = codes_received(aliyun, phone)
    assert aliyun.texts[phone][0].startswith("【第16党支部】您登录支部工作平台的验证码是")
    sent = Message.objects.get()
    assert (sent.status, sent.requested, sent.to) == ("sent", True, f"+86{phone}")
    assert code not in sent.body and "******" in sent.body  # the outbox keeps it masked

    response = check(client, phone, code)
    assert response.status_code == 302 and response["Location"] == reverse("home")
    assert int(client.session["_auth_user_id"]) == member_user.pk

    client.post(reverse("accounts:logout"))
    again = check(client, phone, code)
    assert NOT_RIGHT in again.content.decode() and not logged_in(client)


def test_the_code_is_kept_hashed_and_never_logged(client, aliyun, clock, phone, caplog):
    caplog.set_level(logging.DEBUG)
    ask(client, phone)
    (code,) = codes_received(aliyun, phone)
    check(client, phone, code)

    row = LoginCode.objects.get()
    assert code not in row.code_hash and len(row.code_hash) == 64
    assert code not in caplog.text


def test_a_code_expires_after_five_minutes(client, aliyun, clock, phone):
    ask(client, phone)
    (code,) = codes_received(aliyun, phone)
    clock.move(minutes=5, seconds=1)

    response = check(client, phone, code)

    assert NOT_RIGHT in response.content.decode() and not logged_in(client)


def test_five_wrong_tries_end_the_code(client, aliyun, clock, phone):
    ask(client, phone)
    (code,) = codes_received(aliyun, phone)
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    for _ in range(5):
        assert NOT_RIGHT in check(client, phone, wrong).content.decode()

    response = check(client, phone, code)

    assert NOT_RIGHT in response.content.decode() and not logged_in(client)
    assert LoginCode.objects.get().wrong_tries == 5


def test_only_the_latest_code_logs_in(client, aliyun, clock, phone):
    ask(client, phone)
    clock.move(minutes=1, seconds=1)
    ask(client, phone)
    first, latest = codes_received(aliyun, phone)

    assert NOT_RIGHT in check(client, phone, first).content.decode() or first == latest
    assert check(client, phone, latest).status_code == 302


def test_an_unknown_number_gets_the_same_answer_and_nothing_but_the_throttle_count(
    client, aliyun, clock, phone
):
    known = ask(client, phone).content.decode()
    before = database_state()

    unknown = ask(client, UNKNOWN).content.decode()

    strip = re.compile(r'csrfmiddlewaretoken" value="[^"]+"|"X-CSRFToken": "[^"]+"|value="\+86\d+"')
    assert strip.sub("", unknown) == strip.sub("", known)
    assert UNKNOWN not in aliyun.texts
    counts, _rows = database_state()
    changed = {table for table, count in counts.items() if count != before[0][table]}
    assert changed == {LoginThrottle._meta.db_table}


def test_a_wrong_code_for_an_unknown_number_writes_only_the_throttle_count(client, aliyun, clock):
    before = database_state()

    response = check(client, UNKNOWN, "123456")

    assert NOT_RIGHT in response.content.decode() and not logged_in(client)
    counts, _rows = database_state()
    assert {t for t, c in counts.items() if c != before[0][t]} == {LoginThrottle._meta.db_table}


def test_asking_again_within_a_minute_is_throttled_alike_for_known_and_unknown(client, aliyun, clock, phone):
    for number in (phone, UNKNOWN):
        ask(client, number)
        response = ask(client, number)
        assert TOO_MANY in response.content.decode()
    assert len(codes_received(aliyun, phone)) == 1

    clock.move(seconds=61)
    assert "验证码已用短信发出" in ask(client, phone).content.decode()
    assert len(codes_received(aliyun, phone)) == 2


def test_one_address_asking_for_many_numbers_is_throttled(client, aliyun, clock):
    for n in range(20):
        ask(client, f"1370000{n:04d}", REMOTE_ADDR="10.0.0.9")

    response = ask(client, "13700009999", REMOTE_ADDR="10.0.0.9")
    other_address = ask(client, "13700009999", REMOTE_ADDR="10.0.0.10")

    assert TOO_MANY in response.content.decode()
    assert TOO_MANY not in other_address.content.decode()


def test_wrong_codes_for_a_number_are_throttled_even_with_the_right_one(client, aliyun, clock, phone):
    ask(client, phone)
    (code,) = codes_received(aliyun, phone)
    for n in range(10):  # across addresses: the number itself is counted
        check(client, phone, "000000" if code != "000000" else "111111", REMOTE_ADDR=f"10.0.1.{n}")

    response = check(client, phone, code)

    assert TOO_MANY in response.content.decode() and not logged_in(client)


def test_a_code_is_sent_at_once_even_in_quiet_hours(client, aliyun, clock, phone):
    clock.now = datetime.datetime(2026, 3, 10, 23, 30, tzinfo=SHANGHAI)

    ask(client, phone)

    assert len(codes_received(aliyun, phone)) == 1


def test_the_answer_takes_as_long_for_an_unknown_number(client, aliyun, clock, settings):
    settings.SMS_LOGIN = {**settings.SMS_LOGIN, "ANSWER_SECONDS": 0.3}
    started = time.monotonic()

    ask(client, UNKNOWN)

    assert time.monotonic() - started >= 0.3


def test_a_provider_error_leaves_no_session_and_the_message_failed_for_good(client, aliyun, clock, phone):
    aliyun.status = 503

    response = ask(client, phone)

    assert "验证码已用短信发出" in response.content.decode()  # the same answer as ever
    message = Message.objects.get()
    assert (message.status, message.requested) == ("failed", True)


def test_a_member_without_a_login_gets_one_at_their_first_code(client, aliyun, clock, branch, group):
    member = MemberFactory(branch=branch, contact_group=group, name="韩秀英", phone="+8613911112222")

    ask(client, "13911112222")
    (code,) = codes_received(aliyun, "13911112222")
    check(client, "13911112222", code)

    member.refresh_from_db()
    assert int(client.session["_auth_user_id"]) == member.user_id
    assert not member.user.has_usable_password()
    assert member.user.branch_roles.get().role == BranchRole.Role.MEMBER


def test_a_former_member_cannot_log_in_by_code(client, aliyun, clock, branch):
    MemberFactory(
        branch=branch,
        phone="+8613911113333",
        status=Member.Status.DECEASED,
        status_changed_on=datetime.date(2026, 1, 5),
    )

    ask(client, "13911113333")

    assert "13911113333" not in aliyun.texts


def test_a_family_proxy_logs_in_by_code_and_reads_as_the_member(client, aliyun, clock, own_member, secretary):
    proxy = member_services.proxy_add(
        actor=secretary,
        member=own_member,
        name="周小红",
        relation="女儿",
        phone="+8613622223333",
        notices="also",
    )

    ask(client, "13622223333")
    (code,) = codes_received(aliyun, "13622223333")
    check(client, "13622223333", code)

    assert int(client.session["_auth_user_id"]) == proxy.user_id
    home = client.get(reverse("home")).content.decode()
    assert "代周桂兰查看" in home


def test_next_is_followed_only_within_the_site(client, aliyun, clock, phone):
    ask(client, phone)
    (code,) = codes_received(aliyun, phone)

    response = client.post(CHECK, {"phone": phone, "code": code, "next": "https://evil.example/"})

    assert response["Location"] == reverse("home")


def test_a_badly_typed_number_or_code_gets_a_chinese_message(client, aliyun, clock):
    assert "请输入11位手机号码" in ask(client, "12345").content.decode()
    assert "验证码是6位数字" in check(client, "13911112222", "12ab56").content.decode()
    assert not LoginThrottle.objects.exists()
