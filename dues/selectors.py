"""Reads of the dues ledger, scoped to the user's branches, each in a fixed number of queries."""

import bisect
import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from operator import attrgetter
from typing import NamedTuple

from django.core.exceptions import ValidationError
from django.db.models import Case, F, OuterRef, Q, QuerySet, Subquery, Sum, Value, When
from django.db.models.functions import ExtractMonth, ExtractYear, Least
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _

from accounts.models import User, display_name
from accounts.permissions import COMMITTEE, branch_ids, branches_of
from lib import figures
from members.models import Member
from members.selectors import reader_member_ids
from org.models import Branch
from visits.models import BirthdayCelebration

from .models import DuesRate, Expenditure, Payment, WorkPlanItem, receipt
from .money import ZERO, add_months, month_number, month_of, month_start, months_between, to_fen


def ledger_branches(user) -> list[Branch]:
    """The branches whose ledger the user may read, in name order (read with the user's roles: no query)."""
    return branches_of(user, "view_dues_ledger")


def ledger_branch_get(user, branch_id, *, current: Branch | None = None) -> Branch:
    """The requested branch if the user may read its ledger (`current` or their first when none is
    asked); 404."""
    return branch_get(user, branch_id, "view_dues_ledger", current=current)


def branch_get(user, branch_id, capability: str, *, current: Branch | None = None) -> Branch:
    """The requested branch if the user holds the capability there; when none is asked, `current` (the
    branch they work for, accounts/current_branch.py) or their first such branch. Else 404."""
    branches = branches_of(user, capability)
    if not branches:
        raise Http404
    if branch_id in (None, ""):
        branch_id = (current or branches[0]).pk
    for branch in branches:
        if str(branch.pk) == str(branch_id):
            return branch
    raise Http404


def own_member_get(user) -> Member:
    """The Member row of a user holding view_own_dues; 404 when they have none."""
    allowed = branch_ids(user, "view_own_dues")
    own = Member.objects.select_related("branch")
    return get_object_or_404(own, pk__in=reader_member_ids(user), branch_id__in=allowed)


def member_for_dues_get(user, pk: int) -> Member:
    """A member whose dues the user may see: one of their ledger branches, or themself; else 404."""
    visible = Member.objects.filter(
        Q(branch_id__in=branch_ids(user, "view_dues_ledger"))
        | Q(pk__in=reader_member_ids(user), branch_id__in=branch_ids(user, "view_own_dues"))
    )
    return get_object_or_404(visible.select_related("branch"), pk=pk)


def committee_users(branch: Branch):
    """Who may approve spending: the branch committee (secretary, deputy, committee members)."""
    return (
        User.objects.filter(branch_roles__branch=branch, branch_roles__role__in=COMMITTEE)
        .distinct()
        .order_by("last_name", "first_name")
    )


class RateRow(NamedTuple):
    """What standings and the dues pages read of a DuesRate, without building a model instance."""

    valid_from: datetime.date
    monthly_pension: Decimal
    rule_amount: Decimal
    override_amount: Decimal | None
    override_reason: str

    monthly_dues = DuesRate.monthly_dues  # the model's rule, on the same fields


def rate_in_force(rates: list[RateRow] | list[DuesRate], month: datetime.date) -> RateRow | DuesRate | None:
    """The latest rate with valid_from ≤ month, from rates sorted by valid_from."""
    index = bisect.bisect_right([rate.valid_from for rate in rates], month)
    return rates[index - 1] if index else None


def dues_owed(*, member: Member, first_month: datetime.date, last_month: datetime.date) -> Decimal:
    """The dues for the months first..last from the rates in force; ValidationError if a month has none."""
    rates = list(DuesRate.objects.filter(member=member).order_by("valid_from"))
    total = ZERO
    for month in months_between(first_month, last_month):
        rate = rate_in_force(rates, month)
        if rate is None:
            raise ValidationError(
                _("%(member)s has no dues rate for %(month)s yet: set the rate first.")
                % {"member": member, "month": f"{month:%Y-%m}"},
                code="no_rate",
            )
        total += rate.monthly_dues
    return total


