"""Demo visits: a year of the three-visit schedule played forward with the real planner.

Every simulated fortnight the planner runs as it would have that night, and carers record most of the
visits falling due (a few late, a few missed), so the schedule shows done festival rounds, an
overdue section, this week's visits and upcoming ones. Then a member falls critically ill
yesterday (a hospital visit due today) and a few concerns are raised, answered and escalated.
"""

import datetime
import random
from decimal import Decimal

from auditlog.context import disable_auditlog
from django.db.models import Q
from django.utils import timezone

from accounts.models import BranchRole
from accounts.permissions import SYSTEM
from members import services as members_services
from members.models import HealthRecord, Member
from org.models import Branch

from . import celebrations, services
from .lunar import Festival
from .models import Concern, ConcernEvent, PlannedVisit, Visit, VisitPolicy
from .planning import plan_visits
from .selectors import STALE_ESCALATION_DAYS

NOTES = [
    "精神状态不错，聊了家常，叮嘱注意保暖。",
    "老人腿脚不便，已提醒家属注意防滑。",
    "送去慰问品，转达支部的问候。",
    "血压偏高，建议按时服药、定期复查。",
    "讲了本月支部学习内容，老人很关心。",
    "子女在外地，老人独自在家，约定每周电话联系。",
]
STEP = datetime.timedelta(days=14)
STEP_DAYS = 3  # between a demo concern's steps
GIFTS = {PlannedVisit.Kind.FESTIVAL: Decimal(300), PlannedVisit.Kind.BIRTHDAY: Decimal(500)}
CONCERNS = [
    (Concern.Category.HOUSING, "楼道照明坏了两个月，物业迟迟不修，晚上下楼不安全。"),
    (Concern.Category.PENSION, "询问今年养老金调整何时到账，补发部分如何计算。"),
    (Concern.Category.HEALTH, "希望支部帮助联系上门体检服务。"),
    (Concern.Category.POLICY, "想了解离退休干部医药费报销的新规定。"),
    (Concern.Category.FAMILY, "老伴住院，家中无人照料，希望协调临时护工。"),
    (Concern.Category.OTHER, "希望组织一次去红色教育基地的参观活动。"),
]


def seed(branch: Branch, today: datetime.date) -> None:
    """A year of visits for the branch, the planner's current schedule, and a few concerns."""
    rng = random.Random(4)
    # The demo branch also keeps New Year's Day, so a festival round is under way in any season.
    VisitPolicy.objects.update_or_create(
        branch=branch,
        defaults={
            "festivals": [Festival.NEW_YEAR, Festival.SPRING, Festival.MID_AUTUMN, Festival.DOUBLE_NINTH]
        },
    )
    carers = _carers(branch)
    day = today - datetime.timedelta(days=365)
    # The simulated past is demo scenery, not changes anyone made: keep it out of the audit history.
    with disable_auditlog():
        while day < today - datetime.timedelta(days=7):
            plan_visits(branch_ids=[branch.pk], today=day)
            _visit_the_fortnight(branch, day, today, rng, carers)
            day += STEP
    _fall_ill(branch, today)
    plan_visits(branch_ids=[branch.pk], today=today)
    _concerns(branch, today, rng, carers)
    _celebrate(branch, today, carers)


def _celebrate(branch: Branch, today: datetime.date, carers: dict) -> None:
    """The collective birthday celebration (集体祝寿) held six weeks ago, for up to eight of that year's
    round birthdays, with its cake and flowers (which the dues ledger offers to take up)."""
    day = today - datetime.timedelta(days=42)
    came = celebrations.celebrants(branch_id=branch.pk, year=day.year)[:8]
    if came:
        celebrations.celebration_record(
            actor=carers[BranchRole.Role.SECRETARY], branch=branch, date=day, place="局老干部活动中心",
            attendees=came, gifts=[("生日蛋糕", Decimal("268.00")), ("鲜花", Decimal("120.00"))],
            notes="书记致祝寿词，寿星们合影留念。",
        )  # fmt: skip


def _carers(branch: Branch) -> dict:
    """Role → user, and user id → the same user object (so its permission cache is reused)."""
    roles = BranchRole.objects.filter(branch=branch).select_related("user")
    carers: dict = {role.role: role.user for role in roles}
    carers.update({role.user_id: role.user for role in roles})
    return carers


