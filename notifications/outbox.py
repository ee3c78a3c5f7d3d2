"""The one way into the outbox: who gets which message on which channel, under which key, and when.

Every message a notice or a reminder sends is planned here (`plan`) and written here (`write`); a login
code its recipient asked for is written here too (`write_requested`). So the rules live in one place:
an SMS goes only to a number that can take one and never to a member who asked for none; nothing rings
a phone in quiet hours, but for an urgent alert to carers; a notice's members whom no SMS reaches, or
who need a call, go on their group leader's call list and, with a voice backend, hear it read aloud.
Other apps come in through `notifications.services.notify`.

Each row's idempotency key is unique: <occasion>:<channel> for a group, <occasion>:<channel>:<kind>:<id>
for one phone (kind member, proxy or user), a notice's occasion being notice:<id>. Rows written before
the two paths became this one have the same keys, so sending again after an upgrade sends nothing twice.
"""

import datetime
import zoneinfo
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from celery import current_app
from django.conf import settings
from django.db import transaction
from django.db.models import prefetch_related_objects
from django.utils import timezone
from django.utils.translation import gettext

from accounts.models import User
from members.models import FamilyProxy, Member
from org.models import Branch

from . import texts
from .models import GROUP_CHANNELS, Call, Channel, Message, Notice
from .transports import get_transport

# In a group message "{姓名}同志" becomes "各位同志": everyone, in the branch's own words.
GROUP_ADDRESS = "各位"
LOCAL = zoneinfo.ZoneInfo(settings.TIME_ZONE)
# The delivery task (tasks.deliver_messages_task), published by name as beat does: the outbox sits below
# the entry points that call it.
DELIVER_TASK = "notifications.deliver"


def quiet_hours() -> tuple[datetime.time, datetime.time] | None:
    """(start, end) of the nightly SMS pause from settings ("21:00-08:00"), or None."""
    setting = settings.NOTIFICATIONS["QUIET_HOURS"]
    if not setting:
        return None
    start, end = (datetime.time.fromisoformat(part.strip()) for part in setting.split("-"))
    return start, end


def after_quiet_hours(moment: datetime.datetime) -> datetime.datetime:
    """The moment itself, or the end of quiet hours (08:00 Beijing time) when it falls inside them."""
    hours = quiet_hours()
    if hours is None:
        return moment
    start, end = hours
    local = moment.astimezone(LOCAL)
    if end <= local.time() < start:
        return moment
    day = local.date() + datetime.timedelta(days=1 if local.time() >= start else 0)
    return datetime.datetime.combine(day, end, tzinfo=LOCAL)


@dataclass(frozen=True)
class Target:
    """One phone a message for a recipient goes to: the member's own, a family proxy's or a user's."""

    kind: str  # "member", "proxy" or "user", in the message's idempotency key
    pk: int
    name: str
    phone: str
    user: User | None = None


def message_key(occasion: str, channel: str, target: Target | None = None) -> str:
    """The row's idempotency key: once per occasion, channel and phone (or group)."""
    key = f"{occasion}:{channel}" if target is None else f"{occasion}:{channel}:{target.kind}:{target.pk}"
    return key[:200]


def notice_occasion(notice_id: int) -> str:
    return f"notice:{notice_id}"


def occasion_of(message: Message) -> str:
    """The occasion a message was planned for: its idempotency key up to its channel."""
    return message.idempotency_key.split(f":{message.channel}", 1)[0]


def member_of(recipient: Member | User) -> Member | None:
    """The member the recipient is, or whose login they are (a carer may be a member too)."""
    return recipient if isinstance(recipient, Member) else getattr(recipient, "member", None)


def name_of(recipient: Member | User) -> str:
    return recipient.name if isinstance(recipient, Member) else str(recipient)


def sms_targets(recipient: Member | User) -> list[Target]:
    """Where an SMS to the recipient goes; numbers that cannot take an SMS are left out.

    A member: their phone for notices, unless a family proxy takes them instead, and each proxy who takes
    them too (reads `member.proxies`: prefetch it for many). A user: their member's phone for notices,
    else their own."""
    if isinstance(recipient, User):
        member = member_of(recipient)
        phone = texts.usable_mobile(member.phone_for_notices if member else recipient.phone)
        kind, pk = ("member", member.pk) if member else ("user", recipient.pk)
        return [Target(kind, pk, str(recipient), phone, recipient)] if phone else []
    proxies = [p for p in recipient.proxies.all() if p.notices != FamilyProxy.Notices.NONE]
    targets = []
    if not any(p.notices == FamilyProxy.Notices.INSTEAD for p in proxies):
        phone = texts.usable_mobile(recipient.phone_for_notices)
        if phone:
            targets.append(Target("member", recipient.pk, recipient.name, phone))
    for proxy in proxies:
        phone = texts.usable_mobile(proxy.phone)
        if phone:
            name = gettext("%(name)s (%(relation)s of %(member)s)") % {
                "name": proxy.name,
                "relation": proxy.relation,
                "member": recipient.name,
            }
            targets.append(Target("proxy", proxy.pk, name, phone, proxy.user))
    return targets


