"""The dashboard's three small charts for carers: visits by month, attendance per study day, members
by care category and age band.

Each chart runs one query whatever the number of rows, and comes with its table (the template shows
both), so nothing is carried by the chart alone.
"""

import datetime
from collections import Counter

from django.db.models import Count, FilteredRelation, Q
from django.db.models.functions import TruncMonth
from django.utils.translation import gettext as _

from accounts.permissions import branch_ids, has_capability
from dues.money import add_months, month_start
from members.models import ELDERLY_AGE, CareCategory, Member
from study.models import StudyActivity
from study.selectors import activity_rates
from visits.models import PlannedVisit, Visit

AGE_BANDS = [(0, 70), (70, 80), (80, 90), (90, 200)]


def has_charts(user) -> bool:
    """Whether `charts` has any for the user (their scripts load in the page's head); no query."""
    return has_capability(user, "record_visits")


def charts(user, today: datetime.date) -> list[dict]:
    """Three small charts for carers of a branch (the committee and the liaison officer)."""
    carers = branch_ids(user, "record_visits")
    if not carers:
        return []
    return [_visits_chart(carers, today), _attendance_chart(carers, today), _age_care_chart(carers, today)]


def _months(today: datetime.date) -> list[datetime.date]:
    first = add_months(month_start(today), -11)
    return [add_months(first, n) for n in range(12)]


def _visits_chart(carers: list[int], today: datetime.date) -> dict:
    """Visits in the last twelve months by month and kind (one grouped query)."""
    months = _months(today)
    rows = (
        Visit.objects.filter(member__branch_id__in=carers, date__gte=months[0], date__lte=today)
        .annotate(month=TruncMonth("date"))
        .values("kind", "month")
        .annotate(count=Count("pk"))
        .order_by()
    )
    counts = {(r["kind"], _as_date(r["month"])): r["count"] for r in rows}
    kinds = PlannedVisit.Kind.choices
    labels = [f"{m:%Y-%m}" for m in months]
    datasets = [
        {"label": str(label), "data": [counts.get((kind, m), 0) for m in months]} for kind, label in kinds
    ]
    table_rows = [[labels[i], *[d["data"][i] for d in datasets]] for i in range(12)]
    return _chart(
        "glance-visits",
        _("Visits per month by kind"),
        {"type": "bar", "stacked": True, "labels": labels, "datasets": datasets},
        [_("Month"), *[d["label"] for d in datasets]],
        table_rows,
    )


def _as_date(value) -> datetime.date:
    return value.date() if isinstance(value, datetime.datetime) else value


def _attendance_chart(carers: list[int], today: datetime.date) -> dict:
    """Attendance at each monthly study day of the last twelve months, from study's selector (one query)."""
    days = [
        activity
        for activity in activity_rates(carers, _months(today)[0], today)
        if activity.kind == StudyActivity.Kind.MONTHLY and activity.recorded
    ]
    labels = [f"{d.date:%Y-%m-%d}" for d in days]
    return _chart(
        "glance-attendance",
        _("Attendance per study day (per cent)"),
        {
            "type": "line",
            "percent": True,
            "labels": labels,
            "datasets": [{"label": _("Attendance (per cent)"), "data": [d.percent for d in days]}],
        },
        [_("Date"), _("Theme"), _("Took part"), _("Attendance (per cent)")],
        [
            [label, d.theme, f"{d.attended}/{d.recorded}", d.percent]
            for label, d in zip(labels, days, strict=True)
        ],
    )


def _band_label(low: int, high: int) -> str:
    if low == 0:
        return _("Under %(age)d") % {"age": high}
    if high >= 200:
        return _("%(age)d and over") % {"age": low}
    return f"{low}–{high - 1}"


def _age_care_chart(carers: list[int], today: datetime.date) -> dict:
    """Active members in each care category, split by age band (one query: a member with each of
    their current care periods, or once without).

    A member in several categories counts in each; "Aged 80+" follows from the age.
    """
    current = Q(care_periods__started_on__lte=today) & (
        Q(care_periods__ended_on__isnull=True) | Q(care_periods__ended_on__gt=today)
    )
    rows = (
        Member.objects.in_branches(carers)
        .active()
        .annotate(current_care=FilteredRelation("care_periods", condition=current))
        .values_list("pk", "birth_date", "current_care__category")
        .order_by()
    )
    ages: dict[int, int] = {}
    categories: dict[int, set[str]] = {}
    for pk, birth, category in rows:
        ages[pk] = _age(birth, today)
        categories.setdefault(pk, set())
        if category:
            categories[pk].add(category)
    for pk, age in ages.items():
        if age >= ELDERLY_AGE:
            categories[pk].add(CareCategory.ELDERLY)
    bars = [(value, str(label)) for value, label in CareCategory.choices] + [("", _("No care category"))]
    counts = Counter()
    for pk, age in ages.items():
        band = next(i for i, (low, high) in enumerate(AGE_BANDS) if low <= age < high)
        for category in categories[pk] or {""}:
            counts[(category, band)] += 1
    bands = [_band_label(low, high) for low, high in AGE_BANDS]
    datasets = [
        {"label": band, "data": [counts[(value, i)] for value, _label in bars]}
        for i, band in enumerate(bands)
    ]
    rows = [[label, *[counts[(value, i)] for i in range(len(bands))]] for value, label in bars]
    return _chart(
        "glance-age-care",
        _("Members by care category and age band"),
        {
            "type": "bar",
            "stacked": True,
            "horizontal": True,
            "labels": [b[1] for b in bars],
            "datasets": datasets,
        },
        [_("Care category"), *bands],
        rows,
    )


def _age(birth: datetime.date, today: datetime.date) -> int:
    return today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))


def _chart(chart_id: str, title: str, spec: dict, header: list[str], rows: list[list]) -> dict:
    return {
        "id": chart_id,
        "data_id": f"{chart_id}-data",
        "title": title,
        "spec": spec,
        "header": header,
        "rows": rows,
    }
