"""Dues: three years of rates (a pension rise each July), payments by quarter or half-year with
gap-free receipt numbers per branch and year, spending, and the work plans the annual report shows.
"""

import datetime
from decimal import Decimal

from org.models import Bureau

from .base import Context, copy_rows, raw_delete

YEARS = 3
BEHIND_SHARE = 0.05
PLAN = ["组织每月集中学习", "开展三必访", "重阳节慰问高龄老同志", "组织一次参观学习", "做好党费收缴"]
PURPOSES = [("visits", 1200), ("visits", 800), ("study", 300), ("activities", 600), ("remittance", 1000)]


def present(bureau: Bureau) -> bool:
    from dues.models import DuesRate

    return DuesRate.objects.filter(branch__bureau=bureau).exists()


def seed(ctx: Context) -> None:
    from dues.models import DuesRate, Expenditure, Payment, WorkPlanItem

    rng, today = ctx.rng, ctx.today
    first_year = today.year - YEARS + 1
    rate_rows, payment_rows = [], []
    for member in ctx.members:
        pension = Decimal(rng.randrange(4000, 16000))
        rates = {}
        for year in range(first_year, today.year + 1):
            for month in (1, 7) if year == first_year else (7,):
                valid_from = datetime.date(year, month, 1)
                if valid_from > today:
                    continue
                if month == 7:
                    pension = (pension * Decimal("1.02")).quantize(Decimal("1"))
                rates[valid_from] = _dues(pension)
                rate_rows.append((member.branch_id, member.id, valid_from, pension, rates[valid_from]))
        end = member.left_on or today
        quarterly = member.id % 2 == 0
        behind = rng.random() < BEHIND_SHARE
        for first, last in _periods(first_year, end, quarterly, behind):
            paid_on = min(today, first + datetime.timedelta(days=rng.randint(3, 25)))
            amount = _in_force(rates, first) * (last.month - first.month + 1)
            payment_rows.append((member.branch_id, member.id, first, last, amount, paid_on))
    copy_rows(DuesRate, ["branch_id", "member_id", "valid_from", "monthly_pension", "rule_amount"], rate_rows)
    secretary = {branch_id: users[1] for branch_id, users in ctx.leaders.items()}
    # Receipt numbers run in the order of payment within each branch and year.
    payment_rows.sort(key=lambda row: (row[0], row[5], row[1]))
    numbers: dict[tuple[int, int], int] = {}
    rows = []
    for branch_id, member_id, first, last, amount, paid_on in payment_rows:
        key = (branch_id, paid_on.year)
        numbers[key] = numbers.get(key, 0) + 1
        rows.append(
            (branch_id, member_id, first, last, amount, paid_on, secretary[branch_id], *key[1:], numbers[key])
        )
    fields = ["branch_id", "member_id", "first_month", "last_month", "amount", "paid_on", "received_by_id"]
    copy_rows(Payment, [*fields, "year", "receipt_no"], rows)
    copy_rows(
        Expenditure,
        ["branch_id", "spent_on", "amount", "purpose", "approver_id", "recorded_by_id"],
        (
            (branch_id, spent_on, Decimal(amount), purpose, secretary[branch_id], secretary[branch_id])
            for branch_id in ctx.branch_ids
            for year in range(first_year, today.year + 1)
            for i, (purpose, amount) in enumerate(PURPOSES)
            if (spent_on := datetime.date(year, 2 + i * 2, 15)) <= today
        ),
    )
    copy_rows(
        WorkPlanItem,
        ["branch_id", "year", "order", "text"],
        (
            (branch_id, year, order, text)
            for branch_id in ctx.branch_ids
            for year in (today.year, today.year + 1)
            for order, text in enumerate(PLAN, start=1)
        ),
    )


def _dues(pension: Decimal) -> Decimal:
    from dues.money import dues_for_pension

    return dues_for_pension(pension)


def _in_force(rates: dict, month: datetime.date) -> Decimal:
    return rates[max(valid_from for valid_from in rates if valid_from <= month)]


def _periods(first_year: int, end: datetime.date, quarterly: bool, behind: bool):
    """(first month, last month) paid: each quarter or half-year already begun, never across July."""
    step = 3 if quarterly else 6
    periods = []
    for year in range(first_year, end.year + 1):
        for month in range(1, 13, step):
            first = datetime.date(year, month, 1)
            if first <= end:
                periods.append((first, datetime.date(year, month + step - 1, 1)))
    return periods[:-1] if behind else periods


def wipe(bureau: Bureau) -> None:
    from dues.models import DuesRate, Expenditure, Payment, WorkPlanItem

    for model in (Payment, DuesRate, Expenditure, WorkPlanItem):
        raw_delete(model.objects.filter(branch__bureau=bureau))
