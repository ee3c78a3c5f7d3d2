"""Demo dues for the demo branch: two years of rates, payments and spending, so the demo report is full.

Called by `manage.py seed_demo` after the other apps. Deterministic (random.Random) and written through
the services, so receipts are numbered as in real use.
"""

import datetime
import random
from decimal import Decimal

from accounts.models import BranchRole, User
from members.models import Member
from org.models import Branch

from . import services
from .models import Expenditure
from .money import add_months, month_start
from .selectors import dues_owed, year_account

# Members pay a year, half a year or a quarter at a time (most pay the year in January).
RHYTHMS = [12, 12, 3, 6, 12, 3, 6, 12]
PLAN_ITEMS = [
    "坚持每月支部学习活动日，办好理论学习兴趣小组，每季度请一位老同志讲一次党课。",
    "落实“三探望”制度：节日探望、生日探望、日常探望，对住院和病危党员第一时间探望。",
    "为年满80、85、90岁的党员举办集体生日会。",
    "完善联络图，六个联络小组每月至少联系每位党员一次，短信平台全年发布约20期。",
    "认真听取党员诉求，能解释的及时解释，不能解决的上报局党委。",
    "按时足额收缴党费，年底向全体党员报告党费收缴、使用和管理情况。",
]
SPENDING = [
    # month, day, purpose, amount, note
    (1, 20, Expenditure.Purpose.VISITS, "600.00", "春节走访慰问困难党员"),
    (3, 12, Expenditure.Purpose.STUDY, "186.50", "购买学习资料和《求是》合订本"),
    (6, 28, Expenditure.Purpose.ACTIVITIES, "420.00", "“七一”主题党日活动"),
    (9, 10, Expenditure.Purpose.VISITS, "450.00", "中秋节看望住院党员"),
    (10, 25, Expenditure.Purpose.VISITS, "380.00", "重阳节看望高龄党员"),
    (11, 15, Expenditure.Purpose.OTHER, "60.00", "收据本和文具"),
]


def seed(branch: Branch, today: datetime.date) -> None:
    """Rates from January of last year (the pension rise each July), payments up to today, spending."""
    rng = random.Random(7)
    secretary = User.objects.get(branch_roles__branch=branch, branch_roles__role=BranchRole.Role.SECRETARY)
    deputy = User.objects.filter(
        branch_roles__branch=branch, branch_roles__role=BranchRole.Role.DEPUTY
    ).first()
    start = datetime.date(today.year - 1, 1, 1)
    members = list(Member.objects.in_branch(branch).active().order_by("pk"))
    for index, member in enumerate(members):
        _member_dues(member, index, start, today, rng, secretary)
    for year in (today.year - 1, today.year):
        _spending(branch, year, today, secretary, deputy or secretary)
    for year in (today.year, today.year + 1):
        for text in PLAN_ITEMS:
            services.work_plan_item_add(actor=secretary, branch=branch, year=year, text=text)


def _member_dues(member, index, start, today, rng, secretary) -> None:
    pension = Decimal(5000) if index % 9 == 4 else Decimal(rng.randrange(3800, 9800, 10))
    override = {}
    if index % 15 == 7:
        override = {"override_amount": Decimal("100.00"), "override_reason": "本人自愿多交党费"}
    services.dues_rate_set(
        actor=secretary, member=member, valid_from=start, monthly_pension=pension, **override
    )
    for year in (start.year, start.year + 1):
        pension = (pension * Decimal("1.03")).quantize(Decimal("1"))  # the pension rise each July
        july = datetime.date(year, 7, 1)
        if july <= today:
            services.dues_rate_set(
                actor=secretary, member=member, valid_from=july, monthly_pension=pension, **override
            )
    rhythm = RHYTHMS[index % len(RHYTHMS)]
    behind = index % 8 == 5  # a few members fall behind and show in the arrears
    month = start
    while month <= month_start(today):
        last = add_months(month, rhythm - 1)
        # Quarterly payers pay in the quarter's second month, at the study day or a visit.
        paid_on = add_months(month, 1 if rhythm == 3 else 0) + datetime.timedelta(days=rng.randint(2, 20))
        if paid_on > today or (behind and month >= add_months(month_start(today), -4)):
            break
        services.payment_record(
            actor=secretary,
            member=member,
            first_month=month,
            last_month=last,
            amount=_owed(member, month, last),
            paid_on=paid_on,
        )
        month = add_months(last, 1)


def _owed(member, first, last) -> Decimal:
    return dues_owed(member=member, first_month=first, last_month=last)


def _spending(branch, year, today, secretary, approver) -> None:
    for month, day, purpose, amount, note in SPENDING:
        spent_on = datetime.date(year, month, day)
        if spent_on <= today:
            services.expenditure_record(
                actor=secretary,
                branch=branch,
                spent_on=spent_on,
                amount=Decimal(amount),
                purpose=purpose,
                approver=approver,
                note=note,
            )
    remit_on = datetime.date(year, 12, 20)
    if remit_on <= today:
        services.expenditure_record(
            actor=secretary,
            branch=branch,
            spent_on=remit_on,
            # Half the year's dues go up to the higher Party organisation, in whole yuan.
            amount=(year_account(branch=branch, year=year).collected / 2).quantize(Decimal("1")),
            purpose=Expenditure.Purpose.REMITTANCE,
            approver=secretary,
            note="按规定上缴上级党组织",
        )
