import datetime

from dues import demo
from dues.models import Expenditure, Payment, WorkPlanItem
from dues.report import annual_report
from members import demo as members_demo

TODAY = datetime.date(2026, 11, 25)


def test_demo_fills_two_years_of_the_report(db):
    branch, _created = members_demo.seed(TODAY)
    demo.seed(branch, TODAY)
    last_year = annual_report(branch=branch, year=2025, today=TODAY)
    this_year = annual_report(branch=branch, year=2026, today=TODAY)
    assert last_year.account.collected > 0 and this_year.account.collected > 0
    assert last_year.account.remitted == (last_year.account.collected / 2).quantize(1)
    assert all(amount > 0 for _v, _l, amount in last_year.account.used_by_purpose)
    assert this_year.arrears  # a few members are behind
    assert this_year.account.carried_over == last_year.account.balance
    assert len(this_year.plan) == 6
    # Receipts run 1..n in each year without a gap.
    for year in (2025, 2026):
        numbers = list(
            Payment.objects.filter(branch=branch, year=year)
            .order_by("receipt_no")
            .values_list("receipt_no", flat=True)
        )
        assert numbers == list(range(1, len(numbers) + 1))
    assert Expenditure.objects.filter(branch=branch).exists()
    assert WorkPlanItem.objects.filter(branch=branch, year=2027).count() == 6
