"""Factories for the dues ledger. Payments go through their service so receipts are numbered."""

import datetime
from decimal import Decimal

import factory

from dues import services
from dues.models import DuesRate, Expenditure, WorkPlanItem
from dues.money import dues_for_pension


class DuesRateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = DuesRate

    member = None
    branch = factory.LazyAttribute(lambda o: o.member.branch)
    valid_from = datetime.date(2025, 1, 1)
    monthly_pension = Decimal("4000.00")
    rule_amount = factory.LazyAttribute(lambda o: dues_for_pension(o.monthly_pension))


class ExpenditureFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Expenditure

    spent_on = datetime.date(2025, 3, 1)
    amount = Decimal("100.00")
    purpose = Expenditure.Purpose.VISITS


class WorkPlanItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = WorkPlanItem

    year = 2026
    order = factory.Sequence(lambda n: n + 1)
    text = factory.Sequence(lambda n: f"工作计划第{n}条")


def pay(actor, member, first: datetime.date, last: datetime.date, paid_on: datetime.date, **kwargs):
    """Records a payment of exactly the dues owed (unless an amount is given) through the service."""
    from dues.selectors import dues_owed

    amount = kwargs.pop("amount", None) or dues_owed(member=member, first_month=first, last_month=last)
    return services.payment_record(
        actor=actor,
        member=member,
        first_month=first,
        last_month=last,
        amount=amount,
        paid_on=paid_on,
        **kwargs,
    )
