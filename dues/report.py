"""The annual report to the all-member meeting (全体党员大会): dues account, the year's work, next plan.

`dues` sits at the top of the import chain (DESIGN.md) and reads the other apps' selectors and
models, all of them always installed. Every part runs a fixed number of queries, whatever the
number of members.
"""

import datetime
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils.dates import MONTHS
from django.utils.translation import gettext as _

from lib import figures
from members.models import Member
from notifications.models import Notice
from org.models import Branch
from study.models import Contribution as Given
from study.models import StudyActivity, StudyPlanMonth
from study.selectors import activity_rates
from visits.birthdays import age_reached_in
from visits.models import BirthdayCelebration, CelebrationGift, Concern, PlannedVisit, Visit

from . import selectors
from .models import Expenditure
from .money import ZERO, to_fen
from .selectors import MemberDues, YearAccount


@dataclass
class StudyDay:
    date: datetime.date
    theme: str
    recorded: int
    attended: int
    percent: int


@dataclass
class Held:
    """An activity held: for the joint activities named in the report."""

    date: datetime.date
    theme: str


@dataclass
class Contribution:
    kind: str  # study.Contribution.Kind
    title: str
    author: str
    date: datetime.date


@dataclass
class Celebration:
    """A collective birthday celebration as recorded: who came (name, age) and the gifts (item, cost)."""

    date: datetime.date
    place: str
    celebrated: list[tuple[str, int]]
    gifts: list[tuple[str, Decimal]]

    @property
    def gifts_total(self) -> Decimal:
        return to_fen(sum((cost for _item, cost in self.gifts), ZERO))


@dataclass
class YearWork:
    """What the branch did in the year, from the study, visits and notifications apps."""

    study_days: list[StudyDay] = field(default_factory=list)
    activities_held: int = 0
    held_by_kind: dict[str, int] = field(default_factory=dict)  # study kind -> activities held
    joint: list[Held] = field(default_factory=list)
    contributions: list[Contribution] = field(default_factory=list)
    celebrations: list[Celebration] = field(default_factory=list)
    members_visited: int = 0
    visit_kinds: list[tuple[str, str]] = field(default_factory=list)  # (kind, label)
    visits_by_month: dict[str, list[int]] = field(default_factory=dict)  # kind -> 12 counts
    concerns_raised: int = 0
    concerns_answered: int = 0
    concerns_escalated: int = 0
    notices_issued: int = 0

    @property
    def study_days_held(self) -> int:
        return len(self.study_days)

    @property
    def average_attendance(self) -> int:
        """Members present (or online) over members recorded, across the year's study days, in %."""
        recorded = sum(d.recorded for d in self.study_days)
        attended = sum(d.attended for d in self.study_days)
        return round(100 * attended / recorded) if recorded else 0

    @property
    def visits_by_kind(self) -> list[tuple[str, int]]:
        return [(str(label), sum(self.visits_by_month[kind])) for kind, label in self.visit_kinds]

    @property
    def visits_total(self) -> int:
        return sum(count for _label, count in self.visits_by_kind)

    @property
    def visits_month_totals(self) -> list[int]:
        return [sum(row[m] for row in self.visits_by_month.values()) for m in range(12)]

    @property
    def visits_month_rows(self) -> list[list[int]]:
        """Twelve rows: the month's visits of each kind, then the month's total."""
        return [
            [self.visits_by_month[kind][m] for kind, _label in self.visit_kinds] + [total]
            for m, total in enumerate(self.visits_month_totals)
        ]

    @property
    def celebrated_count(self) -> int:
        return sum(len(c.celebrated) for c in self.celebrations)


@dataclass
class AnnualReport:
    branch: Branch
    year: int
    as_of: datetime.date
    account: YearAccount
    arrears: list[MemberDues]
    work: YearWork
    expenditures: list[Expenditure]
    plan_year: int
    plan: list
    study_themes: list[tuple[int, str]]  # (month, theme) of the next year's study plan

    @property
    def arrears_total(self) -> Decimal:
        return sum((s.arrears for s in self.arrears), ZERO)

    @property
    def arrears_months(self) -> int:
        return sum(s.unpaid_count for s in self.arrears)