@dataclass
class MemberDues:
    """One member's standing: rates (oldest first), payments and the months still unpaid up to a month."""

    member: Member
    rates: list[RateRow] = field(default_factory=list)
    payments: list[Payment] = field(default_factory=list)
    unpaid_months: list[datetime.date] = field(default_factory=list)
    arrears: Decimal = ZERO

    @property
    def current_rate(self) -> RateRow | None:
        return self.rates[-1] if self.rates else None

    @property
    def unpaid_count(self) -> int:
        return len(self.unpaid_months)

    @property
    def unpaid_ranges(self) -> str:
        """The unpaid months as runs, e.g. "2025-03–2025-06, 2025-09"."""
        runs: list[list[datetime.date]] = []
        for month in self.unpaid_months:
            if runs and add_months(runs[-1][-1], 1) == month:
                runs[-1].append(month)
            else:
                runs.append([month])
        return ", ".join(f"{run[0]:%Y-%m}" + (f"–{run[-1]:%Y-%m}" if len(run) > 1 else "") for run in runs)


class PaymentRow(NamedTuple):
    """What standings and the year's account need of a payment, without building a model instance."""

    member_id: int
    first_month: datetime.date
    last_month: datetime.date
    paid_on: datetime.date
    amount: Decimal


def payment_rows(*, branch_ids: list[int]) -> list[PaymentRow]:
    """Every payment of the branches as a PaymentRow (one query), for standings and the account."""
    rows = Payment.objects.filter(branch_id__in=branch_ids).order_by("first_month")
    fields = ("member_id", "first_month", "last_month", "paid_on", "amount")
    return [PaymentRow(*row) for row in rows.values_list(*fields)]


def _standing(member: Member, rates: list[RateRow], paid: set[int], upto: datetime.date):
    """Unpaid months run from the first rate to `upto` (or the month the member left the branch)."""
    standing = MemberDues(member=member, rates=rates)
    if not rates:
        return standing
    end = month_start(upto)
    if member.status != Member.Status.ACTIVE and member.status_changed_on:
        end = min(end, month_start(member.status_changed_on))
    owed = range(month_number(rates[0].valid_from), month_number(end) + 1)
    standing.unpaid_months = [month_of(number) for number in owed if number not in paid]
    standing.arrears = sum((rate_in_force(rates, m).monthly_dues for m in standing.unpaid_months), ZERO)
    return standing


def _paid_months(payments) -> set[int]:
    """The months paid, as `month_number`s: the standings walk every month of every payment."""
    return {
        number
        for p in payments
        for number in range(month_number(p.first_month), month_number(p.last_month) + 1)
    }


# What a member's standing shows of their payments (the rest is deferred, as with `only`).
PAYMENT_FIELDS = (
    "id", "branch_id", "member_id", "first_month", "last_month", "amount", "amount_differs", "paid_on",
    "year", "receipt_no", "note",
)  # fmt: skip


def member_dues(*, member: Member, upto: datetime.date) -> MemberDues:
    """One member's rates, payments and arrears up to the month of `upto` (one query: both short lists
    as columns of the member's row)."""
    lists = (
        Member.objects.filter(pk=member.pk)
        .values(
            rates=figures.Rows(DuesRate.objects.filter(member=member), *RateRow._fields),
            payments=figures.Rows(Payment.objects.filter(member=member), *PAYMENT_FIELDS),
        )
        .get()
    )
    rates = [RateRow(datetime.date.fromisoformat(day), *rest) for day, *rest in sorted(lists["rates"])]
    payments = figures.instances(Payment, PAYMENT_FIELDS, lists["payments"])
    payments.sort(key=attrgetter("first_month"), reverse=True)
    standing = _standing(member, rates, _paid_months(payments), upto)
    standing.payments = payments
    return standing


def branch_standings(*, branch: Branch, upto: datetime.date) -> list[MemberDues]:
    """Every member's standing in the branch up to the month of `upto`, in three queries whatever the size."""
    return standings_in_branches(branch_ids=[branch.pk], upto=upto)


def counted_in_standings(member: Member, upto: datetime.date) -> bool:
    """Active members, and those who left in `upto`'s year (owing for the months before they left)."""
    left_since = datetime.date(upto.year, 1, 1)
    return member.status == Member.Status.ACTIVE or (
        member.status_changed_on is not None and member.status_changed_on >= left_since
    )


# What the dues pages read of a member. Loading every field would parse each member's five phone
# numbers (phonenumbers, ~20 µs each): a fifth of the ledger's time.
MEMBER_FIELDS = ("id", "branch_id", "name", "name_pinyin", "birth_date", "status", "status_changed_on")


