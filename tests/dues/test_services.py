import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from dues import selectors, services
from dues.models import DuesRate, Expenditure, Payment, WorkPlanItem
from tests.dues.factories import pay
from tests.factories import MemberFactory

D = datetime.date


@pytest.fixture
def member(branch, group):
    return MemberFactory(branch=branch, contact_group=group, name="李秀英")


def set_rate(actor, member, month, pension, **kwargs):
    return services.dues_rate_set(
        actor=actor, member=member, valid_from=month, monthly_pension=Decimal(pension), **kwargs
    )


def test_rate_follows_the_rule_and_keeps_history(secretary, member):
    set_rate(secretary, member, D(2025, 1, 1), "5000.00")
    set_rate(secretary, member, D(2025, 7, 15), "5000.01")
    rates = list(DuesRate.objects.filter(member=member).order_by("valid_from"))
    assert [(r.valid_from, r.monthly_dues) for r in rates] == [
        (D(2025, 1, 1), Decimal("25.00")),
        (D(2025, 7, 1), Decimal("50.00")),
    ]
    assert rates[1].set_by == secretary


def test_setting_a_rate_again_for_the_same_month_replaces_it(secretary, member):
    set_rate(secretary, member, D(2025, 1, 1), "4000.00")
    set_rate(secretary, member, D(2025, 1, 1), "4200.00")
    rate = DuesRate.objects.get(member=member)
    assert rate.monthly_pension == Decimal("4200.00")
    assert rate.rule_amount == Decimal("21.00")


def test_override_needs_a_reason_and_wins_over_the_rule(secretary, member):
    with pytest.raises(ValidationError):
        set_rate(secretary, member, D(2025, 1, 1), "4000.00", override_amount=Decimal("100"))
    assert not DuesRate.objects.exists()
    rate = set_rate(
        secretary,
        member,
        D(2025, 1, 1),
        "4000.00",
        override_amount=Decimal("100"),
        override_reason="自愿多交",
    )
    assert rate.rule_amount == Decimal("20.00")
    assert rate.monthly_dues == Decimal("100.00")


def test_only_leaders_may_set_rates(committee, bureau, member):
    for actor in (committee, bureau):
        with pytest.raises(PermissionDenied):
            set_rate(actor, member, D(2025, 1, 1), "4000.00")


def test_a_quarter_paid_at_once_covers_three_months(secretary, member):
    set_rate(secretary, member, D(2025, 1, 1), "4000.00")
    payment = services.payment_record(
        actor=secretary,
        member=member,
        first_month=D(2025, 1, 1),
        last_month=D(2025, 3, 1),
        amount=Decimal("60.00"),
        paid_on=D(2025, 1, 10),
    )
    payment.refresh_from_db()
    assert (payment.month_count, payment.amount, payment.received_by) == (3, Decimal("60.00"), secretary)
    standing = selectors.member_dues(member=member, upto=D(2025, 5, 20))
    assert standing.unpaid_months == [D(2025, 4, 1), D(2025, 5, 1)]
    assert standing.arrears == Decimal("40.00")


def test_payment_across_a_rate_change_owes_each_months_rate(secretary, member):
    set_rate(secretary, member, D(2025, 1, 1), "4000.00")  # 20.00 a month
    set_rate(secretary, member, D(2025, 7, 1), "6000.00")  # 60.00 a month
    owed = selectors.dues_owed(member=member, first_month=D(2025, 1, 1), last_month=D(2025, 12, 1))
    assert owed == Decimal("480.00")
    with pytest.raises(ValidationError) as error:
        services.payment_record(
            actor=secretary,
            member=member,
            first_month=D(2025, 1, 1),
            last_month=D(2025, 12, 1),
            amount=Decimal("240.00"),
            paid_on=D(2025, 1, 5),
        )
    assert "480.00" in str(error.value)
    assert not Payment.objects.exists()


def test_arrears_across_a_rate_change(secretary, member):
    set_rate(secretary, member, D(2025, 1, 1), "4000.00")  # 20.00
    set_rate(secretary, member, D(2025, 4, 1), "5500.00")  # 55.00
    pay(secretary, member, D(2025, 1, 1), D(2025, 2, 1), D(2025, 2, 1))
    standing = selectors.member_dues(member=member, upto=D(2025, 6, 30))
    # March at the old rate, April to June at the new one.
    assert standing.unpaid_months == [D(2025, 3, 1), D(2025, 4, 1), D(2025, 5, 1), D(2025, 6, 1)]
    assert standing.arrears == Decimal("20.00") + 3 * Decimal("55.00")


def test_months_already_paid_are_refused(secretary, member):
    set_rate(secretary, member, D(2025, 1, 1), "4000.00")
    first = pay(secretary, member, D(2025, 1, 1), D(2025, 6, 1), D(2025, 1, 3))
    with pytest.raises(ValidationError) as error:
        pay(secretary, member, D(2025, 6, 1), D(2025, 8, 1), D(2025, 7, 1))
    assert first.receipt in str(error.value)
    assert Payment.objects.count() == 1


