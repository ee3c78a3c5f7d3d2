import datetime
from decimal import Decimal

import pytest

from dues import services
from dues.models import Expenditure
from study.models import Attendance, StudyActivity
from tests.dues.factories import WorkPlanItemFactory, pay
from tests.factories import MemberFactory
from tests.study.factories import AttendanceFactory, StudyActivityFactory

D = datetime.date


@pytest.fixture
def rated_member(branch, group, secretary):
    """A member paying 20.00 a month since January 2025."""
    member = MemberFactory(branch=branch, contact_group=group, name="李秀英")
    services.dues_rate_set(
        actor=secretary, member=member, valid_from=D(2025, 1, 1), monthly_pension=Decimal("4000.00")
    )
    return member


@pytest.fixture
def known_year(branch, group, secretary):
    """The year 2025 of test_report.py's docstring."""
    li = MemberFactory(branch=branch, contact_group=group, name="李秀英", birth_date=D(1945, 3, 1))
    wang = MemberFactory(branch=branch, contact_group=group, name="王建国", birth_date=D(1940, 6, 1))
    zhang = MemberFactory(branch=branch, contact_group=group, name="张志远", birth_date=D(1960, 2, 2))
    MemberFactory(branch=branch, contact_group=group, name="赵无率", birth_date=D(1935, 12, 31))

    def rate(member, month, pension, **kwargs):
        services.dues_rate_set(
            actor=secretary, member=member, valid_from=month, monthly_pension=Decimal(pension), **kwargs
        )

    rate(li, D(2024, 1, 1), "4000.00")
    rate(li, D(2025, 7, 1), "5200.00")
    rate(wang, D(2024, 1, 1), "5000.00")
    rate(zhang, D(2025, 1, 1), "6000.00", override_amount=Decimal("100.00"), override_reason="自愿多交")
    pay(secretary, li, D(2024, 1, 1), D(2024, 12, 1), D(2024, 2, 1))
    pay(secretary, wang, D(2024, 1, 1), D(2024, 12, 1), D(2024, 1, 5))
    pay(secretary, wang, D(2025, 1, 1), D(2025, 12, 1), D(2025, 1, 8))
    pay(secretary, li, D(2025, 1, 1), D(2025, 3, 1), D(2025, 1, 10))
    pay(secretary, zhang, D(2025, 1, 1), D(2025, 6, 1), D(2025, 3, 1))
    pay(secretary, li, D(2025, 4, 1), D(2025, 6, 1), D(2025, 4, 10))
    pay(secretary, li, D(2025, 7, 1), D(2025, 9, 1), D(2025, 7, 10))
    pay(secretary, li, D(2025, 10, 1), D(2025, 12, 1), D(2026, 1, 5))
    P = Expenditure.Purpose
    for day, amount, purpose in [
        (D(2024, 9, 1), "100.00", P.VISITS),
        (D(2024, 12, 20), "270.00", P.REMITTANCE),
        (D(2025, 2, 1), "200.00", P.VISITS),
        (D(2025, 9, 29), "150.00", P.VISITS),
        (D(2025, 3, 15), "88.50", P.STUDY),
        (D(2025, 7, 1), "120.00", P.ACTIVITIES),
        (D(2025, 5, 5), "30.00", P.OTHER),
        (D(2025, 12, 20), "500.00", P.REMITTANCE),
        (D(2026, 1, 20), "999.00", P.VISITS),
    ]:
        services.expenditure_record(
            actor=secretary,
            branch=branch,
            spent_on=day,
            amount=Decimal(amount),
            purpose=purpose,
            approver=secretary,
        )
    S = Attendance.Status
    for day, kind, statuses in [
        (D(2025, 3, 10), StudyActivity.Kind.MONTHLY, [S.PRESENT, S.ONLINE, S.ABSENT]),
        (D(2025, 5, 10), StudyActivity.Kind.LECTURE, [S.PRESENT, S.PRESENT, S.PRESENT]),
        (D(2025, 6, 10), StudyActivity.Kind.MONTHLY, [S.PRESENT, S.LEAVE, S.PRESENT]),
        (D(2025, 9, 10), StudyActivity.Kind.MONTHLY, [S.PRESENT, S.PRESENT, S.PRESENT]),
        (D(2026, 1, 10), StudyActivity.Kind.MONTHLY, [S.ABSENT, S.ABSENT, S.ABSENT]),
    ]:
        activity = StudyActivityFactory(
            organiser=branch, branches=[branch], date=day, kind=kind, theme=f"学习{day:%m%d}"
        )
        for member, status in zip([li, wang, zhang], statuses, strict=True):
            AttendanceFactory(activity=activity, member=member, status=status)
    WorkPlanItemFactory(branch=branch, year=2026, order=1, text="坚持每月支部学习活动日")
    WorkPlanItemFactory(branch=branch, year=2026, order=2, text="落实三探望制度")
    WorkPlanItemFactory(branch=branch, year=2025, order=1, text="去年的计划")
    return {"li": li, "wang": wang, "zhang": zhang}
