"""Writes to visits and concerns. Views, tasks and demo data all go through here."""

import datetime
from collections import defaultdict
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext, pgettext

from accounts.models import BranchRole, User
from accounts.permissions import authorise, person
from members.models import HealthRecord, Member
from members.services import member_update
from notifications.models import ReminderSettings
from notifications.services import notify
from org.models import Branch

from .models import Concern, ConcernEvent, PlannedVisit, Visit, VisitPolicy
from .selectors import STALE_ESCALATION_DAYS, stale_before

AUTO = object()  # visit_record(planned=AUTO): find the planned visit the visit fulfils
URGENT_HEALTH = (HealthRecord.Condition.HOSPITALISED, HealthRecord.Condition.CRITICAL)
HEALTH_REPORT_WITHIN = datetime.timedelta(days=3)

State = Concern.State
# state -> {next state: capability needed}
TRANSITIONS = {
    State.OPEN: {State.ANSWERED: "record_visits", State.ESCALATED: "record_visits"},
    # A member not satisfied with the branch's explanation may still have it escalated.
    State.ANSWERED: {State.CLOSED: "record_visits", State.ESCALATED: "record_visits"},
    State.ESCALATED: {State.BUREAU_REPLIED: "answer_escalations"},
    State.BUREAU_REPLIED: {State.CLOSED: "record_visits"},
    State.CLOSED: {},
}


def _require(actor, capability: str, member: Member) -> None:
    authorise(actor, capability, member.branch_id, _("You may not do this for a member of that branch."))


def matching_planned_visit(*, member: Member, kind: str, on: datetime.date) -> PlannedVisit | None:
    """The open planned visit of this kind a visit on `on` fulfils: the earliest whose window has opened."""
    candidates = PlannedVisit.objects.open().filter(member=member, kind=kind).order_by("due_by", "id")
    found = candidates.filter(due_from__lte=on).first()
    if found is None and kind == PlannedVisit.Kind.ROUTINE:
        found = candidates.first()  # an early routine visit still counts as the next routine visit
    return found


@transaction.atomic
def visit_record(
    *,
    actor,
    member: Member,
    date: datetime.date,
    kind: str,
    mode: str = Visit.Mode.HOME,
    visitors=None,
    amount: Decimal = Decimal(0),
    health: str = "",
    notes: str = "",
    follow_up: bool = False,
    planned=AUTO,
) -> Visit:
    """Records a visit and closes the planned visit it fulfils (found automatically unless given).

    Any visit also closes the member's open routine visit once its window has opened: the member was seen.
    """
    _require(actor, "record_visits", member)
    if date > timezone.localdate():
        raise ValidationError({"date": _("A visit cannot be recorded for a day that has not come yet.")})
    if date < member.birth_date:
        raise ValidationError({"date": _("A visit cannot be dated before the member was born.")})
    if health in URGENT_HEALTH and date >= timezone.localdate() - HEALTH_REPORT_WITHIN:
        # Before the visit is matched: a hospital visit recorded now fulfils the one this plans.
        # A visit entered long after the day is history: it does not change today's record.
        _health_report(actor, member, health)
    if planned is AUTO:
        planned = matching_planned_visit(member=member, kind=kind, on=date)
    _check_planned(planned, member)
    visit = Visit(
        member=member,
        date=date,
        kind=kind,
        mode=mode,
        amount=amount,
        health=health,
        notes=notes,
        follow_up=follow_up,
        planned=planned,
        recorded_by=person(actor),
    )
    # The related rows come in as loaded instances: skip re-querying each one to check it exists.
    visit.full_clean(exclude=["member", "planned", "recorded_by"])
    visit.save()
    # One at a time, so that they are recorded in the order given (and the member page lists them
    # so): add() of several inserts them in the order of a set of ids.
    for visitor in visitors or ([actor] if person(actor) else []):
        visit.visitors.add(visitor)
    if planned is not None:
        _close(planned)
    if kind != PlannedVisit.Kind.ROUTINE:
        routine = PlannedVisit.objects.open().filter(
            member=member, kind=PlannedVisit.Kind.ROUTINE, due_from__lte=date
        )
        for seen in routine:
            _close(seen)  # one by one, so that the history records each (an update() it never sees)
    return visit


