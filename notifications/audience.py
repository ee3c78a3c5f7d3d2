"""Who a notice reaches, the outbox rows it makes for them, and why it might reach nobody."""

import datetime

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.permissions import COMMITTEE
from members.models import Member
from org.models import Branch

from . import outbox, texts
from .models import Notice


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
    return texts.render(notice.body, name=member.name if member else outbox.GROUP_ADDRESS, branch=branch)


def notice_plan(
    notice: Notice, members, *, now: datetime.datetime, occasion: str | None = None
) -> outbox.Plan:
    """The notice's unsaved outbox rows for these members (its audience): an SMS each, phone and opt-out
    permitting, one message per chosen WeChat group, and the calls and voice calls for those SMS miss."""
    return outbox.plan(
        branch=notice.branch,
        occasion=occasion or outbox.notice_occasion(notice.pk),
        text=notice.body,
        group_text=f"{notice.title}\n{notice.body}",
        recipients=members,
        channels=notice.channels,
        now=now,
        notice=notice,
    )
