"""Writes of notifications: notices (draft, send, issue a number) and `notify`, the one entry point
other apps use for their reminders.

    from notifications.services import notify
    notify(branch=b, occasion=f"study-eve:{day:%Y-%m-%d}", text="{姓名}同志：明天上午9点学习…",
           recipients=members, reminder="study_day_before")

Each (occasion, channel, recipient) is queued at most once, however often it is called.
"""

import datetime
import logging
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.permissions import authorise, person
from lib import numbering
from members.models import Member
from members.services import member_account_ensure
from org.models import Branch

from . import audience, calls, delivery, links, outbox, texts
from .models import Channel, Message, Notice, NoticeTemplate, ReminderSettings
from .outbox import Notified
from .transports import Outcome, TransportError, get_transport

# The automatic reminders a branch can switch off (fields of ReminderSettings). Birthdays are sent here;
# study_day_before (study app), visit_digest and concern_escalation (visits app) call notify().
REMINDERS = ("birthday_greeting", "study_day_before", "visit_digest", "concern_escalation")
# Every switch of ReminderSettings: the reminders, and the personal link in notice SMS (links.py).
SWITCHES = (*REMINDERS, "personal_link")
BIRTHDAY_TEMPLATE = "生日祝福"

logger = logging.getLogger("notifications")


def _check_sender(actor, branch) -> None:
    authorise(actor, "send_notices", branch, _("You may not send notices for this branch."))


def _clean_text(notice: Notice) -> None:
    if len(notice.body) > texts.BODY_LIMIT:
        message = _(
            "Keep the text within %(limit)s characters; it has %(length)s. A longer text is split "
            "into too many SMS parts."
        )
        raise ValidationError({"body": message % {"limit": texts.BODY_LIMIT, "length": len(notice.body)}})
    unknown = texts.unknown_placeholders(notice.body)
    if unknown:
        names = "、".join(f"{{{name}}}" for name in unknown)
        raise ValidationError({"body": _("Unknown placeholders: %(names)s.") % {"names": names}})
    too_long = notice.send_sms and texts.sms_too_long(notice.body, branch=notice.branch)
    if too_long:
        raise ValidationError({"body": ValidationError(too_long, code="sms_too_long")})


@dataclass(frozen=True)
class NoticeResult:
    """What saving or sending a notice did, for the sender's page: the notice as it now stands, and whom
    its SMS do not reach (not stored; the preview shows them too)."""

    notice: Notice
    without_phone: list[str] = field(default_factory=list)
    opted_out: list[str] = field(default_factory=list)
    calls_added: int = 0


@transaction.atomic
def notice_create(*, actor, branch: Branch, groups=(), members=(), **fields) -> Notice:
    """Saves a draft notice with its audience."""
    _check_sender(actor, branch)
    notice = Notice(branch=branch, created_by=person(actor), **fields)
    notice.full_clean()
    _clean_text(notice)
    notice.save()
    notice.groups.set([g for g in groups if g.branch_id == branch.pk])
    notice.members.set([m for m in members if m.branch_id == branch.pk])
    return notice


@transaction.atomic
def notice_submit(*, actor, branch: Branch, send: bool, groups=(), members=(), **fields) -> NoticeResult:
    """Saves a notice written on the compose page and, with `send`, sends (or schedules) it at once: a
    notice that cannot be sent is not left behind as a draft either."""
    notice = notice_create(actor=actor, branch=branch, groups=groups, members=members, **fields)
    return notice_send(actor=actor, notice=notice) if send else NoticeResult(notice)


@transaction.atomic
def notice_send(*, actor, notice: Notice, now: datetime.datetime | None = None) -> NoticeResult:
    """Sends a draft now, or schedules it when its time is in the future; the number comes when it goes."""
    now = now or timezone.now()
    notice = Notice.objects.select_for_update().select_related("branch").get(pk=notice.pk)
    _check_sender(actor, notice.branch)
    if notice.status == Notice.Status.SENT:
        raise ValidationError(_("This notice has been sent already."))
    if not notice.channels:
        raise ValidationError(_("Choose at least one way to send the notice."))
    if notice.scheduled_for and notice.scheduled_for > now:
        # Told now, while the sender is at the page, rather than found out at its time.
        _refuse_if_nobody_reached(notice, _plan(notice, now))
        notice.status = Notice.Status.SCHEDULED
        notice.unsent_reason = ""
        notice.save(update_fields=["status", "unsent_reason"])
        return NoticeResult(notice)
    return notice_issue(notice=notice, now=now)


@transaction.atomic
def notice_cancel_schedule(*, actor, notice: Notice) -> Notice:
    """Takes a scheduled notice back to draft (it has no number yet, so nothing is skipped)."""
    notice = Notice.objects.select_for_update().get(pk=notice.pk)
    _check_sender(actor, notice.branch)
    if notice.status != Notice.Status.SCHEDULED:
        raise ValidationError(_("Only a scheduled notice can be taken back."))
    notice.status = Notice.Status.DRAFT
    notice.save(update_fields=["status"])
    return notice