def voice_number(member: Member) -> str:
    """The member's own phone or landline a voice call can ring, when a voice backend is set up."""
    if not settings.NOTIFICATIONS["VOICE_BACKEND"]:
        return ""
    return texts.callable_number(member.phone) or texts.callable_number(member.phone_alt)


@dataclass
class Plan:
    """Unsaved outbox rows, and the recipients an SMS cannot reach."""

    messages: list[Message] = field(default_factory=list)
    without_phone: list[Member | User] = field(default_factory=list)
    opted_out: list[Member | User] = field(default_factory=list)
    # Marked "needs a phone call" (e.g. poor eyesight): phoned, whatever SMS they also get.
    needs_call: list[Member] = field(default_factory=list)
    recipients: int = 0
    # Only a notice is phoned to those its SMS miss (Call rows belong to a notice).
    phoned: bool = False

    @property
    def calls(self) -> list[tuple[Member, str]]:
        """(member, Call.Reason) for each recipient the group leader phones, in roster order."""
        if not self.phoned:
            return []
        reasons = {m.pk: Call.Reason.NEEDS_CALL for m in self.needs_call}
        reasons.update({m.pk: Call.Reason.OPTED_OUT for m in self.opted_out})
        reasons.update({m.pk: Call.Reason.NO_MOBILE for m in self.without_phone})
        members = {m.pk: m for m in [*self.needs_call, *self.opted_out, *self.without_phone]}
        ordered = sorted(members.values(), key=lambda m: (m.name_pinyin, m.pk))
        return [(member, reasons[member.pk]) for member in ordered]

    @property
    def sms(self) -> list[Message]:
        return [m for m in self.messages if m.channel == Channel.SMS]

    @property
    def unsent_reason(self) -> str:
        """Why it would reach nobody (a Notice.Unsent code), or "" when someone gets it."""
        if self.messages or self.calls:
            return ""
        if not self.recipients:
            return Notice.Unsent.NO_RECIPIENTS
        return Notice.Unsent.NO_USABLE_MOBILE


@dataclass(frozen=True)
class Outgoing:
    """What every row of one plan shares."""

    branch: Branch
    occasion: str
    branch_name: str
    notice: Notice | None

    def message(self, channel, key, name, to, body, not_before, member=None, user=None) -> Message:
        return Message(
            branch=self.branch,
            notice=self.notice,
            member=member,
            user=user,
            channel=channel,
            idempotency_key=key,
            recipient_name=name[:100],
            to=to,
            body=body,
            not_before=not_before,
        )


def plan(
    *,
    branch: Branch,
    occasion: str,
    text: str,
    now: datetime.datetime,
    recipients: Iterable[Member | User] = (),
    channels: Iterable[str] = (Channel.SMS,),
    not_before: datetime.datetime | None = None,
    urgent: bool = False,
    notice: Notice | None = None,
    group_text: str | None = None,
) -> Plan:
    """The rows that send `text` ({姓名}, {支部} filled in) to each recipient by SMS and, once, to each
    WeChat group among `channels` (`group_text` there, when given), not before `not_before`.

    With a `notice`, whoever its SMS cannot reach or who needs a call is listed for a call and, with a
    voice backend, hears it read aloud. `urgent` (a carers' alert about a critically ill member) lets an
    SMS to a User go out in quiet hours; one to a Member still waits for the morning.
    """
    result = Plan(phoned=notice is not None)
    start = max(not_before or now, now)
    channels = list(channels)
    outgoing = Outgoing(branch, occasion, str(branch), notice if notice is not None and notice.pk else None)
    recipients = list(recipients)
    prefetch_related_objects([r for r in recipients if isinstance(r, Member)], "proxies__user")
    for recipient in recipients:
        result.recipients += 1
        if Channel.SMS in channels:
            _reach(result, outgoing, recipient, text=text, start=start, urgent=urgent)
    for channel in channels:
        if channel in GROUP_CHANNELS:
            body = texts.render(group_text or text, name=GROUP_ADDRESS, branch=outgoing.branch_name)
            key = message_key(occasion, channel)
            result.messages.append(outgoing.message(channel, key, Channel(channel).label, "", body, start))
    return result