def test_a_month_without_a_rate_is_refused(secretary, member):
    set_rate(secretary, member, D(2025, 3, 1), "4000.00")
    with pytest.raises(ValidationError) as error:
        services.payment_record(
            actor=secretary,
            member=member,
            first_month=D(2025, 2, 1),
            last_month=D(2025, 3, 1),
            amount=Decimal("40.00"),
            paid_on=D(2025, 3, 1),
        )
    assert "2025-02" in str(error.value)


def test_a_different_amount_needs_the_flag_and_a_note(secretary, member):
    set_rate(secretary, member, D(2025, 1, 1), "4000.00")
    kwargs = dict(
        actor=secretary,
        member=member,
        first_month=D(2025, 1, 1),
        last_month=D(2025, 1, 1),
        amount=Decimal("1000.00"),
        paid_on=D(2025, 1, 3),
    )
    with pytest.raises(ValidationError):
        services.payment_record(**kwargs)
    with pytest.raises(ValidationError):
        services.payment_record(**kwargs, amount_differs=True)
    payment = services.payment_record(**kwargs, amount_differs=True, note="七一自愿交纳特殊党费")
    assert payment.amount == Decimal("1000.00")


def test_receipts_are_numbered_per_branch_and_year_without_gaps(secretary, stranger, member, other_branch):
    set_rate(secretary, member, D(2024, 1, 1), "4000.00")
    other = MemberFactory(branch=other_branch)
    set_rate(stranger, other, D(2024, 1, 1), "4000.00")
    receipts = [
        pay(secretary, member, D(2024, 11, 1), D(2024, 11, 1), D(2024, 11, 2)).receipt,
        pay(secretary, member, D(2024, 12, 1), D(2024, 12, 1), D(2024, 12, 2)).receipt,
        pay(stranger, other, D(2024, 12, 1), D(2024, 12, 1), D(2024, 12, 3)).receipt,
        pay(secretary, member, D(2025, 1, 1), D(2025, 1, 1), D(2025, 1, 2)).receipt,
    ]
    # A refused payment takes no number.
    with pytest.raises(ValidationError):
        pay(secretary, member, D(2025, 1, 1), D(2025, 1, 1), D(2025, 1, 4))
    receipts.append(pay(secretary, member, D(2025, 2, 1), D(2025, 2, 1), D(2025, 2, 2)).receipt)
    assert receipts == ["2024-0001", "2024-0002", "2024-0001", "2025-0001", "2025-0002"]


def test_expenditure_needs_a_committee_approver(secretary, liaison, branch):
    kwargs = dict(
        actor=secretary,
        branch=branch,
        spent_on=D(2025, 5, 1),
        amount=Decimal("300"),
        purpose=Expenditure.Purpose.VISITS,
    )
    with pytest.raises(ValidationError):
        services.expenditure_record(**kwargs, approver=liaison)
    spent = services.expenditure_record(**kwargs, approver=secretary, note="看望住院党员")
    spent.refresh_from_db()
    assert (spent.amount, spent.recorded_by, spent.approver) == (Decimal("300.00"), secretary, secretary)


def test_stranger_cannot_write_to_the_branch(stranger, member, branch):
    with pytest.raises(PermissionDenied):
        set_rate(stranger, member, D(2025, 1, 1), "4000.00")
    with pytest.raises(PermissionDenied):
        services.work_plan_item_add(actor=stranger, branch=branch, year=2026, text="x")


def test_work_plan_items_are_added_in_order_and_move(secretary, branch):
    first = services.work_plan_item_add(actor=secretary, branch=branch, year=2026, text="  学习  ")
    second = services.work_plan_item_add(actor=secretary, branch=branch, year=2026, text="探望")
    services.work_plan_item_move(actor=secretary, item=second, up=True)
    assert [i.text for i in selectors.work_plan(branch=branch, year=2026)] == ["探望", "学习"]
    services.work_plan_item_update(actor=secretary, item=first, text="理论学习")
    services.work_plan_item_delete(actor=secretary, item=second)
    assert list(WorkPlanItem.objects.values_list("text", flat=True)) == ["理论学习"]


def test_every_payment_is_in_the_audit_log(secretary, member):
    from auditlog.models import LogEntry

    set_rate(secretary, member, D(2025, 1, 1), "4000.00")
    payment = pay(secretary, member, D(2025, 1, 1), D(2025, 1, 1), D(2025, 1, 3))
    entry = LogEntry.objects.get_for_object(payment).get()
    assert entry.action == LogEntry.Action.CREATE
    assert entry.changes_dict["amount"][1] == "20.00"


def test_arrears_stop_in_the_month_a_member_left(secretary, member):
    from members import services as member_services
    from members.models import Member

    set_rate(secretary, member, D(2025, 1, 1), "4000.00")
    member_services.member_update(
        actor=secretary, member=member, status=Member.Status.DECEASED, status_changed_on=D(2025, 3, 15)
    )
    standing = selectors.member_dues(member=member, upto=D(2025, 12, 31))
    assert standing.unpaid_months == [D(2025, 1, 1), D(2025, 2, 1), D(2025, 3, 1)]
    assert standing.arrears == Decimal("60.00")
