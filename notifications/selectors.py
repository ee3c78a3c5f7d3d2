"""Reads of notices and messages, each scoped to what the user may see."""

import datetime
from dataclasses import dataclass

from django.db.models import Case, Count, Exists, OuterRef, Q, QuerySet, Subquery, When
from django.db.models.functions import Coalesce
from django.shortcuts import get_object_or_404
from django.utils import timezone

from accounts.permissions import branch_ids
from members.models import Member
from members.selectors import reader_member_ids

from . import audience, links, outbox, texts
from .models import GROUP_CHANNELS, Call, Channel, Message, Notice

PENDING = (Message.Status.QUEUED, Message.Status.SENDING)


def _visible(user) -> QuerySet:
    """The committee's notices in full; for everyone else, sent notices to the branch or to them."""
    to_them = Exists(Message.objects.filter(notice=OuterRef("pk"), member__in=reader_member_ids(user)))
    readable = Q(branch_id__in=branch_ids(user, "view_study"), status=Notice.Status.SENT) & (
        Q(audience=Notice.Audience.BRANCH) | Q(to_them)
    )
    return Notice.objects.filter(Q(branch_id__in=branch_ids(user, "send_notices")) | readable)


def _message_count(*statuses: str) -> Coalesce:
    """How many of the notice's messages are in these states (message_notice_idx).

    A subquery per row rather than a join and GROUP BY: PostgreSQL counts for the rows a page
    returns after its LIMIT, where the join grouped every visible notice's messages (a bureau's
    2,400 notices and 116,000 messages, ~120 ms) before keeping a hundred.
    """
    counted = (
        Message.objects.filter(notice=OuterRef("pk"), status__in=statuses)
        .order_by()
        .values("notice")
        .annotate(count=Count("pk"))
        .values("count")
    )
    return Coalesce(Subquery(counted), 0)


def notice_list(*, user) -> QuerySet:
    """Visible notices, newest first, with their delivery counts."""
    return (
        _visible(user)
        .select_related("branch", "created_by")
        .annotate(
            sent_count=_message_count(Message.Status.SENT),
            failed_count=_message_count(Message.Status.FAILED),
            pending_count=_message_count(*PENDING),
        )
        .order_by("-created_at", "-id")
    )


def notice_get_for_user(user, pk: int) -> Notice:
    """The notice if the user may see it, else 404."""
    return get_object_or_404(notice_list(user=user), pk=pk)


def notice_messages(notice: Notice) -> QuerySet:
    """The notice's outbox rows with the recipients the detail page shows."""
    return (
        Message.objects.filter(notice=notice)
        .select_related("member")
        .order_by("channel", "recipient_name", "pk")
    )


def member_messages(member: Member, limit: int = 50) -> QuerySet:
    """What was sent to the member (notices and reminders), newest first, with the columns the member
    page shows (templates/notifications/member_panel.html): not each notice's text."""
    shown = ("created_at", "channel", "status", "body", "notice__title", "notice__year", "notice__number")
    messages = Message.objects.filter(member=member).select_related("notice").only(*shown)
    return messages.order_by("-created_at", "-pk")[:limit]


# The call list keeps a call this long after it was reached, so a mis-tap can be put right.
CALLS_DONE_SHOWN = datetime.timedelta(days=7)


def _calls_visible(user) -> QuerySet:
    """The user's calls, and in branches where they send notices the calls nobody holds."""
    unheld = Q(caller__isnull=True, branch_id__in=branch_ids(user, "send_notices"))
    return Call.objects.filter(Q(caller_id=user.pk) | unheld)


def call_list(*, user, now: datetime.datetime | None = None) -> QuerySet:
    """The user's phone list: open calls, oldest notice first, then those reached in the last week."""
    since = (now or timezone.now()) - CALLS_DONE_SHOWN
    return (
        _calls_visible(user)
        .filter(Q(outcome=Call.Outcome.OPEN, member__status=Member.Status.ACTIVE) | Q(marked_at__gte=since))
        .select_related("member", "notice", "marked_by")
        .alias(done=Case(When(outcome=Call.Outcome.OPEN, then=0), default=1))
        .order_by("done", "created_at", "member__name_pinyin", "pk")
    )


