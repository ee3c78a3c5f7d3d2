"""The year at a glance on the committee's dashboard: this month's dues figures and three small charts.

`branch_portal.dashboard` calls these; each runs a fixed number of queries whatever the number of rows.
Every chart comes with its table (the template shows both), so nothing is carried by the chart alone.
"""

import datetime
from collections import Counter

from django.apps import apps
from django.db.models import Count, Sum
from django.db.models.functions import TruncMonth
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from accounts.permissions import COMMITTEE, branch_ids, roles_by_branch
from members.models import ELDERLY_AGE, CareCategory, CarePeriod, Member

from .models import Payment
from .money import ZERO, add_months, month_start, to_fen
from .selectors import standings_in_branches

AGE_BANDS = [(0, 70), (70, 80), (80, 90), (90, 200)]


def dues_tiles(user, today: datetime.date) -> list[dict]:
    """Dues collected this month (ledger readers) and members owing (their own committee's branches)."""
    ledger = branch_ids(user, "view_dues_ledger")
    if not ledger:
        return []
    collected = Payment.objects.filter(
        branch_id__in=ledger, paid_on__gte=month_start(today), paid_on__lte=today
    ).aggregate(total=Sum("amount"))["total"]
    url = reverse("dues:ledger")
    month = date_format(today, "YEAR_MONTH_FORMAT")
    tiles = [
        {
            "label": _("Dues collected in %(month)s (yuan)") % {"month": month},
            "value": to_fen(collected or ZERO),
            "url": url,
        }
    ]
    # Arrears are worked out member by member, so only for the user's own committee, not a whole bureau.
    own = [b for b in ledger if roles_by_branch(user)[b] & COMMITTEE]
    if own:
        owing = sum(1 for s in standings_in_branches(branch_ids=own, upto=today) if s.unpaid_months)
        tiles.append({"label": _("Members owing dues"), "value": owing, "url": url + "#arrears-heading"})
    return tiles


def charts(user, today: datetime.date) -> list[dict]:
    """Three small charts for carers of a branch (the committee and the liaison officer)."""
    carers = branch_ids(user, "record_visits")
    if not carers:
        return []
    result = []
    if apps.is_installed("visits"):
        result.append(_visits_chart(carers, today))
    result.append(_attendance_chart(carers, today))
    result.append(_age_care_chart(carers, today))
    return result


def _months(today: datetime.date) -> list[datetime.date]:
    first = add_months(month_start(today), -11)
    return [add_months(first, n) for n in range(12)]


def _visits_chart(carers: list[int], today: datetime.date) -> dict:
    """Visits in the last twelve months by month and kind (one grouped query)."""
    from visits.models import PlannedVisit, Visit

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
    """Attendance at each monthly study day of the last twelve months, from study's selector."""
    from study.models import StudyActivity
    from study.selectors import attendance_stats

    since = _months(today)[0]
    days = [
        activity
        for year in sorted({since.year, today.year})
        for activity in attendance_stats(carers, year)["activities"]
        if activity.kind == StudyActivity.Kind.MONTHLY and since <= activity.date <= today
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
    """Active members in each care category, split by age band (two queries).

    A member in several categories counts in each; "Aged 80+" follows from the age.
    """
    members = Member.objects.in_branches(carers).active()
    ages = {pk: _age(birth, today) for pk, birth in members.values_list("pk", "birth_date")}
    categories: dict[int, set[str]] = {pk: set() for pk in ages}
    stored = CarePeriod.objects.current(today).filter(member__in=members).values_list("member_id", "category")
    for member_id, category in stored:
        categories[member_id].add(category)
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