def branch_members(*, branch: Branch) -> list[Member]:
    """Every member the branch has had, with the fields the dues pages show (one query)."""
    return list(Member.objects.in_branch(branch).only(*MEMBER_FIELDS))


def standing_members(*, branch_ids: list[int], upto: datetime.date) -> list[Member]:
    """The members `standings_in_branches` counts (one query); see `counted_in_standings`."""
    return list(
        Member.objects.in_branches(branch_ids)
        .filter(Q(status=Member.Status.ACTIVE) | Q(status_changed_on__gte=datetime.date(upto.year, 1, 1)))
        .only(*MEMBER_FIELDS)
    )


def standings_in_branches(
    *,
    branch_ids: list[int],
    upto: datetime.date,
    members: list[Member] | None = None,
    payments: list[PaymentRow] | None = None,
) -> list[MemberDues]:
    """Every member's standing in the branches up to the month of `upto`, in three queries.

    Members who left the branch are counted until the month they left; those who left
    before `upto`'s year began and owe nothing are left out. A page that has already read the
    members (`standing_members`) or the payments (`payment_rows`) passes them and saves those
    queries. Standings of a branch carry no payments: the ledger lists those by year.
    """
    if members is None:
        members = standing_members(branch_ids=branch_ids, upto=upto)
    rates: dict[int, list[RateRow]] = defaultdict(list)
    in_branches = DuesRate.objects.filter(branch_id__in=branch_ids).order_by("member_id", "valid_from")
    for member_id, *row in in_branches.values_list("member_id", *RateRow._fields):
        rates[member_id].append(RateRow(*row))
    if payments is None:
        payments = payment_rows(branch_ids=branch_ids)
    paid: dict[int, list[PaymentRow]] = defaultdict(list)
    # Only what was paid by `upto` counts, so a past year's report shows the arrears as they stood then.
    for payment in payments:
        if payment.paid_on <= upto:
            paid[payment.member_id].append(payment)
    return [_standing(m, rates[m.pk], _paid_months(paid[m.pk]), upto) for m in members]


def _month_number(expression):
    """Months since the year 0, so that month arithmetic is subtraction in any database."""
    return ExtractYear(expression) * 12 + ExtractMonth(expression)


def owing_members(*, branch_ids: list[int], upto: datetime.date) -> QuerySet[Member]:
    """The members `standings_in_branches` finds owing, found by the database without reading rates
    or payments: from their first rate to `upto` (or the month they left) more months than they paid.

    A count suffices because no month is ever paid twice (`payment_record` refuses it) and none
    before a member's first rate (there is nothing to pay). Work per member, not per year of history
    in Python: the dashboard counts these.
    """
    upto_month = upto.year * 12 + upto.month
    rates = DuesRate.objects.filter(member=OuterRef("pk")).order_by("valid_from")
    first_rate = rates.values("valid_from")[:1]
    left = ~Q(status=Member.Status.ACTIVE) & Q(status_changed_on__isnull=False)
    members = (
        Member.objects.in_branches(branch_ids)
        .filter(Q(status=Member.Status.ACTIVE) | Q(status_changed_on__gte=datetime.date(upto.year, 1, 1)))
        .annotate(first_rate=Subquery(first_rate))
        .filter(first_rate__isnull=False)
        .annotate(
            last_owed=Case(
                When(left, then=Least(Value(upto_month), _month_number("status_changed_on"))),
                default=Value(upto_month),
            )
        )
    )
    paid = (
        Payment.objects.filter(member=OuterRef("pk"), paid_on__lte=upto)
        .annotate(first=_month_number("first_month"))
        .filter(first__lte=OuterRef("last_owed"))
        # A payment in advance counts only up to the last month owed.
        .annotate(months=Least(_month_number("last_month"), OuterRef("last_owed")) - F("first") + 1)
    )
    owed = F("last_owed") - _month_number("first_rate") + 1
    return members.annotate(months_paid=figures.Sum(paid, "months")).filter(months_paid__lt=owed)


def arrears_list(*, branch: Branch, upto: datetime.date) -> list[MemberDues]:
    """Members who owe dues up to the month of `upto`, the largest debt first."""
    return owing(branch_standings(branch=branch, upto=upto))


def owing(standings: list[MemberDues]) -> list[MemberDues]:
    """The standings with unpaid months, the largest debt first."""
    return sorted((s for s in standings if s.unpaid_months), key=lambda s: (-s.arrears, s.member.name_pinyin))


