"""Money and months for the dues ledger: Decimal yuan to the fen, months as the first day of the month.

Rounding: every computed amount is rounded once, to the fen (0.01 yuan), half up
(ROUND_HALF_UP), the way a cashier rounds; sums of rounded amounts are exact.
"""

import datetime
from collections.abc import Iterator
from decimal import ROUND_HALF_UP, Decimal

FEN = Decimal("0.01")
ZERO = Decimal("0.00")
# The rule for retired members (中组部《关于中国共产党党费收缴、使用和管理的规定》):
# a monthly pension up to 5,000 yuan pays 0.5 %, above it 1 %.
PENSION_THRESHOLD = Decimal("5000.00")
LOW_RATE = Decimal("0.005")
HIGH_RATE = Decimal("0.01")


def to_fen(amount: Decimal) -> Decimal:
    return Decimal(amount).quantize(FEN, rounding=ROUND_HALF_UP)


def dues_for_pension(pension: Decimal) -> Decimal:
    """Monthly dues for a monthly pension: 0.5 % up to 5,000.00 yuan inclusive, 1 % above, to the fen."""
    pension = Decimal(pension)
    rate = LOW_RATE if pension <= PENSION_THRESHOLD else HIGH_RATE
    return to_fen(pension * rate)


def month_start(day: datetime.date) -> datetime.date:
    return day.replace(day=1)


def month_number(day: datetime.date) -> int:
    """Months since the year 0: month arithmetic on whole numbers."""
    return day.year * 12 + day.month - 1


def month_of(number: int) -> datetime.date:
    """The month (its first day) of a `month_number`."""
    return datetime.date(number // 12, number % 12 + 1, 1)


def add_months(month: datetime.date, count: int) -> datetime.date:
    return month_of(month_number(month) + count)


def months_between(first: datetime.date, last: datetime.date) -> Iterator[datetime.date]:
    """Each month from `first` to `last` inclusive (both first days of months)."""
    return (month_of(number) for number in range(month_number(first), month_number(last) + 1))


def month_count(first: datetime.date, last: datetime.date) -> int:
    return (last.year - first.year) * 12 + last.month - first.month + 1
