from decimal import Decimal

import pytest

from dues.money import add_months, dues_for_pension, month_count, to_fen


@pytest.mark.parametrize(
    ("pension", "dues"),
    [
        ("5000.00", "25.00"),  # at the threshold: 0.5 %
        ("5000.01", "50.00"),  # a fen above: 1 % (50.0001 rounds to 50.00)
        ("4999.99", "25.00"),  # 24.99995 rounds half up
        ("3333.30", "16.67"),  # 16.6665 rounds half up, not to even
        ("7654.50", "76.55"),  # 76.545 rounds half up
        ("0.00", "0.00"),
    ],
)
def test_rule_for_retired_members_at_and_around_5000(pension, dues):
    assert dues_for_pension(Decimal(pension)) == Decimal(dues)


def test_amounts_round_half_up_to_the_fen():
    assert to_fen(Decimal("0.005")) == Decimal("0.01")
    assert to_fen(Decimal("0.015")) == Decimal("0.02")
    assert to_fen(Decimal("-0.005")) == Decimal("-0.01")


def test_month_arithmetic_crosses_years():
    import datetime

    assert add_months(datetime.date(2025, 11, 1), 3) == datetime.date(2026, 2, 1)
    assert add_months(datetime.date(2025, 1, 1), -1) == datetime.date(2024, 12, 1)
    assert month_count(datetime.date(2025, 10, 1), datetime.date(2026, 3, 1)) == 6