@transaction.atomic
def visit_record_with_concern(
    *, actor, member: Member, concern_category: str = "", concern_text: str = "", **visit
) -> Visit:
    """Records the visit and the concern the member raised at it (none when `concern_text` is blank),
    both or neither; `visit` holds visit_record's arguments."""
    recorded = visit_record(actor=actor, member=member, **visit)
    if concern_text.strip():
        concern_raise(
            actor=actor,
            member=member,
            category=concern_category,
            text=concern_text,
            visit=recorded,
            raised_on=recorded.date,
        )
    return recorded


def _health_report(actor, member: Member, health: str) -> None:
    """A visit that finds the member in hospital or critically ill updates the health record through
    the member services, which plan the hospital visit and alert the carers (visits.care)."""
    current = HealthRecord.objects.filter(member=member).values_list("condition", flat=True).first()
    if current != health:
        member_update(actor=actor, member=member, condition=health)


def _check_planned(planned: PlannedVisit | None, member: Member) -> None:
    if planned is None:
        return
    if planned.member_id != member.pk:
        raise ValidationError({"planned": _("That planned visit is for another member.")})
    if planned.status == PlannedVisit.Status.CANCELLED:
        raise ValidationError({"planned": _("That planned visit was cancelled.")})


def _close(planned: PlannedVisit) -> None:
    planned.status = PlannedVisit.Status.DONE
    planned.save(update_fields=["status"])


@transaction.atomic
def visit_change_planned(*, actor, visit: Visit, planned: PlannedVisit | None) -> Visit:
    """Links the visit to another planned visit (or none): the old one opens again, the new one closes."""
    _require(actor, "record_visits", visit.member)
    _check_planned(planned, visit.member)
    if planned is not None and planned.status == PlannedVisit.Status.DONE and planned.pk != visit.planned_id:
        raise ValidationError({"planned": _("That planned visit is already done.")})
    old = visit.planned
    visit.planned = planned
    visit.save(update_fields=["planned"])
    if old is not None and old != planned:
        old.status = PlannedVisit.Status.DUE
        old.save(update_fields=["status"])
    if planned is not None:
        _close(planned)
    return visit


@transaction.atomic
def planned_visit_cancel(*, actor, planned: PlannedVisit, reason: str) -> PlannedVisit:
    """Cancels an open planned visit; the reason is required and kept."""
    _require(actor, "record_visits", planned.member)
    if planned.status != PlannedVisit.Status.DUE:
        raise ValidationError(_("Only a visit that is still due can be cancelled."))
    if not reason.strip():
        raise ValidationError({"cancel_reason": _("Say why the visit is cancelled.")})
    planned.status, planned.cancel_reason = PlannedVisit.Status.CANCELLED, reason.strip()
    planned.save(update_fields=["status", "cancel_reason"])
    return planned


@transaction.atomic
def policy_update(*, actor, branch, **fields) -> VisitPolicy:
    """Saves the branch's visit policy (creating it with the defaults first if needed)."""
    authorise(actor, "edit_members", branch, _("Only the committee may change the visit policy."))
    policy, _created = VisitPolicy.objects.get_or_create(branch=branch)
    for name, value in fields.items():
        setattr(policy, name, value)
    policy.full_clean()
    policy.save(update_fields=[*fields, "updated_at"])
    return policy


@transaction.atomic
def concern_raise(
    *,
    actor,
    member: Member,
    category: str,
    text: str,
    raised_via: str = Concern.Via.VISIT,
    visit: Visit | None = None,
    raised_on: datetime.date | None = None,
) -> Concern:
    """Records a member's concern, open, with its first event."""
    _require(actor, "record_visits", member)
    concern = Concern(
        member=member,
        category=category,
        text=text.strip(),
        raised_via=raised_via,
        visit=visit,
        raised_on=raised_on or timezone.localdate(),
    )
    concern.full_clean()
    concern.save()
    ConcernEvent.objects.create(
        concern=concern, to_state=State.OPEN, comment=concern.text, actor=person(actor)
    )
    return concern


