import pytest
from django.urls import reverse

from notifications import services
from notifications.models import Message, Notice
from tests.factories import MemberFactory

from .factories import NoticeFactory

pytestmark = pytest.mark.django_db


def compose(**overrides):
    data = {
        "category": "study",
        "title": "学习安排",
        "body": "{姓名}同志：周三上午9点学习。",
        "audience": "branch",
        "send_sms": "on",
        "action": "send",
    }
    data.update(overrides)
    return data


def test_secretary_sends_a_notice_from_the_compose_page(client, secretary, branch, clock):
    MemberFactory(branch=branch, name="张志远")
    client.force_login(secretary)
    response = client.post(reverse("notifications:new"), compose())
    notice = Notice.objects.get()
    assert response.status_code == 302 and response["Location"] == notice.get_absolute_url()
    assert (notice.status, notice.number, notice.created_by) == ("sent", 1, secretary)
    assert Message.objects.get(notice=notice).body == "张志远同志：周三上午9点学习。"


def test_saving_a_draft_gives_no_number(client, secretary, branch):
    client.force_login(secretary)
    client.post(reverse("notifications:new"), compose(action="draft"))
    notice = Notice.objects.get()
    assert (notice.status, notice.number) == ("draft", None)


def test_invalid_compose_rerenders_with_errors_and_saves_nothing(client, secretary):
    client.force_login(secretary)
    response = client.post(
        reverse("notifications:new"), compose(body="{名字}同志", audience="groups", send_sms="")
    )
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert set(errors) == {"body", "groups", "__all__"}
    assert not Notice.objects.exists()


def test_choosing_a_template_fills_title_and_text(client, secretary):
    from notifications.models import NoticeTemplate

    template = NoticeTemplate.objects.get(name="天气提醒")
    client.force_login(secretary)
    response = client.get(reverse("notifications:new"), {"template": template.pk}, HTTP_HX_REQUEST="true")
    assert response.context["form"].initial["body"] == template.body
    # The swapped part holds the preview too, which loads again with the template's text.
    assert 'id="compose"' in response.content.decode() and 'hx-trigger="load' in response.content.decode()


def test_preview_shows_each_sms_with_length_parts_and_who_has_no_mobile(client, secretary, branch):
    MemberFactory(branch=branch, name="张志远")
    MemberFactory(branch=branch, name="钱无号", phone="")
    client.force_login(secretary)
    long_text = "{姓名}同志：" + "学" * 80
    response = client.post(reverse("notifications:preview"), compose(body=long_text))
    text = response.content.decode()
    assert response.status_code == 200
    [row] = response.context["preview"].rows
    assert (row.length, row.segments) == (86, 2)
    assert "钱无号" in text and "张志远同志：学学" in text
    assert not Message.objects.exists()


@pytest.mark.parametrize("count", [3, 30])
def test_notice_list_runs_a_fixed_number_of_queries(
    client, secretary, branch, count, django_assert_max_num_queries, daytime
):
    MemberFactory(branch=branch)
    for _ in range(count):
        services.notice_send(
            actor=secretary, notice=NoticeFactory(branch=branch, created_by=secretary), now=daytime
        )
    client.force_login(secretary)
    with django_assert_max_num_queries(9):
        response = client.get(reverse("notifications:list"))
    assert len(response.context["notices"]) == count


def test_the_list_shows_counts_of_sent_failed_and_waiting(client, secretary, branch, daytime):
    for _ in range(3):
        MemberFactory(branch=branch)
    notice = services.notice_send(actor=secretary, notice=NoticeFactory(branch=branch), now=daytime).notice
    first, second, _third = Message.objects.filter(notice=notice)
    Message.objects.filter(pk=first.pk).update(status="sent")
    Message.objects.filter(pk=second.pk).update(status="failed")
    client.force_login(secretary)
    row = client.get(reverse("notifications:list")).context["notices"][0]
    assert (row.sent_count, row.failed_count, row.pending_count) == (1, 1, 1)


