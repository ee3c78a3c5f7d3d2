"""The annual report to the all-member meeting (全体党员大会): dues account, the year's work, next plan.

`dues` sits at the top of the import chain (DESIGN.md) and reads the other apps' selectors and
models, all of them always installed. Every part runs a fixed number of queries, whatever the
number of members.
"""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, JSONField, Q, Subquery
from django.db.models.functions import ExtractMonth, JSONObject
from django.utils.dates import MONTHS
from django.utils.translation import gettext as _

from members.models import Branch, Member
from notifications.models import Notice
from study.models import StudyActivity
from study.selectors import activity_rates
from visits.models import Concern, PlannedVisit, Visit
from visits.selectors import COLLECTIVE_BIRTHDAY_AGES

from . import figures, selectors
from .models import Expenditure
from .money import ZERO
from .selectors import MemberDues, YearAccount


@dataclass
class StudyDay:
    date: datetime.date
    theme: str
    recorded: int
    attended: int
    percent: int


@dataclass
class YearWork:
    """What the branch did in the year, from the study, visits and notifications apps."""

    study_days: list[StudyDay] = field(default_factory=list)
    activities_held: int = 0
    visit_kinds: list[tuple[str, str]] = field(default_factory=list)  # (kind, label)
    visits_by_month: dict[str, list[int]] = field(default_factory=dict)  # kind -> 12 counts
    birthdays: dict[int, list[str]] = field(default_factory=dict)  # age -> names
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
    def birthday_count(self) -> int:
        return sum(len(names) for names in self.birthdays.values())


@dataclass
class AnnualReport:
    branch: Branch
    year: int
    as_of: datetime.date
    account: YearAccount
    arrears: list[MemberDues]
    work: YearWork
    plan_year: int
    plan: list

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
    """The whole report in seven queries whatever the size of the branch and its history."""
    as_of = report_as_of(year, today)
    members = selectors.standing_members(branch_ids=[branch.pk], upto=as_of)
    payments = selectors.payment_rows(branch_ids=[branch.pk])
    totals = year_figures(branch=branch, year=year)
    standings = selectors.standings_in_branches(
        branch_ids=[branch.pk], upto=as_of, members=members, payments=payments
    )
    spent_in_year = {purpose: totals[f"spent_{purpose}"] for purpose in Expenditure.Purpose.values}
    return AnnualReport(
        branch=branch,
        year=year,
        as_of=as_of,
        account=selectors.year_account_from(
            year=year, payments=payments, spent_before=totals["spent_before"], spent_in_year=spent_in_year
        ),
        arrears=selectors.owing(standings),
        work=year_work(branch=branch, year=year, as_of=as_of, members=members, totals=totals),
        plan_year=year + 1,
        plan=selectors.work_plan(branch=branch, year=year + 1),
    )


def year_figures(*, branch: Branch, year: int) -> dict:
    """Every single figure of the report in one query, a subquery each: what the branch spent before
    the year and in it by purpose, the concerns raised, answered and escalated, the notices issued.
    """
    start, end = datetime.date(year, 1, 1), datetime.date(year + 1, 1, 1)
    spent = Expenditure.objects.filter(branch=branch)
    columns = {"spent_before": figures.Sum(spent.filter(spent_on__lt=start), "amount")}
    for purpose in Expenditure.Purpose.values:
        in_year = spent.filter(spent_on__gte=start, spent_on__lt=end, purpose=purpose)
        columns[f"spent_{purpose}"] = figures.Sum(in_year, "amount")
    columns.update(_concern_figures(branch, start, end))
    issued = Notice.objects.filter(branch=branch, year=year, number__isnull=False)
    columns["notices_issued"] = figures.Count(issued)
    return Branch.objects.filter(pk=branch.pk).values(**columns).get()


def _concern_figures(branch: Branch, start: datetime.date, end: datetime.date) -> dict:
    State = Concern.State
    raised = Concern.objects.filter(member__branch=branch, raised_on__gte=start, raised_on__lt=end)
    # Answered by the branch itself, or escalated to the bureau (whatever happened after): disjoint.
    escalated = Q(escalated_at__isnull=False) | Q(state__in=[State.ESCALATED, State.BUREAU_REPLIED])
    answered = Q(state__in=[State.ANSWERED, State.CLOSED]) & ~escalated
    # The three counts from one pass over the year's concerns (one row, grouped by the branch; none
    # when nothing was raised) instead of three subqueries reading the same rows.
    counts = JSONObject(
        raised=Count("pk"), answered=Count("pk", filter=answered), escalated=Count("pk", filter=escalated)
    )
    row = raised.order_by().values("member__branch").annotate(counts=counts).values("counts")
    return {"concerns": Subquery(row[:1], output_field=JSONField())}


def year_work(
    *, branch: Branch, year: int, as_of: datetime.date, members: list[Member], totals: dict
) -> YearWork:
    work = YearWork(birthdays=collective_birthdays(members=members, year=year))
    _add_study(work, branch, year, as_of)
    _add_visits(work, branch, year)
    concerns = totals["concerns"] or {}
    work.concerns_raised = concerns.get("raised", 0)
    work.concerns_answered = concerns.get("answered", 0)
    work.concerns_escalated = concerns.get("escalated", 0)
    work.notices_issued = totals["notices_issued"]
    return work


def collective_birthdays(*, members: list[Member], year: int) -> dict[int, list[str]]:
    """Of the year's members (`selectors.standing_members`), those turning 80, 85, 90 … in the year,
    whom the collective birthday celebrates, oldest first.
    """
    ages = COLLECTIVE_BIRTHDAY_AGES
    born = {year - age: age for age in ages}
    result: dict[int, list[str]] = {age: [] for age in ages}
    for member in sorted(members, key=lambda m: m.birth_date):
        if member.birth_date.year in born:
            result[born[member.birth_date.year]].append(member.name)
    return result


def _add_study(work: YearWork, branch: Branch, year: int, as_of: datetime.date) -> None:
    """Activities held up to as_of, and the monthly study days among them with their attendance."""
    held = activity_rates([branch.pk], datetime.date(year, 1, 1), as_of)
    work.study_days = [
        StudyDay(a.date, a.theme, a.recorded, a.attended, a.percent)
        for a in held
        if a.kind == StudyActivity.Kind.MONTHLY and a.recorded
    ]
    work.activities_held = len(held)


def _add_visits(work: YearWork, branch: Branch, year: int) -> None:
    """The year's visits by kind and month (one grouped query)."""
    work.visit_kinds = list(PlannedVisit.Kind.choices)
    work.visits_by_month = {kind: [0] * 12 for kind, _label in work.visit_kinds}
    start, end = datetime.date(year, 1, 1), datetime.date(year + 1, 1, 1)
    rows = (
        Visit.objects.filter(member__branch=branch, date__gte=start, date__lt=end)
        .annotate(month=ExtractMonth("date"))
        .values_list("kind", "month")
        .annotate(count=Count("pk"))
        .order_by()
    )
    for kind, month, count in rows:
        work.visits_by_month.setdefault(kind, [0] * 12)[month - 1] += count


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