@transaction.atomic
def concern_transition(*, actor, concern: Concern, to_state: str, comment: str) -> Concern:
    """Moves a concern to `to_state` if the workflow allows it and the actor may; records the event."""
    concern = Concern.objects.select_for_update().select_related("member").get(pk=concern.pk)
    allowed = TRANSITIONS[State(concern.state)]
    if to_state not in allowed:
        raise ValidationError(
            _("A concern that is “%(from)s” cannot become “%(to)s”.")
            % {"from": State(concern.state).label, "to": State(to_state).label},
            code="illegal_transition",
        )
    refused = _("You may not move this concern to “%(to)s”.") % {"to": State(to_state).label}
    authorise(actor, allowed[to_state], concern.member.branch_id, refused)
    if not comment.strip():
        raise ValidationError({"comment": _("Write a comment: what was answered, decided or asked.")})
    ConcernEvent.objects.create(
        concern=concern,
        from_state=concern.state,
        to_state=to_state,
        comment=comment.strip(),
        actor=person(actor),
    )
    concern.state = to_state
    fields = ["state", "updated_at"]
    if to_state == State.ESCALATED:
        concern.escalated_at = timezone.now()
        fields.append("escalated_at")
    concern.save(update_fields=fields)
    return concern


def concern_answer(*, actor, concern: Concern, comment: str) -> Concern:
    """The branch explains and answers (解释答复)."""
    return concern_transition(actor=actor, concern=concern, to_state=State.ANSWERED, comment=comment)


def concern_escalate(*, actor, concern: Concern, comment: str) -> Concern:
    """The branch reports the concern to the bureau party committee (上报局党委)."""
    return concern_transition(actor=actor, concern=concern, to_state=State.ESCALATED, comment=comment)


def concern_bureau_reply(*, actor, concern: Concern, comment: str) -> Concern:
    """The bureau answers an escalated concern."""
    return concern_transition(actor=actor, concern=concern, to_state=State.BUREAU_REPLIED, comment=comment)


def concern_close(*, actor, concern: Concern, comment: str) -> Concern:
    """The branch closes a concern once the member has had the answer."""
    return concern_transition(actor=actor, concern=concern, to_state=State.CLOSED, comment=comment)


# ---- Automatic reminders (beat tasks in tasks.py), sent through notifications.notify ----

DIGEST_NAMES = 3  # names per section of the Monday digest, so it stays about one or two SMS


