"""The overdue ladder: an overdue routine, birthday or festival visit is reminded to the person who
holds it, then reported to the secretary and then to the bureau's liaison officer, after the days of
the branch's visit policy.

Each step is an Escalation row, unique per visit and step. A run inserts the steps that are due with
`ON CONFLICT DO NOTHING`, finds the rows it inserted itself by their timestamp, and queues the SMS in
the same transaction: two runs at once, or a run repeated after a worker died half-way (its
transaction rolled back), still take each step exactly once.
"""

import datetime
from collections import defaultdict

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from accounts.models import BranchRole, User
from members.models import Member
from notifications.services import messages_withdraw, notify
from org.models import Branch

from .models import Escalation, PlannedVisit, VisitPolicy

LADDER_KINDS = (PlannedVisit.Kind.ROUTINE, PlannedVisit.Kind.BIRTHDAY, PlannedVisit.Kind.FESTIVAL)
NAMES_PER_SMS = 3
Step = Escalation.Step
STEP_ROLES = {Step.SECRETARY: BranchRole.Role.SECRETARY, Step.LIAISON: BranchRole.Role.LIAISON}


def steps_due(days_overdue: int, policy: VisitPolicy) -> list[str]:
    """The steps a visit this many days overdue should have taken by now."""
    steps = [Step.LEADER] if days_overdue >= 1 else []
    if days_overdue >= policy.escalate_secretary_days:
        steps.append(Step.SECRETARY)
    if days_overdue >= policy.escalate_liaison_days:
        steps.append(Step.LIAISON)
    return steps


@transaction.atomic
def overdue_ladder_run(*, today: datetime.date | None = None) -> int:
    """Takes every step now due of every overdue visit of active members; returns the steps taken."""
    today = today or timezone.localdate()
    overdue = list(
        PlannedVisit.objects.overdue(today)
        .filter(kind__in=LADDER_KINDS, member__status=Member.Status.ACTIVE)
        .values_list("id", "due_by", "member__branch_id")
    )
    if not overdue:
        return 0
    policies = {p.branch_id: p for p in VisitPolicy.objects.filter(branch_id__in={b for *_, b in overdue})}
    taken = set(
        Escalation.objects.filter(planned_id__in=[pk for pk, *_ in overdue]).values_list("planned_id", "step")
    )
    now = timezone.now()
    rows = [
        Escalation(planned_id=pk, step=step, at=now)
        for pk, due_by, branch_id in overdue
        for step in steps_due((today - due_by).days, policies.get(branch_id) or VisitPolicy())
        if (pk, step) not in taken
    ]
    if not rows:
        return 0
    Escalation.objects.bulk_create(rows, ignore_conflicts=True)
    # Only the rows this run inserted (a concurrent run's rows carry its own timestamp).
    mine = list(
        Escalation.objects.filter(at=now, planned_id__in={row.planned_id for row in rows})
        .select_related("planned__member__branch", "planned__responsible")
        .order_by("planned__due_by", "planned__member__name_pinyin", "id")
    )
    _send(mine, today)
    return len(mine)


def _send(escalations: list[Escalation], today: datetime.date) -> None:
    """One SMS per recipient and step, naming the members (never their health)."""
    by_recipient: dict[tuple, list[Escalation]] = defaultdict(list)
    role_holders = _role_holders({e.planned.member.branch_id for e in escalations})
    for escalation in escalations:
        branch_id = escalation.planned.member.branch_id
        if escalation.step == Step.LEADER:
            holders = [escalation.planned.responsible_id] if escalation.planned.responsible_id else []
        else:
            holders = role_holders.get((branch_id, STEP_ROLES[escalation.step]), [])
        for user_id in holders:
            by_recipient[(branch_id, escalation.step, user_id)].append(escalation)
    users = User.objects.select_related("member").in_bulk({user_id for _b, _s, user_id in by_recipient})
    branches = Branch.objects.in_bulk({branch_id for branch_id, _s, _u in by_recipient})
    occasions: dict[str, list[int]] = {}
    for (branch_id, step, user_id), items in by_recipient.items():
        # The first escalation's id makes each batch its own occasion, sent once.
        occasion = f"visit-ladder:{step}:{items[0].pk}"
        notify(
            branch=branches[branch_id],
            occasion=occasion,
            text=_ladder_text(step, items, today),
            recipients=[users[user_id]],
        )
        occasions[occasion] = [escalation.pk for escalation in items]
    for occasion, pks in occasions.items():
        Escalation.objects.filter(pk__in=pks).update(occasion=occasion)


def ladder_withdraw(*, member: Member) -> int:
    """After a death or a transfer: the ladder's SMS still waiting that name the member are cancelled,
    and whoever they were for is told again of the other visits they named. Returns the SMS cancelled."""
    mine = Escalation.objects.filter(planned__member=member).exclude(occasion="")
    cancelled = 0
    for occasion in sorted(set(mine.values_list("occasion", flat=True))):
        recipients = messages_withdraw(occasion=occasion)
        cancelled += len(recipients)
        rest = list(
            Escalation.objects.filter(occasion=occasion, planned__member__status=Member.Status.ACTIVE)
            .filter(planned__status=PlannedVisit.Status.DUE)
            .exclude(planned__member=member)
            .select_related("planned__member__branch", "planned__responsible")
            .order_by("planned__due_by", "planned__member__name_pinyin", "id")
        )
        if not (recipients and rest):
            continue
        # A new occasion of its own: the cancelled SMS keeps the old one, and a member dies once.
        again = f"visit-ladder:{rest[0].step}:{rest[0].pk}:w{member.pk}"
        notify(
            branch=member.branch,
            occasion=again,
            text=_ladder_text(rest[0].step, rest, timezone.localdate()),
            recipients=recipients,
        )
        Escalation.objects.filter(pk__in=[escalation.pk for escalation in rest]).update(occasion=again)
    return cancelled


def _role_holders(branch_ids: set[int]) -> dict[tuple[int, str], list[int]]:
    holders = defaultdict(list)
    roles = BranchRole.objects.filter(branch_id__in=branch_ids, role__in=STEP_ROLES.values())
    for branch_id, role, user_id in roles.order_by("user_id").values_list("branch_id", "role", "user_id"):
        holders[(branch_id, role)].append(user_id)
    return holders


def _ladder_text(step: str, items: list[Escalation], today: datetime.date) -> str:
    with translation.override(settings.LANGUAGE_CODE):
        names = _names(step, items, today)
        if step == Step.LEADER:
            return _(
                "{姓名}: visits you hold are overdue: %(names)s. Please visit soon and record it on the "
                "portal. {支部}"
            ) % {"names": names}
        return _(
            "{姓名}: visits overdue and not yet made: %(names)s. Please follow them up; the list is on "
            "the portal's home page. {支部}"
        ) % {"names": names}


def _names(step: str, items: list[Escalation], today: datetime.date) -> str:
    parts = []
    for escalation in items[:NAMES_PER_SMS]:
        planned = escalation.planned
        days = (today - planned.due_by).days
        if step == Step.LEADER or planned.responsible is None:
            parts.append(_("%(name)s (%(days)s days)") % {"name": planned.member.name, "days": days})
        else:
            parts.append(
                _("%(name)s (held by %(holder)s, %(days)s days)")
                % {"name": planned.member.name, "holder": planned.responsible, "days": days}
            )
    text = pgettext("list separator", ", ").join(parts)
    if len(items) > NAMES_PER_SMS:
        text = _("%(names)s and %(more)s more") % {"names": text, "more": len(items) - NAMES_PER_SMS}
    return text