def _reach(result: Plan, outgoing: Outgoing, recipient, *, text: str, start, urgent: bool) -> None:
    member = member_of(recipient)
    body = texts.render(text, name=name_of(recipient), branch=outgoing.branch_name)
    if result.phoned and member.needs_call:
        result.needs_call.append(member)
        _voice(result, outgoing, member, body, start)
    if member is not None and member.sms_opt_out:
        result.opted_out.append(recipient)
        return
    targets = sms_targets(recipient)
    if not targets:
        result.without_phone.append(recipient)
        if result.phoned and not member.needs_call:
            _voice(result, outgoing, member, body, start)
        return
    # An urgent alert to a carer (a User) goes out in quiet hours; what goes to a member waits.
    due = start if urgent and isinstance(recipient, User) else after_quiet_hours(start)
    for target in targets:
        key = message_key(outgoing.occasion, Channel.SMS, target)
        row = outgoing.message(Channel.SMS, key, target.name, target.phone, body, due, member, target.user)
        result.messages.append(row)


def _voice(result: Plan, outgoing: Outgoing, member: Member, body: str, start) -> None:
    """The notice read aloud on the member's own phone or landline. Their group leader still phones
    them: nobody can tell whether the member took in a recording."""
    number = voice_number(member)
    if number:
        target = Target("member", member.pk, member.name, number)
        key = message_key(outgoing.occasion, Channel.VOICE, target)
        due = after_quiet_hours(start)
        result.messages.append(outgoing.message(Channel.VOICE, key, member.name, number, body, due, member))


def write(messages: list[Message], *, now: datetime.datetime) -> int:
    """Saves the messages whose keys are new and dispatches those already due once the transaction
    commits; returns how many were new (an earlier call wrote the others: they are not sent again)."""
    keys = [m.idempotency_key for m in messages]
    existing = set(Message.objects.filter(idempotency_key__in=keys).values_list("idempotency_key", flat=True))
    new = [m for m in messages if m.idempotency_key not in existing]
    for message in new:
        message.dispatched_at = now if message.not_before <= now else None
    Message.objects.bulk_create(new, ignore_conflicts=True)
    due = Message.objects.filter(idempotency_key__in=[m.idempotency_key for m in new]).due(now)
    dispatch_on_commit(list(due.values_list("pk", "channel")))
    return len(new)


def write_requested(*, branch: Branch, occasion: str, target: Target, masked: str, token: str) -> Message:
    """The row of an SMS its recipient has just asked for (a login code), written already claimed by the
    request that sends it at once, whatever the hour: no worker takes it, it is never retried, and it
    keeps `masked` (the text with its secret hidden), never the secret."""
    now = timezone.now()
    return Message.objects.create(
        branch=branch,
        user=target.user,
        recipient_name=target.name[:100],
        channel=Channel.SMS,
        to=target.phone,
        body=masked,
        idempotency_key=message_key(occasion, Channel.SMS, target),
        requested=True,
        not_before=now,
        status=Message.Status.SENDING,
        claim_token=token,
        claimed_at=now,
        dispatched_at=now,
        attempts=1,
    )


@dataclass
class Notified:
    """What a call into the outbox did: rows queued now, rows an earlier call queued, recipients SMS
    cannot reach."""

    queued: int = 0
    already: int = 0
    without_phone: list[str] = field(default_factory=list)
    opted_out: list[str] = field(default_factory=list)
    switched_off: bool = False


@transaction.atomic
def enqueue(*, branch: Branch, occasion: str, text: str, **options) -> Notified:
    """Plans and writes `text` to recipients and groups once per occasion (`plan`'s options)."""
    now = timezone.now()
    found = plan(branch=branch, occasion=occasion, text=text, now=now, **options)
    queued = write(found.messages, now=now)
    return Notified(
        queued=queued,
        already=len(found.messages) - queued,
        without_phone=[name_of(r) for r in found.without_phone],
        opted_out=[name_of(r) for r in found.opted_out],
    )


def batches(rows: list[tuple[int, str]]) -> list[list[int]]:
    """Message ids grouped by channel, in chunks the channel's backend sends in one go."""
    by_channel: dict[str, list[int]] = defaultdict(list)
    for pk, channel in rows:
        by_channel[channel].append(pk)
    result = []
    for channel, ids in by_channel.items():
        size = max(1, get_transport(channel).max_batch)
        result.extend(ids[i : i + size] for i in range(0, len(ids), size))
    return result


def dispatch_on_commit(rows: list[tuple[int, str]], *, countdown: int = 0) -> None:
    """Queues delivery tasks once the transaction commits (like delay_on_commit).

    robust=True: a broker that is down must not break the page that sent the notice;
    the rows stay queued and the sweeper dispatches them again.
    """
    for chunk in batches(rows):
        # A named function, not a partial: Django logs a robust callback's failure by its __qualname__.
        def publish(chunk=chunk) -> None:
            current_app.tasks[DELIVER_TASK].apply_async(args=[chunk], countdown=countdown or None)

        transaction.on_commit(publish, robust=True)
