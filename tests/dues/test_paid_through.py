"""A member's dues in one line for their home page: "党费已交至2026年12月", or what is still owed."""

import datetime
from decimal import Decimal

import pytest

from dues.selectors import member_paid_through
from tests.dues.factories import DuesRateFactory, pay

pytestmark = pytest.mark.django_db
DECEMBER = datetime.date(2026, 12, 6)


def month(m: int, year: int = 2026) -> datetime.date:
    return datetime.date(year, m, 1)


def test_without_a_rate_there_is_nothing_to_say(own_member):
    assert member_paid_through(member=own_member, upto=DECEMBER) is None


def test_paid_to_the_end_of_the_year_says_so(own_member, secretary):
    DuesRateFactory(member=own_member, valid_from=month(1))
    pay(secretary, own_member, month(1), month(12), DECEMBER)
    standing = member_paid_through(member=own_member, upto=DECEMBER)
    assert (standing.month, standing.unpaid_count, standing.arrears) == (month(12), 0, Decimal("0"))


def test_paid_in_advance_counts_the_months_ahead(own_member, secretary):
    DuesRateFactory(member=own_member, valid_from=month(1))
    pay(secretary, own_member, month(1), month(6, 2027), DECEMBER)
    assert member_paid_through(member=own_member, upto=DECEMBER).month == month(6, 2027)


def test_a_gap_stops_the_paid_months_before_it_and_counts_what_is_owed(own_member, secretary):
    rate = DuesRateFactory(member=own_member, valid_from=month(1))
    pay(secretary, own_member, month(1), month(8), DECEMBER)
    pay(secretary, own_member, month(10), month(10), DECEMBER)
    standing = member_paid_through(member=own_member, upto=DECEMBER)
    assert standing.month == month(8)
    assert standing.unpaid_count == 3  # September, November, December
    assert standing.arrears == 3 * rate.monthly_dues


def test_nothing_paid_yet_names_no_month(own_member):
    DuesRateFactory(member=own_member, valid_from=month(11))
    standing = member_paid_through(member=own_member, upto=DECEMBER)
    assert (standing.month, standing.unpaid_count) == (None, 2)
