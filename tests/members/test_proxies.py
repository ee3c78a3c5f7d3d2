"""Family proxies (家属): at most two per member, a login of their own, recorded in the history, and
reading the portal as the member they stand for and no one else."""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django.urls import reverse

from accounts.models import BranchRole
from accounts.permissions import SYSTEM
from members import selectors, services
from members.models import FamilyProxy
from notifications import services as notification_services
from notifications.models import Message
from tests.factories import MemberFactory

pytestmark = pytest.mark.django_db


def add(member, actor=SYSTEM, phone="+8613622223333", notices="also", name="周小红"):
    return services.proxy_add(
        actor=actor, member=member, name=name, relation="女儿", phone=phone, notices=notices
    )


@pytest.fixture
def proxy(own_member, secretary):
    return add(own_member, actor=secretary)


def test_a_proxy_gets_a_passwordless_login_with_the_proxy_role(proxy, own_member):
    assert not proxy.user.has_usable_password()
    role = proxy.user.branch_roles.get()
    assert (role.branch_id, role.role) == (own_member.branch_id, BranchRole.Role.PROXY)


def test_a_member_names_at_most_two_proxies(own_member):
    add(own_member, phone="+8613622223333")
    add(own_member, phone="+8613622224444", name="周小明")

    with pytest.raises(ValidationError, match="最多登记两位家属"):
        add(own_member, phone="+8613622225555", name="周小刚")
    assert own_member.proxies.count() == 2


def test_the_database_refuses_a_third_slot(own_member):
    with pytest.raises(IntegrityError):
        FamilyProxy.objects.create(member=own_member, slot=3, name="x", relation="子", phone="+8613622226666")


def test_adding_a_proxy_is_in_the_members_history(client, secretary, own_member):
    add(own_member, actor=secretary)

    history = selectors.member_history(own_member)

    assert any(entry.subject == "家属" and entry.actor == secretary for entry in history)


def test_removing_a_proxy_ends_their_login_and_stays_in_the_history(secretary, proxy, own_member):
    user_id = proxy.user_id
    services.proxy_remove(actor=secretary, proxy=proxy)

    assert not FamilyProxy.objects.exists()
    assert not BranchRole.objects.filter(user_id=user_id).exists()
    assert [e.action for e in selectors.member_history(own_member) if e.subject == "家属"] == ["删除", "新建"]


def test_reader_member_is_the_own_row_or_the_member_a_proxy_stands_for(proxy, own_member, member_user):
    assert selectors.reader_member(member_user) == own_member
    assert selectors.reader_member(proxy.user) == own_member


def test_a_proxy_sees_the_members_own_page_and_no_other_member(client, proxy, own_member, branch):
    other = MemberFactory(branch=branch, name="韩秀英")
    client.force_login(proxy.user)

    own_page = client.get(reverse("members:detail", args=[own_member.pk]))

    assert own_page.status_code == 200 and "代周桂兰查看" in own_page.content.decode()
    assert client.get(reverse("members:detail", args=[other.pk])).status_code == 404
    assert client.get(reverse("members:list")).status_code == 403
    assert client.get(reverse("members:health", args=[own_member.pk])).status_code == 404


def test_a_proxy_sees_the_members_dues(client, proxy, own_member):
    client.force_login(proxy.user)

    response = client.get(reverse("dues:ledger"))

    assert response.status_code == 200
    assert response.context["member"] == own_member


def notice_to(branch, secretary, member):
    draft = notification_services.notice_create(
        actor=secretary,
        branch=branch,
        title="学习通知",
        body="{姓名}同志：周三学习。",
        audience="members",
        members=[member],
    )
    return notification_services.notice_send(actor=secretary, notice=draft).notice


