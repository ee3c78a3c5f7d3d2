"""Writes to visits and concerns. Views, tasks and demo data all go through here."""

import datetime
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.permissions import has_capability
from members.models import Member

from .models import Concern, ConcernEvent, PlannedVisit, Visit, VisitPolicy

AUTO = object()  # visit_record(planned=AUTO): find the planned visit the visit fulfils

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
    if actor is not None and not has_capability(actor, capability, member.branch_id):
        raise PermissionDenied(_("You may not do this for a member of that branch."))


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
        recorded_by=actor,
    )
    # The related rows come in as loaded instances: skip re-querying each one to check it exists.
    visit.full_clean(exclude=["member", "planned", "recorded_by"])
    visit.save()
    visit.visitors.add(*(visitors or ([actor] if actor else [])))
    if planned is not None:
        _close(planned)
    if kind != PlannedVisit.Kind.ROUTINE:
        routine = PlannedVisit.objects.open().filter(
            member=member, kind=PlannedVisit.Kind.ROUTINE, due_from__lte=date
        )
        routine.update(status=PlannedVisit.Status.DONE)
    return visit


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
    if actor is not None and not has_capability(actor, "edit_members", branch):
        raise PermissionDenied(_("Only the committee may change the visit policy."))
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
    ConcernEvent.objects.create(concern=concern, to_state=State.OPEN, comment=concern.text, actor=actor)
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
    if actor is not None and not has_capability(actor, allowed[to_state], concern.member.branch_id):
        raise PermissionDenied(
            _("You may not move this concern to “%(to)s”.") % {"to": State(to_state).label}
        )
    if not comment.strip():
        raise ValidationError({"comment": _("Write a comment: what was answered, decided or asked.")})
    ConcernEvent.objects.create(
        concern=concern, from_state=concern.state, to_state=to_state, comment=comment.strip(), actor=actor
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