def report_as_of(year: int, today: datetime.date) -> datetime.date:
    """A past year is reported as it stood on 31 December; the current year as of today."""
    return min(today, datetime.date(year, 12, 31))


def annual_report(*, branch: Branch, year: int, today: datetime.date) -> AnnualReport:
    """The whole report in a fixed number of queries (seven), whatever the size of the branch and its
    history."""
    as_of = report_as_of(year, today)
    members = selectors.standing_members(branch_ids=[branch.pk], upto=as_of)
    payments = selectors.payment_rows(branch_ids=[branch.pk])
    totals = year_figures(branch=branch, year=year, as_of=as_of)
    standings = selectors.standings_in_branches(
        branch_ids=[branch.pk], upto=as_of, members=members, payments=payments
    )
    spent_before, spent_in_year = selectors.split_spending(
        selectors.spending_totals(totals["spending"]), year
    )
    return AnnualReport(
        branch=branch,
        year=year,
        as_of=as_of,
        account=selectors.year_account_from(
            year=year, payments=payments, spent_before=spent_before, spent_in_year=spent_in_year
        ),
        arrears=selectors.owing(standings),
        work=year_work(branch=branch, year=year, as_of=as_of, totals=totals),
        expenditures=selectors.expenditures_in_year(branch=branch, year=year),
        plan_year=year + 1,
        plan=selectors.work_plan(branch=branch, year=year + 1),
        study_themes=sorted((month, theme) for month, theme in totals["study_themes"]),
    )


def year_figures(*, branch: Branch, year: int, as_of: datetime.date) -> dict:
    """Every single figure and short list of the report in one query, a subquery each: what the branch
    spent by year and purpose, the notices issued, and the rows `_year_rows` names.

    The year's visits and concerns come as short lists too, counted in Python (`year_work`): for the
    ORM, building and compiling a subquery per count took longer than PostgreSQL takes to run them all.
    """
    columns = {
        "spending": figures.Rows(selectors.spending_by_year(branch=branch), "spent_in", "purpose", "total")
    }
    issued = Notice.objects.filter(branch=branch, year=year, number__isnull=False)
    columns["notices_issued"] = figures.Count(issued)
    columns.update(_year_rows(branch, year, as_of))
    return Branch.objects.filter(pk=branch.pk).order_by().values(**columns).get()


def _year_rows(branch: Branch, year: int, as_of: datetime.date) -> dict:
    """The year's talks and essays, visits, concerns, birthday celebrations (with who was celebrated
    and the gifts), and next year's study themes: short lists, as figures.Rows."""
    start, end = datetime.date(year, 1, 1), datetime.date(year + 1, 1, 1)
    given = Given.objects.filter(author__branch=branch, activity__date__gte=start, activity__date__lte=as_of)
    visits = Visit.objects.filter(member__branch=branch, date__gte=start, date__lt=end)
    concerns = Concern.objects.filter(member__branch=branch, raised_on__gte=start, raised_on__lt=end)
    held = BirthdayCelebration.objects.filter(branch=branch, date__gte=start, date__lte=as_of)
    celebrated = BirthdayCelebration.attendees.through.objects.filter(birthdaycelebration__in=held)
    themes = StudyPlanMonth.objects.filter(plan__branch=branch, plan__year=year + 1).exclude(theme="")
    return {
        "contributions": figures.Rows(given, "activity__date", "pk", "kind", "title", "author__name"),
        "visits": figures.Rows(visits, "member_id", "kind", "date"),
        "concerns": figures.Rows(concerns, "state", "escalated_at"),
        "celebrations_held": figures.Rows(held, "date", "pk", "place"),
        "celebrated": figures.Rows(
            celebrated,
            "birthdaycelebration_id",
            "member__birth_date",
            "member_id",
            "member__name",
            "member__lunar_birthday",
        ),
        "gifts": figures.Rows(
            CelebrationGift.objects.filter(celebration__in=held), "celebration_id", "pk", "item", "cost"
        ),
        "study_themes": figures.Rows(themes, "month", "theme"),
    }


def year_work(*, branch: Branch, year: int, as_of: datetime.date, totals: dict) -> YearWork:
    work = YearWork()
    _add_study(work, branch, year, as_of)
    work.contributions = [
        Contribution(kind, title, author, _date(day))
        for day, _pk, kind, title, author in sorted(totals["contributions"])
    ]
    _add_visits(work, totals["visits"])
    work.celebrations = _celebrations(totals["celebrations_held"], totals["celebrated"], totals["gifts"])
    _add_concerns(work, totals["concerns"])
    work.notices_issued = totals["notices_issued"]
    return work