def test_members_see_sent_notices_to_the_branch_or_to_them_but_not_drafts(
    client, member_user, own_member, branch, secretary, daytime
):
    other = MemberFactory(branch=branch)
    to_all = services.notice_send(
        actor=secretary, notice=NoticeFactory(branch=branch, title="全体"), now=daytime
    ).notice
    mine = services.notice_create(
        actor=secretary, branch=branch, title="给我", body="b", audience="members", members=[own_member]
    )
    services.notice_send(actor=secretary, notice=mine, now=daytime)
    theirs = services.notice_create(
        actor=secretary, branch=branch, title="给别人", body="b", audience="members", members=[other]
    )
    services.notice_send(actor=secretary, notice=theirs, now=daytime)
    NoticeFactory(branch=branch, title="草稿")
    client.force_login(member_user)
    titles = {n.title for n in client.get(reverse("notifications:list")).context["notices"]}
    assert titles == {"全体", "给我"}
    assert client.get(reverse("notifications:detail", args=[theirs.pk])).status_code == 404
    page = client.get(reverse("notifications:detail", args=[to_all.pk]))
    assert page.status_code == 200 and "messages_sent" not in page.context


@pytest.mark.parametrize("count", [2, 40])
def test_notice_detail_lists_each_recipient_in_fixed_queries(
    client, secretary, branch, count, django_assert_max_num_queries, daytime
):
    for _ in range(count):
        MemberFactory(branch=branch)
    notice = services.notice_send(actor=secretary, notice=NoticeFactory(branch=branch), now=daytime).notice
    client.force_login(secretary)
    with django_assert_max_num_queries(9):
        response = client.get(reverse("notifications:detail", args=[notice.pk]))
    assert len(response.context["messages_sent"]) == count


def test_retry_failed_queues_the_failed_messages_again(client, secretary, branch, clock):
    for _ in range(2):
        MemberFactory(branch=branch)
    notice = services.notice_send(actor=secretary, notice=NoticeFactory(branch=branch), now=clock.now).notice
    failed = Message.objects.filter(notice=notice).first()
    Message.objects.filter(pk=failed.pk).update(
        status="failed", attempts=6, last_error="isv.BUSINESS_LIMIT_CONTROL"
    )
    client.force_login(secretary)
    response = client.post(reverse("notifications:retry", args=[notice.pk]))
    assert response.status_code == 302
    failed.refresh_from_db()
    assert (failed.status, failed.attempts) == ("queued", 0)


def test_a_draft_is_sent_from_its_page_and_strangers_get_404(client, secretary, stranger, branch, clock):
    MemberFactory(branch=branch)
    notice = NoticeFactory(branch=branch)
    client.force_login(stranger)
    assert client.post(reverse("notifications:send", args=[notice.pk])).status_code == 404
    client.force_login(secretary)
    client.post(reverse("notifications:send", args=[notice.pk]))
    notice.refresh_from_db()
    assert notice.status == "sent"


def test_member_panel_lists_what_the_member_received(client, liaison, branch, secretary, own_member, daytime):
    services.notice_send(
        actor=secretary, notice=NoticeFactory(branch=branch, title="重阳节问候"), now=daytime
    )
    client.force_login(liaison)
    response = client.get(reverse("notifications:member_panel", args=[own_member.pk]))
    assert [m.notice.title for m in response.context["received"]] == ["重阳节问候"]


def test_reminder_switches_are_saved(client, secretary, branch):
    from notifications.models import ReminderSettings

    client.force_login(secretary)
    client.post(reverse("notifications:reminders"), {"birthday_greeting": "on", "visit_digest": "on"})
    saved = ReminderSettings.objects.get(branch=branch)
    assert (saved.birthday_greeting, saved.study_day_before, saved.visit_digest) == (True, False, True)


def test_a_scheduled_notice_can_be_taken_back_to_draft(client, secretary, branch, clock):
    import datetime

    MemberFactory(branch=branch)
    notice = NoticeFactory(branch=branch, scheduled_for=clock.now + datetime.timedelta(days=1))
    services.notice_send(actor=secretary, notice=notice)
    client.force_login(secretary)
    client.post(reverse("notifications:unschedule", args=[notice.pk]))
    notice.refresh_from_db()
    assert (notice.status, notice.number) == ("draft", None)


def test_the_committees_dashboard_counts_this_years_issues_and_notices_that_failed(
    client, secretary, branch, daytime
):
    from django.utils import timezone

    MemberFactory(branch=branch)
    notice = services.notice_send(
        actor=secretary, notice=NoticeFactory(branch=branch), now=timezone.now()
    ).notice
    Message.objects.filter(notice=notice).update(status="failed")
    client.force_login(secretary)
    tiles = {tile["label"]: tile["value"] for tile in client.get(reverse("home")).context["tiles"]}
    assert tiles["本年已发短信期数"] == 1
    assert tiles["有发送失败消息的通知"] == 1  # the notices, which the tile opens (issue 20)