def members_without_rate(standings: list[MemberDues]) -> list[Member]:
    return [s.member for s in standings if not s.rates and s.member.status == Member.Status.ACTIVE]


@dataclass
class YearAccount:
    """A branch's dues account for a calendar year: carried over + collected − spent = balance."""

    year: int
    carried_over: Decimal
    collected: Decimal
    spent_by_purpose: dict[str, Decimal]
    collected_by_month: list[Decimal]
    payment_count: int
    paying_members: int

    @property
    def remitted(self) -> Decimal:
        return self.spent_by_purpose[Expenditure.Purpose.REMITTANCE]

    @property
    def spent(self) -> Decimal:
        return sum(self.spent_by_purpose.values(), ZERO)

    @property
    def used(self) -> Decimal:
        """Spent by the branch itself, i.e. everything but the remittance."""
        return self.spent - self.remitted

    @property
    def balance(self) -> Decimal:
        return self.carried_over + self.collected - self.spent

    @property
    def used_by_purpose(self) -> list[tuple[str, str, Decimal]]:
        """(purpose, label, amount) for every purpose but the remittance, in the choices' order."""
        return [
            (value, label, self.spent_by_purpose[value])
            for value, label in Expenditure.Purpose.choices
            if value != Expenditure.Purpose.REMITTANCE
        ]


def year_account(*, branch: Branch, year: int) -> YearAccount:
    """The year's account of the branch in two queries; the carry-over is everything before 1 January."""
    spent_before, spent_in_year = split_spending(expenditure_totals(branch=branch), year)
    return year_account_from(
        year=year,
        payments=payment_rows(branch_ids=[branch.pk]),
        spent_before=spent_before,
        spent_in_year=spent_in_year,
    )


def spending_by_year(*, branch: Branch) -> QuerySet:
    """The branch's spending grouped by year and purpose (`spent_in`, `purpose`, `total`): a few rows a
    year."""
    return (
        Expenditure.objects.filter(branch=branch)
        .annotate(spent_in=ExtractYear("spent_on"))
        .values("spent_in", "purpose")
        .annotate(total=Sum("amount"))
        .order_by()
    )


def expenditure_totals(*, branch: Branch) -> dict[tuple[int, str], Decimal]:
    """(year, purpose) → the branch's spending, every year (one grouped query)."""
    rows = spending_by_year(branch=branch).values_list("spent_in", "purpose", "total")
    return spending_totals(rows)


def spending_totals(rows) -> dict[tuple[int, str], Decimal]:
    """(year, purpose) → total from `spending_by_year`'s rows."""
    # SQLite hands sums back without their scale: every aggregate goes through to_fen.
    return {(int(spent_in), purpose): to_fen(total) for spent_in, purpose, total in rows}


def split_spending(spending: dict[tuple[int, str], Decimal], year: int) -> tuple[Decimal, dict[str, Decimal]]:
    """From `expenditure_totals`: all spent before the year, and the year's spending by purpose."""
    before = ZERO
    in_year = dict.fromkeys(Expenditure.Purpose.values, ZERO)
    for (spent_in, purpose), total in spending.items():
        if spent_in < year:
            before += total
        elif spent_in == year:
            in_year[purpose] += total
    return before, in_year


def year_account_from(
    *, year: int, payments: list[PaymentRow], spent_before: Decimal, spent_in_year: dict[str, Decimal]
) -> YearAccount:
    """The year's account from the branch's payment rows and what it spent (no query)."""
    by_month = [ZERO] * 12
    paid_before = ZERO
    payers = set()
    count = 0
    for payment in payments:
        if payment.paid_on.year < year:
            paid_before += payment.amount
        elif payment.paid_on.year == year:
            by_month[payment.paid_on.month - 1] += payment.amount
            payers.add(payment.member_id)
            count += 1
    return YearAccount(
        year=year,
        carried_over=to_fen(paid_before) - to_fen(spent_before),
        collected=to_fen(sum(by_month, ZERO)),
        spent_by_purpose={purpose: to_fen(total) for purpose, total in spent_in_year.items()},
        collected_by_month=[to_fen(amount) for amount in by_month],
        payment_count=count,
        paying_members=len(payers),
    )


def payment_list(*, branch: Branch) -> QuerySet[Payment]:
    """The branch's payments, for the ledger's filter; `payment_lines` reads what the ledger shows."""
    return Payment.objects.filter(branch=branch)


