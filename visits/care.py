"""Care that cannot wait for the hourly planner: an admission, a critical illness or a death acts at once.

Every path that changes a member's health or status (the member form, a roster import, a visit's
report) writes through members.services, which announces the change through members.care_events.
`care_changed` is registered there by VisitsConfig.ready(): it runs inside the writer's transaction,
so the visit is planned (or the open ones cancelled) with the edit, and the carers' alerts are queued
with it and dispatched on commit. The planner plans the same occasions under the same keys
("hospital-<care period id>"), so a later run finds them planned and adds nothing.
"""

import datetime

from django.conf import settings
from django.utils import translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from accounts.models import BranchRole, User
from members.care_events import CareChange
from members.models import CareCategory, CarePeriod, HealthRecord, Member
from notifications.models import Channel
from notifications.services import messages_cancel, notify

from .ladder import ladder_withdraw
from .models import PlannedVisit, VisitPolicy
from .planning import hospital_visit

URGENT_CATEGORIES = (CareCategory.CRITICAL, CareCategory.HOSPITALISED)  # the graver first
# The roles alerted besides the member's group leader (or the deputy covering for them).
ALERTED_ROLES = (BranchRole.Role.LIAISON, BranchRole.Role.SECRETARY)
CONDOLENCE_DAYS = 7
Kind = PlannedVisit.Kind


def care_changed(change: CareChange) -> None:
    """The handler members.services calls after each write that opened a care category or ended
    a membership (a re-save of the same state is never announced, so it does nothing here)."""
    if change.left_branch:
        member_departed(member=change.member, on=change.on)
        return
    if change.member.status != Member.Status.ACTIVE:
        return
    urgent = [category for category in URGENT_CATEGORIES if category in change.opened]
    if not urgent:
        return
    periods = CarePeriod.objects.filter(member=change.member, category__in=urgent, ended_on__isnull=True)
    for period in periods.order_by("pk"):
        urgent_visit_plan(member=change.member, period=period)


def urgent_visit_plan(*, member: Member, period: CarePeriod) -> PlannedVisit:
    """Plans the hospital visit for a newly opened 住院/病危 period, due within the policy's days (one by
    default) and held by the group's responsible person, and alerts the carers once."""
    policy = VisitPolicy.objects.filter(branch_id=member.branch_id).first() or VisitPolicy()
    wanted = hospital_visit(policy, member.pk, period.pk, period.started_on)
    planned, created = PlannedVisit.objects.get_or_create(
        member=member,
        kind=wanted.kind,
        occasion=wanted.occasion,
        defaults={
            "occasion_date": wanted.occasion_date,
            "due_from": wanted.due_from,
            "due_by": wanted.due_by,
            "responsible": _responsible(member),
        },
    )
    if created:
        urgent_alert_send(member=member, period=period, planned=planned)
    return planned


def urgent_alert_send(*, member: Member, period: CarePeriod, planned: PlannedVisit) -> int:
    """SMS to the group leader, the liaison officer and the secretary, and a post to the committee's
    WeCom group: who, where, by when. Nothing of health beyond 住院/病危 (PIPL). A critical illness is
    urgent: quiet hours do not hold it back. Returns the number of messages queued."""
    carers = _carers(member, planned.responsible_id)
    result = notify(
        branch=member.branch,
        occasion=f"{alert_prefix(member)}urgent:{period.pk}",
        text=_urgent_text(member, period, planned),
        recipients=carers,
        channels=(Channel.SMS, Channel.COMMITTEE_WECHAT),
        urgent=period.category == CareCategory.CRITICAL,
    )
    return result.queued


def alert_prefix(member: Member) -> str:
    """The occasion every alert about the member begins with, so that they can be stopped together."""
    return f"care:{member.pk}:"


def _carers(member: Member, responsible_id: int | None) -> list[User]:
    roles = BranchRole.objects.filter(branch_id=member.branch_id, role__in=ALERTED_ROLES)
    ids = {responsible_id, *roles.values_list("user_id", flat=True)} - {None}
    return list(User.objects.filter(pk__in=ids, is_active=True).select_related("member").order_by("pk"))


def _responsible(member: Member):
    group = member.contact_group
    return group.responsible if group is not None else None


def _urgent_text(member: Member, period: CarePeriod, planned: PlannedVisit) -> str:
    place = HealthRecord.objects.filter(member=member).values_list("place", flat=True).first()
    with translation.override(settings.LANGUAGE_CODE):
        values = {
            "member": member.name,
            "place": place or _("place not recorded, ask the family"),
            "due": date_format(planned.due_by, "MONTH_DAY_FORMAT"),
        }
        if period.category == CareCategory.CRITICAL:
            text = _(
                "{姓名}: %(member)s is critically ill (%(place)s). Please visit at once, by %(due)s, "
                "and record the visit on the portal. {支部}"
            )
        else:
            text = _(
                "{姓名}: %(member)s is in hospital (%(place)s). Please visit by %(due)s "
                "and record the visit on the portal. {支部}"
            )
        return text % values


def member_departed(*, member: Member, on: datetime.date) -> None:
    """A death or a transfer: the open visits, the waiting messages and the ladder's SMS naming the
    member stop now; after a death a condolence visit to the family (慰问家属) is planned for the
    group's responsible person."""
    with translation.override(settings.LANGUAGE_CODE):
        reason = (
            _("The member has died.")
            if member.status == Member.Status.DECEASED
            else _("The member has transferred out of the branch.")
        )
    # Row by row, not .update(): each cancellation goes into the history (a member has a handful).
    for planned in PlannedVisit.objects.open().filter(member=member).exclude(kind=Kind.CONDOLENCE):
        planned.status, planned.cancel_reason = PlannedVisit.Status.CANCELLED, reason
        planned.save(update_fields=["status", "cancel_reason"])
    messages_cancel(member=member, occasion_prefix=alert_prefix(member))
    ladder_withdraw(member=member)
    if member.status == Member.Status.DECEASED:
        PlannedVisit.objects.get_or_create(
            member=member,
            kind=Kind.CONDOLENCE,
            occasion="condolence",
            defaults={
                "occasion_date": member.status_changed_on,
                "due_from": on,
                "due_by": on + datetime.timedelta(days=CONDOLENCE_DAYS),
                "responsible": _responsible(member),
            },
        )