def next_number(*, branch: Branch, year: int) -> int:
    """The branch's next issue number in the year, gap-free (the branch stays locked until commit)."""
    numbered = Notice.objects.filter(branch=branch, year=year)
    return numbering.next_number(numbered, "number", lock=Branch.objects.filter(pk=branch.pk))


@transaction.atomic
def notice_issue(*, notice: Notice, now: datetime.datetime) -> NoticeResult:
    """Numbers the notice and writes its outbox rows in one transaction; delivery starts on commit."""
    notice = Notice.objects.select_for_update().select_related("branch").get(pk=notice.pk)
    if notice.status == Notice.Status.SENT:
        return NoticeResult(notice)
    plan = _plan(notice, now)
    # Before the number is taken: numbers are gap-free, so one spent on nobody shows in every list.
    _refuse_if_nobody_reached(notice, plan)
    if links.enabled(notice.branch):
        _add_personal_links(plan.sms, notice)
    notice.year = timezone.localtime(now).year
    notice.number = next_number(branch=notice.branch, year=notice.year)
    outbox.write(plan.messages, now=now)
    notice.status = Notice.Status.SENT
    notice.sent_at = now
    notice.unsent_reason = ""
    notice.save(update_fields=["year", "number", "status", "sent_at", "unsent_reason"])
    return NoticeResult(
        notice,
        without_phone=[m.name for m in plan.without_phone],
        opted_out=[m.name for m in plan.opted_out],
        calls_added=calls.calls_create(notice=notice, recipients=plan.calls),
    )


@transaction.atomic
def notice_release(*, notice: Notice, now: datetime.datetime) -> Notice:
    """Sends a scheduled notice whose time has come (the sweeper's call).

    A notice taken back to draft or moved later since the sweeper listed it stays as it is.
    When by then it would reach nobody, it goes back to draft without a number and keeps the
    reason, which its page shows; the sweeper does not try it again every minute.
    """
    notice = Notice.objects.select_for_update().get(pk=notice.pk)
    if notice.status != Notice.Status.SCHEDULED or notice.scheduled_for > now:
        return notice
    try:
        return notice_issue(notice=notice, now=now).notice
    except ValidationError as error:
        if error.code not in Notice.Unsent.values:
            raise
        logger.warning("scheduled notice %s reaches nobody (%s); back to draft", notice.pk, error.code)
        Notice.objects.filter(pk=notice.pk, status=Notice.Status.SCHEDULED).update(
            status=Notice.Status.DRAFT, unsent_reason=error.code
        )
        notice.refresh_from_db(fields=["status", "unsent_reason"])
        return notice


def notices_release_due(*, now: datetime.datetime) -> int:
    """Sends the scheduled notices whose time has come; returns how many went."""
    released = 0
    for notice in Notice.objects.filter(status=Notice.Status.SCHEDULED, scheduled_for__lte=now):
        released += notice_release(notice=notice, now=now).status == Notice.Status.SENT
    return released


def outbox_sweep(*, now: datetime.datetime | None = None) -> dict[str, int]:
    """Every minute: requeue stale claims, re-dispatch stuck messages, send scheduled notices now due."""
    now = now or timezone.now()
    return {**delivery.messages_sweep(now=now), "released": notices_release_due(now=now)}


def _add_personal_links(messages: list[Message], notice: Notice) -> None:
    """Ends each SMS with its recipient's personal link (the member's, or the family proxy's); a member
    without a login gets one, without a password, so that the link has someone to open for."""
    for message in messages:
        user = message.user or member_account_ensure(member=message.member)
        message.body = f"{message.body} {links.link_url(user=user, notice_id=notice.pk)}"


def _plan(notice: Notice, now: datetime.datetime) -> outbox.Plan:
    members = audience.audience_members(
        branch=notice.branch,
        audience=notice.audience,
        groups=notice.groups.all(),
        care_categories=notice.care_categories,
        members=notice.members.all(),
        on=timezone.localdate(now),
    )
    return audience.notice_plan(notice, members, now=now)


def _refuse_if_nobody_reached(notice: Notice, plan: outbox.Plan) -> None:
    reason = plan.unsent_reason
    if reason:
        raise ValidationError(audience.unsent_explanation(reason, notice), code=reason)


def reminder_enabled(branch: Branch, reminder: str) -> bool:
    """Whether the branch sends this automatic reminder (on unless the committee switched it off)."""
    if reminder not in REMINDERS:
        raise ValueError(f"unknown reminder {reminder!r}")
    value = ReminderSettings.objects.filter(branch=branch).values_list(reminder, flat=True).first()
    return value is None or value


def notify(
    *,
    branch: Branch,
    occasion: str,
    text: str,
    recipients: Iterable[Member | User] = (),
    channels: Iterable[str] = (Channel.SMS,),
    reminder: str | None = None,
    not_before: datetime.datetime | None = None,
    urgent: bool = False,
) -> Notified:
    """Queues `text` ({姓名}, {支部} filled in) to each recipient on each channel, once per occasion.

    Recipients are Members or Users (e.g. group leaders). SMS respects opt-out and quiet hours;
    the two WeChat channels post once to the branch's group. `reminder` names a switch in
    ReminderSettings: when the committee turned it off nothing is queued. `urgent` (a carers' alert
    about a critically ill member) lets the SMS to Users go out in quiet hours; an SMS to a Member
    still waits for the morning. The rules are the outbox's (notifications/outbox.py).
    """
    if reminder and not reminder_enabled(branch, reminder):
        return Notified(switched_off=True)
    return outbox.enqueue(
        branch=branch,
        occasion=occasion,
        text=text,
        recipients=recipients,
        channels=channels,
        not_before=not_before,
        urgent=urgent,
    )