def call_get_for_user(user, pk: int) -> Call:
    """One of the user's calls, else 404 (another leader's call, another branch's)."""
    return get_object_or_404(_calls_visible(user).select_related("member", "notice", "marked_by"), pk=pk)


def calls_to_make(user) -> QuerySet | None:
    """The calls the user has still to make (the home page counts them); None for a user who never
    has any, as only carers lead groups and only the committee holds the rest."""
    if not branch_ids(user, "record_visits"):
        return None
    return _calls_visible(user).open()


def notice_call_counts(notice: Notice) -> dict[str, int]:
    """The delivery page's three figures: SMS sent, members reached by phone, members still to reach."""
    sms = Message.objects.filter(notice=notice, channel=Channel.SMS, status=Message.Status.SENT)
    counts = Call.objects.filter(notice=notice).aggregate(
        reached=Count("pk", filter=~Q(outcome=Call.Outcome.OPEN)),
        to_reach=Count("pk", filter=Q(outcome=Call.Outcome.OPEN, member__status=Member.Status.ACTIVE)),
    )
    return {"sms_sent": sms.count(), **counts}


def notice_calls_open(notice: Notice) -> QuerySet:
    """The notice's members still to reach by phone, with who is to call them."""
    return (
        Call.objects.filter(notice=notice)
        .open()
        .select_related("member", "caller")
        .order_by("member__name_pinyin", "pk")
    )


def member_notices(*, member: Member, limit: int = 3) -> list[Notice]:
    """The latest sent notices the member received: to their whole branch or to them (one query)."""
    to_them = Exists(Message.objects.filter(notice=OuterRef("pk"), member=member))
    return list(
        Notice.objects.filter(branch_id=member.branch_id, status=Notice.Status.SENT)
        .filter(Q(audience=Notice.Audience.BRANCH) | Q(to_them))
        .select_related("branch")
        .order_by("-sent_at", "-id")[:limit]
    )


@dataclass
class NoticeAsSent:
    """A notice in the words its reader received it, and whether it names a day relative to its sending."""

    notice: Notice
    text: str
    relative_day: bool


def notice_as_sent(notice: Notice, member: Member | None) -> NoticeAsSent:
    """The notice as the member's SMS read ({姓名}, {支部} filled in by the outbox's own function);
    as the branch's WeChat group read it for a reader who is not a member of its branch."""
    if member is not None and member.branch_id != notice.branch_id:
        member = None
    text = audience.member_text(notice, member)
    return NoticeAsSent(notice=notice, text=text, relative_day=texts.names_relative_day(notice.body))


@dataclass
class SmsPreview:
    """One recipient's SMS as the provider will count it."""

    message: Message
    length: int
    segments: int


@dataclass
class NoticePreview:
    """What sending the notice now would do: its plan, each SMS with its length, the group messages."""

    plan: outbox.Plan
    rows: list[SmsPreview]
    group_messages: list[Message]

    @property
    def max_segments(self) -> int:
        return max((row.segments for row in self.rows), default=0)

    @property
    def total_segments(self) -> int:
        return sum(row.segments for row in self.rows)


def notice_preview(notice: Notice, *, groups=None, members=None) -> NoticePreview:
    """The compose page's preview of an unsaved notice (its groups and hand-picked members given apart,
    as it has no rows to hold them yet); nothing is written."""
    now = timezone.now()
    audience_members = audience.audience_members(
        branch=notice.branch,
        audience=notice.audience,
        groups=groups or [],
        care_categories=notice.care_categories,
        members=members or [],
        on=timezone.localdate(now),
    )
    plan = audience.notice_plan(notice, audience_members, now=now, occasion="preview")
    if links.enabled(notice.branch):  # each SMS ends with a link as long as its recipient's will be
        sample = links.sample_url(links.next_notice_id())
        for message in plan.sms:
            message.body = f"{message.body} {sample}"
    rows = []
    for message in plan.sms:
        full = texts.sms_full_text(message.body)
        rows.append(SmsPreview(message, len(full), texts.sms_segments(full)))
    group_messages = [m for m in plan.messages if m.channel in GROUP_CHANNELS]
    return NoticePreview(plan=plan, rows=rows, group_messages=group_messages)