def visit_digests_send(*, on: datetime.date) -> int:
    """The Monday SMS to each responsible person (the group leader, or the deputy while the leader is
    away) counting their overdue visits and those due in the 7 days from `on`, with a few names.

    The responsible person is read from the member's contact group now, so a leader who just went away
    is covered even before the planner reassigns. Names only, never the kind of visit or anything of
    health (PIPL). Once per recipient per ISO week; branches that switched the digest off are skipped.
    Returns the number of messages queued.
    """
    week_end = on + datetime.timedelta(days=6)
    switched_off = ReminderSettings.objects.filter(visit_digest=False).values_list("branch_id", flat=True)
    rows = (
        PlannedVisit.objects.open()
        .filter(due_by__lte=week_end, member__status=Member.Status.ACTIVE)
        .filter(member__contact_group__isnull=False)
        .exclude(member__branch_id__in=switched_off)
        .order_by("due_by", "member__name_pinyin", "id")
        .values_list(
            "due_by",
            "member_id",
            "member__name",
            "member__branch_id",
            "member__contact_group__leader_id",
            "member__contact_group__deputy_id",
            "member__contact_group__leader_away",
        )
    )
    # user id -> {"overdue"/"week": {member id: name}} (dicts keep the due order); user id -> branch ids
    digests: dict[int, dict[str, dict[int, str]]] = defaultdict(lambda: {"overdue": {}, "week": {}})
    branches_of: dict[int, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    for due_by, member_id, name, branch_id, leader_id, deputy_id, away in rows:
        user_id = deputy_id if away and deputy_id else leader_id
        if user_id is None:
            continue
        digest = digests[user_id]
        if due_by < on:
            digest["overdue"][member_id] = name
            digest["week"].pop(member_id, None)
        elif member_id not in digest["overdue"]:
            digest["week"][member_id] = name
        branches_of[user_id][branch_id] += 1
    if not digests:
        return 0
    users = User.objects.select_related("member").in_bulk(list(digests))
    branches = Branch.objects.in_bulk({b for counts in branches_of.values() for b in counts})
    iso_year, iso_week, _weekday = on.isocalendar()
    queued = 0
    for user_id, digest in digests.items():
        # A leader belongs to one branch; should they lead groups in two, the digest goes under the larger.
        branch_id = max(branches_of[user_id], key=lambda b: (branches_of[user_id][b], -b))
        result = notify(
            branch=branches[branch_id],
            occasion=f"visit-digest:{iso_year}-W{iso_week:02d}",
            text=_digest_text(digest["overdue"], digest["week"]),
            recipients=[users[user_id]],
            reminder="visit_digest",
        )
        queued += result.queued
    return queued


def _digest_text(overdue: dict[int, str], week: dict[int, str]) -> str:
    # Leaders read their SMS in the portal's language, whatever language the worker runs in.
    with translation.override(settings.LANGUAGE_CODE):
        return _(
            "{姓名}: your visits — overdue: %(overdue)s; due this week: %(week)s. "
            "Details on the portal's visit schedule. {支部}"
        ) % {"overdue": _digest_section(overdue), "week": _digest_section(week)}


def _digest_section(names_by_member: dict[int, str]) -> str:
    count = len(names_by_member)
    if not count:
        return _("none")
    names = pgettext("list separator", ", ").join(list(names_by_member.values())[:DIGEST_NAMES])
    if count > DIGEST_NAMES:
        names = _("%(names)s and others") % {"names": names}
    return ngettext("%(count)d member (%(names)s)", "%(count)d members (%(names)s)", count) % {
        "count": count,
        "names": names,
    }


def stale_concern_reminders_send(*, now: datetime.datetime | None = None) -> int:
    """An SMS to the branch's secretary and deputy secretaries for each concern escalated to the bureau
    and unanswered for 30 days: once per concern, in branches that keep the switch on.

    The text names the member and the concern's number, not its content or category (PIPL).
    Returns the number of messages queued.
    """
    now = now or timezone.now()
    concerns = list(
        Concern.objects.filter(state=Concern.State.ESCALATED, escalated_at__lt=stale_before(now))
        .select_related("member__branch")
        .order_by("escalated_at", "id")
    )
    if not concerns:
        return 0
    roles = (
        BranchRole.objects.filter(
            branch_id__in={c.member.branch_id for c in concerns},
            role__in=[BranchRole.Role.SECRETARY, BranchRole.Role.DEPUTY],
        )
        .select_related("user__member")
        .order_by("role", "user_id")
    )
    secretaries: dict[int, dict[int, User]] = defaultdict(dict)
    for role in roles:
        secretaries[role.branch_id].setdefault(role.user_id, role.user)
    queued = 0
    for concern in concerns:
        recipients = list(secretaries[concern.member.branch_id].values())
        if not recipients:
            continue
        result = notify(
            branch=concern.member.branch,
            occasion=f"concern-stale:{concern.pk}",
            text=_stale_concern_text(concern),
            recipients=recipients,
            reminder="concern_escalation",
        )
        queued += result.queued
    return queued


def _stale_concern_text(concern: Concern) -> str:
    with translation.override(settings.LANGUAGE_CODE):
        return _(
            "{姓名}: the concern of %(member)s (no. %(number)s) escalated to the bureau on %(date)s "
            "has had no reply for %(days)s days. Please follow it up. {支部}"
        ) % {
            "member": concern.member.name,
            "number": concern.pk,
            "date": date_format(timezone.localtime(concern.escalated_at).date(), "DATE_FORMAT"),
            "days": STALE_ESCALATION_DAYS,
        }