def _date(iso: str) -> datetime.date:
    """A date as figures.Rows gives it."""
    return datetime.date.fromisoformat(iso)


def _add_study(work: YearWork, branch: Branch, year: int, as_of: datetime.date) -> None:
    """Activities held up to as_of, and the monthly study days among them with their attendance."""
    held = activity_rates([branch.pk], datetime.date(year, 1, 1), as_of)
    work.study_days = [
        StudyDay(a.date, a.theme, a.recorded, a.attended, a.percent)
        for a in held
        if a.kind == StudyActivity.Kind.MONTHLY and a.recorded
    ]
    work.activities_held = len(held)
    work.held_by_kind = dict(Counter(a.kind for a in held))
    work.joint = [Held(a.date, a.theme) for a in held if a.kind == StudyActivity.Kind.JOINT]


def _celebrations(held: list, celebrated: list, gifts: list) -> list[Celebration]:
    """The year's collective birthday celebrations, oldest first, each with who was celebrated (the
    oldest first) and the gifts, from their figures.Rows."""
    by_pk = {
        pk: Celebration(date=_date(day), place=place, celebrated=[], gifts=[]) for day, pk, place in held
    }
    for pk, birth_date, _member, name, lunar in sorted(celebrated):
        member = Member(birth_date=_date(birth_date), lunar_birthday=bool(lunar))
        by_pk[pk].celebrated.append((name, age_reached_in(member, by_pk[pk].date.year)))
    for pk, _gift, item, cost in sorted(gifts):
        by_pk[pk].gifts.append((item, to_fen(cost)))
    return [by_pk[pk] for _day, pk, _place in sorted(held)]


def _add_visits(work: YearWork, rows: list) -> None:
    """The year's visits by kind and month, and the members visited, from their figures.Rows."""
    work.visit_kinds = list(PlannedVisit.Kind.choices)
    work.visits_by_month = {kind: [0] * 12 for kind, _label in work.visit_kinds}
    for _member, kind, day in rows:
        work.visits_by_month.setdefault(kind, [0] * 12)[_date(day).month - 1] += 1
    work.members_visited = len({member for member, _kind, _day in rows})


def _add_concerns(work: YearWork, rows: list) -> None:
    """The year's concerns raised, and of them those escalated to the bureau (whatever happened after)
    and those the branch answered itself, from their figures.Rows."""
    State = Concern.State
    work.concerns_raised = len(rows)
    for state, escalated_at in rows:
        if escalated_at is not None or state in (State.ESCALATED, State.BUREAU_REPLIED):
            work.concerns_escalated += 1
        elif state in (State.ANSWERED, State.CLOSED):
            work.concerns_answered += 1


def chart_data(report: AnnualReport) -> dict:
    """The report's charts as plain data for json_script; static/js/dues.js draws them."""
    months = [str(MONTHS[m]) for m in range(1, 13)]
    account = report.account
    charts = {
        "collected": {
            "type": "bar",
            "labels": months,
            "datasets": [
                {"label": _("Dues collected (yuan)"), "data": [float(a) for a in account.collected_by_month]}
            ],
        },
        "spent": {
            "type": "bar",
            "horizontal": True,
            "labels": [label for _v, label, _a in account.used_by_purpose] + [_("Remitted")],
            "datasets": [
                {
                    "label": _("Amount (yuan)"),
                    "data": [float(a) for _v, _l, a in account.used_by_purpose] + [float(account.remitted)],
                }
            ],
        },
        "attendance": {
            "type": "line",
            "percent": True,
            "labels": [f"{d.date:%m-%d}" for d in report.work.study_days],
            "datasets": [
                {"label": _("Attendance (per cent)"), "data": [d.percent for d in report.work.study_days]}
            ],
        },
    }
    charts["visits"] = {
        "type": "bar",
        "stacked": True,
        "labels": months,
        "datasets": [
            {"label": str(label), "data": report.work.visits_by_month[kind]}
            for kind, label in report.work.visit_kinds
        ],
    }
    return charts