def sms_send_requested(*, branch: Branch, user: User, to: str, text: str, masked: str, occasion: str) -> bool:
    """Sends an SMS its recipient has just asked for (a login code) at once, through the SMS transport,
    and says whether the provider took it.

    Quiet hours do not apply: the recipient is waiting for it. It is sent here rather than by a worker,
    and the outbox row keeps `masked` (the text with its secret hidden), never `text`; such a row is
    never retried or swept back into the queue (Message.requested).
    """
    token = uuid.uuid4().hex
    target = outbox.Target("user", user.pk, str(user), to, user)
    message = outbox.write_requested(
        branch=branch, occasion=occasion, target=target, masked=masked, token=token
    )
    message.body = text  # to the provider only; never saved
    try:
        outcome = get_transport(Channel.SMS).send([message]).get(message.pk)
    except TransportError as error:
        outcome = Outcome(error=error)
    outcome = outcome or Outcome(error=TransportError(_("The backend gave no answer.")))
    message.body = masked
    delivery.record([message], {message.pk: outcome}, token=token)
    return outcome.error is None


@transaction.atomic
def messages_cancel(*, member: Member, occasion_prefix: str = "") -> int:
    """Cancels the messages still waiting that are addressed to the member or, with `occasion_prefix`,
    whose occasion begins with it (e.g. alerts about the member to carers); returns how many."""
    about = Q(member=member)
    if occasion_prefix:
        about |= Q(idempotency_key__startswith=occasion_prefix)
    waiting = Message.objects.filter(status=Message.Status.QUEUED).filter(about)
    reason = _("Cancelled: the member is no longer on the roll.")
    return waiting.update(status=Message.Status.CANCELLED, last_error=reason)


def messages_withdraw(*, occasion: str) -> list[User]:
    """Cancels the SMS of an occasion still waiting (e.g. a reminder naming a member who has since
    died); returns the Users they were for, so that the caller may tell them again without it."""
    waiting = Message.objects.filter(
        status=Message.Status.QUEUED, channel=Channel.SMS, idempotency_key__startswith=f"{occasion}:sms:"
    )
    user_ids = set(waiting.exclude(user=None).values_list("user_id", flat=True))
    waiting.update(
        status=Message.Status.CANCELLED, last_error=_("Cancelled: it named a member no longer on the roll.")
    )
    return list(User.objects.filter(pk__in=user_ids).select_related("member").order_by("pk"))


def birthday_greeting_text() -> str:
    """The branch's birthday greeting: the 生日祝福 template if there is one, else the built-in text."""
    template = NoticeTemplate.objects.filter(name=BIRTHDAY_TEMPLATE).first()
    return template.body if template else "{姓名}同志：今天是您的生日，{支部}全体同志祝您生日快乐、健康长寿！"


def birthday_greetings_send(*, on: datetime.date) -> int:
    """Greets every active member whose (solar) birthday is today, in branches that keep the switch on.

    Members who keep a lunar birthday are greeted by the visits app, which knows the lunar calendar
    (visits.birthdays.lunar_birthday_greetings_send).
    Someone born on 29 February is greeted on the 28th in other years.
    """
    days = [(on.month, on.day)]
    if (on.month, on.day) == (2, 28) and not _is_leap(on.year):
        days.append((2, 29))
    text = birthday_greeting_text()
    queued = 0
    born_today = Q()
    for month, day in days:
        born_today |= Q(birth_date__month=month, birth_date__day=day)
    celebrating = Member.objects.active().filter(born_today, lunar_birthday=False).select_related("branch")
    by_branch: dict[Branch, list[Member]] = {}
    for member in celebrating:
        by_branch.setdefault(member.branch, []).append(member)
    for branch, members in by_branch.items():
        result = notify(
            branch=branch,
            occasion=f"birthday:{on.year}",
            text=text,
            recipients=members,
            reminder="birthday_greeting",
        )
        queued += result.queued
    return queued


def _is_leap(year: int) -> bool:
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)


@transaction.atomic
def reminder_settings_update(*, actor, branch: Branch, **switches: bool) -> ReminderSettings:
    """Turns the branch's automatic reminders on or off."""
    _check_sender(actor, branch)
    unknown = set(switches) - set(SWITCHES)
    if unknown:
        raise ValueError(f"unknown reminders {sorted(unknown)}")
    reminder_settings, _created = ReminderSettings.objects.get_or_create(branch=branch)
    for name, value in switches.items():
        setattr(reminder_settings, name, value)
    reminder_settings.save(update_fields=list(switches))
    return reminder_settings