@pytest.mark.parametrize(
    ("choice", "phones"),
    [
        ("none", {"+8613900000001"}),
        ("also", {"+8613900000001", "+8613622223333"}),
        ("instead", {"+8613622223333"}),
    ],
)
def test_notices_go_to_the_proxy_as_the_proxy_chose(branch, secretary, group, choice, phones):
    member = MemberFactory(branch=branch, contact_group=group, name="周桂兰", phone="+8613900000001")
    add(member, notices=choice)

    notice_to(branch, secretary, member)

    sent = Message.objects.filter(channel="sms")
    assert {m.to for m in sent} == phones
    assert {m.member_id for m in sent} == {member.pk}
    assert all(m.body == "周桂兰同志：周三学习。" for m in sent)


def test_a_proxy_reads_the_notices_sent_to_the_member(client, branch, secretary, group, proxy, own_member):
    notice = notice_to(branch, secretary, own_member)
    client.force_login(proxy.user)

    assert client.get(reverse("notifications:detail", args=[notice.pk])).status_code == 200


def test_reminders_reach_the_proxy_too(branch, proxy, own_member):
    result = notification_services.notify(
        branch=branch, occasion="study-eve:2026-03-10", text="{姓名}同志：明天学习。", recipients=[own_member]
    )

    assert result.queued == 2
    assert Message.objects.filter(to="+8613622223333", user=proxy.user).exists()


def test_the_demo_member_has_a_family_proxy_without_a_password():
    import datetime

    from accounts.models import User
    from members import demo

    branch, _created = demo.seed(datetime.date(2026, 3, 10))
    demo.seed(datetime.date(2026, 3, 10))  # again: still one

    (proxy,) = FamilyProxy.objects.filter(member__user__username="member", member__branch=branch)
    assert proxy.phone.as_e164.startswith("+861") and proxy.notices == "also"
    assert not proxy.user.has_usable_password()
    with_password = [u.username for u in User.objects.all() if u.has_usable_password()]
    assert "member" in with_password and proxy.user.username not in with_password


def proxy_data(**overrides):
    data = {"proxy-name": "周小红", "proxy-relation": "女儿", "proxy-phone": "13622223333"}
    data["proxy-notices"] = "also"
    return {**data, **overrides}


def test_the_committee_adds_a_proxy_on_the_members_page(client, secretary, own_member):
    client.force_login(secretary)
    page = client.get(own_member.get_absolute_url()).content.decode()
    assert "登记家属" in page

    response = client.post(reverse("members:proxy_add", args=[own_member.pk]), proxy_data())

    assert response.status_code == 302
    proxy = own_member.proxies.get()
    assert (proxy.name, proxy.phone.as_e164, proxy.notices) == ("周小红", "+8613622223333", "also")
    assert "周小红" in client.get(own_member.get_absolute_url()).content.decode()


def test_a_bad_mobile_gets_a_chinese_message_and_adds_nobody(client, secretary, own_member):
    client.force_login(secretary)

    bad = proxy_data(**{"proxy-phone": "010-1234"})
    response = client.post(reverse("members:proxy_add", args=[own_member.pk]), bad)

    assert response.status_code == 200 and "11位" in response.content.decode()
    assert not FamilyProxy.objects.exists()


def test_the_liaison_may_not_add_or_remove_proxies(client, liaison, proxy, own_member):
    client.force_login(liaison)

    assert client.post(reverse("members:proxy_add", args=[own_member.pk]), proxy_data()).status_code == 403
    assert client.post(reverse("members:proxy_remove", args=[proxy.pk])).status_code == 403
    assert FamilyProxy.objects.count() == 1


def test_the_committee_removes_a_proxy_on_the_members_page(client, secretary, proxy, own_member):
    client.force_login(secretary)

    response = client.post(reverse("members:proxy_remove", args=[proxy.pk]))

    assert response["Location"] == own_member.get_absolute_url()
    assert not FamilyProxy.objects.exists()


def test_a_login_without_a_password_is_not_offered_a_password_change(client, proxy, member_user):
    client.force_login(proxy.user)
    assert reverse("accounts:password_change") not in client.get(reverse("home")).content.decode()

    client.force_login(member_user)  # a member who has a password keeps the link
    assert reverse("accounts:password_change") in client.get(reverse("home")).content.decode()