def test_after_sending_the_page_names_who_got_no_sms(client, secretary, branch, clock):
    MemberFactory(branch=branch, name="张志远")
    MemberFactory(branch=branch, name="钱无号", phone="")
    MemberFactory(branch=branch, name="王不要", sms_opt_out=True)
    client.force_login(secretary)
    response = client.post(reverse("notifications:new"), compose(), follow=True)
    shown = [str(m) for m in response.context["messages"]]
    assert any("钱无号" in text for text in shown)
    assert any("王不要" in text for text in shown)


NOBODY_IN_COMMITTEE = "这条通知没有人能收到：“支委会”中没有在册党员。请换一个发送对象。"


def test_sending_to_nobody_rerenders_the_page_with_why_and_writes_nothing(
    client, secretary, committee, branch, clock
):
    MemberFactory(branch=branch)
    client.force_login(secretary)
    response = client.post(reverse("notifications:new"), compose(audience="committee"))
    assert response.status_code == 200
    assert NOBODY_IN_COMMITTEE in response.content.decode()
    assert response.context["form"].non_field_errors() == [NOBODY_IN_COMMITTEE]
    assert not Notice.objects.exists() and not Message.objects.exists()


def test_the_preview_says_nobody_would_get_it_and_turns_the_send_button_off(
    client, secretary, committee, branch
):
    MemberFactory(branch=branch, name="张志远")
    client.force_login(secretary)
    refused = client.post(reverse("notifications:preview"), compose(audience="committee")).content.decode()
    assert NOBODY_IN_COMMITTEE in refused
    assert 'id="send-actions" class="d-flex flex-wrap gap-2" hx-swap-oob="true"' in refused
    assert 'value="send" class="btn btn-primary btn-lg" disabled aria-describedby="send-refused"' in refused

    fine = client.post(reverse("notifications:preview"), compose()).content.decode()
    assert "张志远同志" in fine and 'hx-swap-oob="true"' in fine
    assert NOBODY_IN_COMMITTEE not in fine and "disabled" not in fine
    assert not Notice.objects.exists()


def test_the_preview_gives_no_reason_before_a_channel_is_chosen(client, secretary, branch):
    MemberFactory(branch=branch)
    client.force_login(secretary)
    response = client.post(reverse("notifications:preview"), compose(send_sms=""))
    assert response.context["unsent"] == ""


def test_a_held_back_scheduled_notice_shows_why_on_its_page(client, secretary, branch, clock):
    import datetime

    member = MemberFactory(branch=branch)
    notice = NoticeFactory(
        branch=branch, audience=Notice.Audience.MEMBERS, scheduled_for=clock.now + datetime.timedelta(hours=1)
    )
    notice.members.set([member])
    services.notice_send(actor=secretary, notice=notice)
    member.status, member.status_changed_on = "deceased", clock.now.date()
    member.save(update_fields=["status", "status_changed_on"])
    clock.move(hours=1, minutes=1)
    services.outbox_sweep()
    client.force_login(secretary)
    page = client.get(notice.get_absolute_url()).content.decode()
    assert "没有发出，已退回草稿，没有占用期号。" in page
    assert "这条通知没有人能收到：“指定党员”中没有在册党员。请换一个发送对象。" in page


def test_a_member_reads_the_kind_of_a_notice_but_not_the_word_other(
    client, member_user, own_member, branch, secretary, daytime
):
    """A bare 其他 under a title tells an old reader nothing: only a real kind is named."""
    weather = NoticeFactory(branch=branch, title="降温", category="weather")
    other = NoticeFactory(branch=branch, title="杂事", category="other")
    for notice in (weather, other):
        services.notice_send(actor=secretary, notice=notice, now=daytime)
    client.force_login(member_user)
    weather_page = client.get(reverse("notifications:detail", args=[weather.pk])).content.decode()
    other_page = client.get(reverse("notifications:detail", args=[other.pk])).content.decode()
    assert '<p class="lead">天气提醒</p>' in weather_page
    assert '<p class="lead">' not in other_page