class PaymentLine(NamedTuple):
    """A payment as the ledger lists it."""

    year: int
    receipt_no: int
    member_name: str
    first_month: datetime.date
    last_month: datetime.date
    amount: Decimal
    paid_on: datetime.date
    note: str
    received_by: str

    @property
    def receipt(self) -> str:
        return receipt(self.year, self.receipt_no)


def payment_lines(payments: QuerySet[Payment]) -> list[PaymentLine]:
    """The payments as the ledger lists them (one query), read as values: as model instances, each
    with its member and receiver, a year's payments took three times as long."""
    # The member's name looked up row by row: joined, PostgreSQL hashed all the members of every branch
    # (10,000 on the bench) to name a year's hundred-odd payments, 2.4 of the query's 2.9 ms.
    name = Subquery(Member.objects.filter(pk=OuterRef("member_id")).values("name"))
    shown = ("year", "receipt_no", "member_name", "first_month", "last_month", "amount", "paid_on", "note")
    receiver = ("received_by__last_name", "received_by__first_name", "received_by__username")
    rows = payments.annotate(member_name=name).values_list(*shown, *receiver)
    return [PaymentLine(*row[: len(shown)], received_by=display_name(*row[len(shown) :])) for row in rows]


def expenditure_list(*, branch: Branch):
    return Expenditure.objects.filter(branch=branch).select_related("approver")


def celebrations_to_take_up(*, branch: Branch) -> list[BirthdayCelebration]:
    """The branch's collective birthday celebrations whose gifts cost something and are not yet in the
    ledger, newest first, with `gifts_total` (one query)."""
    pending = BirthdayCelebration.objects.filter(branch=branch, expenditure__isnull=True)
    totals = pending.annotate(gifts_total=Sum("gifts__cost")).filter(gifts_total__gt=0)
    return list(totals.order_by("-date", "-pk"))


def expenditures_in_year(*, branch: Branch, year: int) -> list[Expenditure]:
    """The year's expenditures one by one, in date order, with their approver (the report's list)."""
    start, end = datetime.date(year, 1, 1), datetime.date(year + 1, 1, 1)
    in_year = expenditure_list(branch=branch).filter(spent_on__gte=start, spent_on__lt=end)
    return list(in_year.order_by("spent_on", "pk"))


def rate_list(*, branch: Branch):
    """The rates in force now and before, newest first per member."""
    return (
        DuesRate.objects.filter(branch=branch)
        .select_related("member")
        .order_by("member__name_pinyin", "-valid_from")
    )


def work_plan(*, branch: Branch, year: int) -> list[WorkPlanItem]:
    return list(WorkPlanItem.objects.filter(branch=branch, year=year).order_by("order", "pk"))


def work_plan_item_get_for_editor(user, pk: int) -> WorkPlanItem:
    """A plan item of a branch where the user may edit the dues; else 404."""
    return get_object_or_404(WorkPlanItem, pk=pk, branch_id__in=branch_ids(user, "edit_dues"))


def ledger_years(
    *, today: datetime.date, payments: list[PaymentRow], spending: dict[tuple[int, str], Decimal]
) -> list[int]:
    """Years with a payment or expenditure, plus this year, newest first (from rows already read)."""
    years = {today.year}
    years.update(payment.paid_on.year for payment in payments)
    years.update(spent_in for spent_in, _purpose in spending)
    return sorted(years, reverse=True)


@dataclass(frozen=True)
class PaidThrough:
    """A member's dues in one line: paid without a gap up to `month` (None: nothing yet), and what is owed."""

    month: datetime.date | None
    unpaid_count: int
    arrears: Decimal


def member_paid_through(*, member: Member, upto: datetime.date) -> PaidThrough | None:
    """How far the member's dues are paid ("党费已交至2026年12月") as of `upto`, in two queries;
    None while the member has no rate."""
    standing = member_dues(member=member, upto=upto)
    if not standing.rates:
        return None
    if standing.unpaid_months:
        month = add_months(standing.unpaid_months[0], -1)
    else:
        month = max((payment.last_month for payment in standing.payments), default=None)
    if month is not None and month < month_start(standing.rates[0].valid_from):
        month = None
    return PaidThrough(month=month, unpaid_count=standing.unpaid_count, arrears=standing.arrears)