def _visit_the_fortnight(branch, day, today, rng, carers) -> None:
    # Nothing in the last week: that is what the schedule shows as due now and overdue.
    week_end = min(day + STEP - datetime.timedelta(days=1), today - datetime.timedelta(days=8))
    due = PlannedVisit.objects.open().filter(member__branch=branch, due_from__lte=week_end)
    for planned in due.select_related("member"):
        chance = 0.96 if planned.due_by >= day else 0.4  # late visits are less likely to happen
        if rng.random() > chance:
            continue
        first = max(planned.due_from, day)
        last = max(first, min(planned.due_by, week_end))
        on = first + datetime.timedelta(days=rng.randint(0, (last - first).days))
        if on >= today:
            continue
        _record(planned, on, rng, carers)


def _record(planned: PlannedVisit, on: datetime.date, rng, carers) -> Visit:
    visitors = [carers.get(planned.responsible_id) or carers[BranchRole.Role.LIAISON]]
    if planned.kind in GIFTS and carers.get(BranchRole.Role.SECRETARY) not in visitors:
        visitors.append(carers[BranchRole.Role.SECRETARY])
    mode = (
        Visit.Mode.PHONE
        if planned.kind == PlannedVisit.Kind.ROUTINE and rng.random() < 0.3
        else Visit.Mode.HOME
    )
    if planned.kind == PlannedVisit.Kind.HOSPITAL:
        mode = Visit.Mode.HOSPITAL
    return services.visit_record(
        actor=SYSTEM,
        member=planned.member,
        date=on,
        kind=planned.kind,
        mode=mode,
        visitors=visitors,
        amount=GIFTS.get(planned.kind, Decimal(0)),
        health=rng.choice(["good", "good", "fair", "poor"]),
        notes=rng.choice(NOTES),
        follow_up=rng.random() < 0.1,
        planned=planned,
    )


def _fall_ill(branch: Branch, today: datetime.date) -> None:
    """One member became critically ill yesterday: the planner owes them a hospital visit today."""
    member = (
        Member.objects.active()
        .in_branch(branch)
        .filter(user__isnull=True)
        .filter(~Q(health__condition=HealthRecord.Condition.CRITICAL))
        .order_by("birth_date")
        .first()
    )
    if member is not None:
        members_services.member_update(
            actor=SYSTEM,
            member=member,
            on=today - datetime.timedelta(days=1),
            condition=HealthRecord.Condition.CRITICAL,
        )


def _concerns(branch: Branch, today: datetime.date, rng, carers) -> None:
    visits = list(Visit.objects.filter(member__branch=branch).select_related("member").order_by("-date")[:40])
    liaison, secretary = carers[BranchRole.Role.LIAISON], carers[BranchRole.Role.SECRETARY]
    bureau = carers.get(BranchRole.Role.BUREAU)
    # The first concern is escalated and has waited over 30 days for the bureau (the dashboard flags
    # it), so it was raised at a visit some weeks before.
    weeks_ago = today - datetime.timedelta(days=STALE_ESCALATION_DAYS + 10)
    older = Visit.objects.filter(member__branch=branch, date__lte=weeks_ago).select_related("member")
    visits[0] = older.order_by("-date").first() or visits[0]
    raised = []
    for index, (category, text) in enumerate(CONCERNS):
        visit = visits[index * 5]
        raised.append(
            services.concern_raise(
                actor=liaison,
                member=visit.member,
                category=category,
                text=text,
                visit=visit,
                raised_on=visit.date,
            )
        )
    services.concern_escalate(
        actor=secretary, concern=raised[0], comment="物业多次协调未果，上报局党委协调。"
    )
    services.concern_escalate(
        actor=secretary, concern=raised[1], comment="涉及待遇政策，支部无法答复，上报局党委。"
    )
    if bureau is not None:
        services.concern_escalate(actor=secretary, concern=raised[4], comment="需要局里协调护工资源。")
        services.concern_bureau_reply(
            actor=bureau, concern=raised[4], comment="已联系社区养老服务中心，下周安排护工。"
        )
    services.concern_answer(
        actor=liaison, concern=raised[3], comment="已将新规定的要点当面讲解，老人表示清楚了。"
    )
    services.concern_close(actor=liaison, concern=raised[3], comment="本人满意。")
    for concern in raised:
        _date_the_steps(concern, today)


def _date_the_steps(concern: Concern, today: datetime.date) -> None:
    """Spreads a demo concern's steps over the days after it was raised (the services stamp them now)."""
    moments = []
    for step, event in enumerate(concern.events.order_by("pk")):
        day = min(concern.raised_on + datetime.timedelta(days=STEP_DAYS * step), today)
        moments.append(timezone.make_aware(datetime.datetime.combine(day, datetime.time(10, step))))
        ConcernEvent.objects.filter(pk=event.pk).update(at=moments[-1])
        if event.to_state == Concern.State.ESCALATED:
            Concern.objects.filter(pk=concern.pk).update(escalated_at=moments[-1])
    Concern.objects.filter(pk=concern.pk).update(updated_at=moments[-1])
