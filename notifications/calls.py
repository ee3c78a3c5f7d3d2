"""Writes of the call lists: nobody is left out of a notice.

A recipient an SMS cannot reach (no mobile, no SMS asked for, or marked "needs a phone call") becomes a
Call on the phone list of whoever holds their contact group (the secretary for a member in no group).
The caller marks each call in one tap; a caller with calls still open the next day is reminded.
"""

import datetime
from collections import defaultdict

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext, pgettext

from accounts.models import BranchRole, User
from accounts.permissions import has_capability
from members.models import ContactGroup, Member
from members.services import history_actor
from org.models import Branch

from . import outbox, texts
from .models import Call, Notice

# The reminder names this many members, then "and others".
REMINDER_NAMES = 3
NOT_REACHED = "not_reached"  # the third tap: tried, not reached yet; the call stays open
MARKS = (Call.Outcome.IN_PERSON, Call.Outcome.FAMILY, NOT_REACHED)


def calls_create(*, notice: Notice, recipients: list[tuple[Member, str]]) -> int:
    """Puts each (member, Call.Reason) of a sent notice on their caller's list with the text to read
    out; a member already on the notice's list is left as they are. Returns the calls added."""
    if not recipients:
        return 0
    branch = notice.branch
    group_ids = {member.contact_group_id for member, _reason in recipients if member.contact_group_id}
    groups = ContactGroup.objects.select_related("leader", "deputy").in_bulk(group_ids)
    fallback = branch_secretary_id(branch)
    rows = []
    for member, reason in recipients:
        group = groups.get(member.contact_group_id)
        caller_id = group.responsible.pk if group else fallback
        body = texts.render(notice.body, name=member.name, branch=str(branch))
        rows.append(
            Call(branch=branch, notice=notice, member=member, caller_id=caller_id, reason=reason, body=body)
        )
    before = Call.objects.filter(notice=notice).count()
    Call.objects.bulk_create(rows, ignore_conflicts=True)
    return Call.objects.filter(notice=notice).count() - before


def branch_secretary_id(branch: Branch) -> int | None:
    """Who phones members in no contact group: the secretary, else a deputy secretary, else nobody."""
    roles = BranchRole.objects.filter(
        branch=branch, role__in=[BranchRole.Role.SECRETARY, BranchRole.Role.DEPUTY], user__is_active=True
    ).values_list("role", "user_id")
    ranked = sorted(roles, key=lambda row: (row[0] != BranchRole.Role.SECRETARY, row[1]))
    return ranked[0][1] if ranked else None


@transaction.atomic
def call_mark(*, actor: User, call: Call, mark: str, now: datetime.datetime | None = None) -> Call:
    """Records one tap: reached in person, reached through family, or not reached yet (one more try,
    the call stays open). Who and when are kept on the call and in its history."""
    if mark not in MARKS:
        raise ValidationError({"mark": _("Choose whether the member was reached.")}, code="invalid")
    call = Call.objects.select_for_update().get(pk=call.pk)
    if not may_mark(actor, call):
        raise PermissionDenied(_("This call is on someone else's list."))
    call.marked_by, call.marked_at = actor, now or timezone.now()
    if mark == NOT_REACHED:
        call.outcome = Call.Outcome.OPEN
        call.attempts += 1
    else:
        call.outcome = mark
    with history_actor(actor):
        call.save(update_fields=["outcome", "attempts", "marked_by", "marked_at"])
    return call


def may_mark(user: User, call: Call) -> bool:
    """The caller marks their calls; the committee may mark any of its branch's (e.g. a caller away)."""
    return call.caller_id == user.pk or has_capability(user, "send_notices", call.branch_id)


def calls_remind(*, now: datetime.datetime | None = None) -> int:
    """An SMS to each caller whose calls from before today are still open: once per caller and day."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    start_of_today = datetime.datetime.combine(today, datetime.time(), tzinfo=timezone.get_current_timezone())
    rows = (
        Call.objects.open()
        .filter(created_at__lt=start_of_today, caller__isnull=False)
        .order_by("caller_id", "member__name_pinyin", "member_id")
        .values_list("caller_id", "branch_id", "member_id", "member__name")
    )
    members: dict[int, dict[int, str]] = defaultdict(dict)
    branch_of: dict[int, int] = {}
    for caller_id, branch_id, member_id, name in rows:
        members[caller_id][member_id] = name
        branch_of.setdefault(caller_id, branch_id)
    if not members:
        return 0
    users = User.objects.select_related("member").in_bulk(list(members))
    branches = Branch.objects.in_bulk(set(branch_of.values()))
    queued = 0
    for caller_id, names in members.items():
        result = outbox.enqueue(
            branch=branches[branch_of[caller_id]],
            occasion=f"calls-open:{today:%Y-%m-%d}",
            text=_reminder_text(list(names.values())),
            recipients=[users[caller_id]],
        )
        queued += result.queued
    return queued


def _reminder_text(names: list[str]) -> str:
    # Callers read their SMS in the portal's language, whatever language the worker runs in.
    with translation.override(settings.LANGUAGE_CODE):
        shown = pgettext("list separator", ", ").join(names[:REMINDER_NAMES])
        if len(names) > REMINDER_NAMES:
            shown = _("%(names)s and others") % {"names": shown}
        return ngettext(
            "{姓名}: %(count)d notice call is still to make (%(names)s). "
            "See “Calls to make” on the portal. {支部}",
            "{姓名}: %(count)d notice calls are still to make (%(names)s). "
            "See “Calls to make” on the portal. {支部}",
            len(names),
        ) % {"count": len(names), "names": shown}
