"""Who a notice reaches and what each recipient gets: members, phones, texts, quiet hours."""

import datetime
import zoneinfo
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import Q
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from accounts.permissions import COMMITTEE
from members.models import Branch, FamilyProxy, Member

from . import texts
from .models import GROUP_CHANNELS, Call, Channel, Message, Notice

# In a group message "{姓名}同志" becomes "各位同志": everyone, in the branch's own words.
GROUP_ADDRESS = "各位"
LOCAL = zoneinfo.ZoneInfo(settings.TIME_ZONE)


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


def audience_members(
    *, branch: Branch, audience: str, groups=(), care_categories=(), members=(), on: datetime.date
):
    """Active members of the branch the audience covers, in roster order."""
    queryset = Member.objects.in_branch(branch).active()
    if audience == Notice.Audience.GROUPS:
        queryset = queryset.filter(contact_group__in=list(groups))
    elif audience == Notice.Audience.COMMITTEE:
        committee = Q(user__branch_roles__branch=branch, user__branch_roles__role__in=COMMITTEE)
        queryset = queryset.filter(pk__in=Member.objects.filter(committee).values("pk"))
    elif audience == Notice.Audience.CARE:
        queryset = queryset.in_care_category(*care_categories, on=on) if care_categories else queryset.none()
    elif audience == Notice.Audience.MEMBERS:
        queryset = queryset.filter(pk__in=[getattr(m, "pk", m) for m in members])
    # The user: a notice's personal link is made for the member's login (notifications/links.py).
    return queryset.order_by("name_pinyin", "id").select_related("user").prefetch_related("proxies__user")


@dataclass(frozen=True)
class Target:
    """One phone an SMS for a member goes to: the member's own, or a family proxy's."""

    kind: str  # "member" or "proxy", in the message's idempotency key
    pk: int
    name: str
    phone: str
    user: User | None = None


def sms_targets(member: Member) -> list[Target]:
    """Where the member's SMS go: their phone for notices, unless a family proxy takes them instead, and
    each proxy who takes them too; numbers that cannot take an SMS are left out. Reads
    `member.proxies` (prefetch it for many members)."""
    proxies = [p for p in member.proxies.all() if p.notices != FamilyProxy.Notices.NONE]
    targets = []
    if not any(p.notices == FamilyProxy.Notices.INSTEAD for p in proxies):
        phone = texts.usable_mobile(member.phone_for_notices)
        if phone:
            targets.append(Target("member", member.pk, member.name, phone))
    for proxy in proxies:
        phone = texts.usable_mobile(proxy.phone)
        if phone:
            name = gettext("%(name)s (%(relation)s of %(member)s)") % {
                "name": proxy.name,
                "relation": proxy.relation,
                "member": member.name,
            }
            targets.append(Target("proxy", proxy.pk, name, phone, proxy.user))
    return targets


@dataclass
class Plan:
    """Unsaved outbox rows for a notice, and the recipients an SMS cannot reach."""

    messages: list[Message] = field(default_factory=list)
    without_phone: list[Member] = field(default_factory=list)
    opted_out: list[Member] = field(default_factory=list)
    # Marked "needs a phone call" (e.g. poor eyesight): phoned, whatever SMS they also get.
    needs_call: list[Member] = field(default_factory=list)
    recipients: int = 0

    @property
    def calls(self) -> list[tuple[Member, str]]:
        """(member, Call.Reason) for each recipient the group leader phones, in roster order."""
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
        """Why the notice would reach nobody (a Notice.Unsent code), or "" when someone gets it."""
        if self.messages or self.calls:
            return ""
        if not self.recipients:
            return Notice.Unsent.NO_RECIPIENTS
        return Notice.Unsent.NO_USABLE_MOBILE


# The sender reads these before sending (preview, refusal) and on a notice the sweeper held back.
UNSENT_EXPLANATIONS = {
    Notice.Unsent.NO_RECIPIENTS: _(
        "Nobody would receive this notice: there is no active member in “%(audience)s”. "
        "Choose another audience."
    ),
    Notice.Unsent.NO_USABLE_MOBILE: _(
        "Nobody would receive this notice: everyone in “%(audience)s” either has no mobile number "
        "that can take an SMS or asked for no SMS. Also send it to a WeChat group, "
        "or choose another audience."
    ),
}


def unsent_explanation(reason: str, notice: Notice) -> str:
    """The translated sentence telling the sender why the notice reaches nobody."""
    return str(UNSENT_EXPLANATIONS[reason]) % {"audience": notice.get_audience_display()}


def member_text(notice: Notice, member: Member | None, *, branch_name: str | None = None) -> str:
    """The notice's text as it reaches this member by SMS ({姓名}, {支部} filled in), or as the
    branch's WeChat group reads it when there is no member to address."""
    branch = branch_name if branch_name is not None else str(notice.branch)
    return texts.render(notice.body, name=member.name if member else GROUP_ADDRESS, branch=branch)


def plan(*, notice: Notice, members, now: datetime.datetime, key_prefix: str) -> Plan:
    """One Message per member for SMS (phone and opt-out permitting) and one per chosen group."""
    result = Plan()
    branch_name = str(notice.branch)
    for member in members:
        result.recipients += 1
        if Channel.SMS not in notice.channels:
            continue
        if member.needs_call:
            result.needs_call.append(member)
            _voice(result, notice, member, now, key_prefix)
        if member.sms_opt_out:
            result.opted_out.append(member)
            continue
        targets = sms_targets(member)
        if not targets:
            result.without_phone.append(member)
            if not member.needs_call:
                _voice(result, notice, member, now, key_prefix)
            continue
        body = member_text(notice, member, branch_name=branch_name)
        for target in targets:
            result.messages.append(
                Message(
                    branch=notice.branch,
                    notice=notice if notice.pk else None,
                    member=member,
                    user=target.user,
                    recipient_name=target.name[:100],
                    channel=Channel.SMS,
                    to=target.phone,
                    body=body,
                    idempotency_key=f"{key_prefix}:{Channel.SMS}:{target.kind}:{target.pk}",
                    not_before=after_quiet_hours(now),
                )
            )
    for channel in notice.channels:
        if channel in GROUP_CHANNELS:
            body = texts.render(f"{notice.title}\n{notice.body}", name=GROUP_ADDRESS, branch=branch_name)
            result.messages.append(
                Message(
                    branch=notice.branch,
                    notice=notice if notice.pk else None,
                    recipient_name=Channel(channel).label,
                    channel=channel,
                    body=body,
                    idempotency_key=f"{key_prefix}:{channel}",
                    not_before=now,
                )
            )
    return result


def _voice(result: Plan, notice: Notice, member: Member, now: datetime.datetime, key_prefix: str) -> None:
    """The notice read aloud on the member's own phone or landline, when a voice backend is set up.
    Their group leader still phones them: nobody can tell whether the member took in a recording."""
    number = texts.callable_number(member.phone) or texts.callable_number(member.phone_alt)
    if not (settings.NOTIFICATIONS["VOICE_BACKEND"] and number):
        return
    result.messages.append(
        Message(
            branch=notice.branch,
            notice=notice if notice.pk else None,
            member=member,
            recipient_name=member.name,
            channel=Channel.VOICE,
            to=number,
            body=texts.render(notice.body, name=member.name, branch=str(notice.branch)),
            idempotency_key=f"{key_prefix}:{Channel.VOICE}:member:{member.pk}",
            not_before=after_quiet_hours(now),
        )
    )
