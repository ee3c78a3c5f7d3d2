"""Writes to the dues ledger. Money only enters or leaves the books through these functions."""

import datetime
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.models import BranchRole
from accounts.permissions import COMMITTEE, has_capability
from lib.numbering import next_number
from members.models import Member
from org.models import Branch
from visits.models import BirthdayCelebration

from . import selectors
from .models import DuesRate, Expenditure, Payment, WorkPlanItem
from .money import dues_for_pension, month_count, month_start, to_fen


def _require_edit(actor, branch_id: int) -> None:
    if not has_capability(actor, "edit_dues", branch_id):
        raise PermissionDenied(_("Only the branch secretary or deputy may change the dues ledger."))


def _yuan(amount: Decimal) -> str:
    return number_format(amount, decimal_pos=2, use_l10n=True, force_grouping=True)


@transaction.atomic
def dues_rate_set(
    *,
    actor,
    member: Member,
    valid_from: datetime.date,
    monthly_pension: Decimal,
    override_amount: Decimal | None = None,
    override_reason: str = "",
) -> DuesRate:
    """Sets the member's rate from a month on (replacing one set for that same month); earlier ones stay."""
    _require_edit(actor, member.branch_id)
    valid_from = month_start(valid_from)
    rate = DuesRate.objects.filter(member=member, valid_from=valid_from).first() or DuesRate(
        branch_id=member.branch_id, member=member, valid_from=valid_from
    )
    rate.monthly_pension = to_fen(monthly_pension)
    rate.rule_amount = dues_for_pension(rate.monthly_pension)
    rate.override_amount = None if override_amount is None else to_fen(override_amount)
    rate.override_reason = override_reason.strip() if override_amount is not None else ""
    rate.set_by = actor
    rate.full_clean()
    rate.save()
    return rate


@transaction.atomic
def payment_record(
    *,
    actor,
    member: Member,
    first_month: datetime.date,
    last_month: datetime.date,
    amount: Decimal,
    paid_on: datetime.date,
    amount_differs: bool = False,
    note: str = "",
) -> Payment:
    """Records dues paid for the months first..last and gives the next receipt number of the branch's year.

    The number is gap-free and unique (lib.numbering); a refused payment leaves it to the next.
    """
    _require_edit(actor, member.branch_id)
    # First: the branch stays locked from here, so two treasurers never both find the months unpaid.
    receipt_no = next_number(
        Payment.objects.filter(branch_id=member.branch_id, year=paid_on.year),
        "receipt_no",
        lock=Branch.objects.filter(pk=member.branch_id),
    )
    first_month, last_month = month_start(first_month), month_start(last_month)
    if last_month < first_month:
        raise ValidationError(_("The last month must not be before the first month."), code="months_order")
    _check_not_paid(member, first_month, last_month)
    amount, note = to_fen(amount), note.strip()
    _check_amount(member, first_month, last_month, amount, amount_differs=amount_differs, note=note)
    payment = Payment(
        branch_id=member.branch_id,
        member=member,
        first_month=first_month,
        last_month=last_month,
        amount=amount,
        amount_differs=amount_differs,
        paid_on=paid_on,
        received_by=actor,
        year=paid_on.year,
        receipt_no=receipt_no,
        note=note,
    )
    payment.full_clean()
    payment.save()
    return payment


def _check_amount(
    member: Member,
    first_month: datetime.date,
    last_month: datetime.date,
    amount: Decimal,
    *,
    amount_differs: bool,
    note: str,
) -> None:
    """The amount is the dues owed for the months, unless it is marked as differing, with the reason noted."""
    if amount_differs and not note:
        raise ValidationError(
            {"note": _("Say in the note why the amount differs from the dues owed.")}, code="note_needed"
        )
    owed = selectors.dues_owed(member=member, first_month=first_month, last_month=last_month)
    if amount != owed and not amount_differs:
        months = month_count(first_month, last_month)
        raise ValidationError(
            {
                "amount": ngettext(
                    "The dues owed for %(count)d month are %(owed)s yuan, not %(amount)s yuan.",
                    "The dues owed for these %(count)d months are %(owed)s yuan, not %(amount)s yuan.",
                    months,
                )
                % {"count": months, "owed": _yuan(owed), "amount": _yuan(amount)}
            },
            code="amount_mismatch",
        )


def _check_not_paid(member: Member, first_month: datetime.date, last_month: datetime.date) -> None:
    overlapping = Payment.objects.filter(
        member=member, first_month__lte=last_month, last_month__gte=first_month
    ).order_by("first_month")
    clash = overlapping.first()
    if clash is not None:
        raise ValidationError(
            _("%(member)s has already paid for %(first)s–%(last)s (receipt %(receipt)s).")
            % {
                "member": member,
                "first": f"{clash.first_month:%Y-%m}",
                "last": f"{clash.last_month:%Y-%m}",
                "receipt": clash.receipt,
            },
            code="already_paid",
        )


@transaction.atomic
def expenditure_record(
    *,
    actor,
    branch: Branch,
    spent_on: datetime.date,
    amount: Decimal,
    purpose: str,
    approver,
    note: str = "",
    celebration: BirthdayCelebration | None = None,
) -> Expenditure:
    """Records money spent or remitted; the approver must sit on the branch committee. `celebration`:
    the collective birthday celebration whose gifts this pays for, taken up once."""
    _require_edit(actor, branch.pk)
    if celebration is not None and celebration.branch_id != branch.pk:
        raise PermissionDenied(_("That celebration is another branch's."))
    on_committee = BranchRole.objects.filter(user=approver, branch=branch, role__in=COMMITTEE).exists()
    if not on_committee:
        raise ValidationError(
            {"approver": _("The approver must be on the branch committee.")}, code="approver_not_committee"
        )
    expenditure = Expenditure(
        branch=branch,
        spent_on=spent_on,
        amount=to_fen(amount),
        purpose=purpose,
        approver=approver,
        note=note.strip(),
        celebration=celebration,
        recorded_by=actor,
    )
    expenditure.full_clean()
    expenditure.save()
    return expenditure


@transaction.atomic
def work_plan_item_add(*, actor, branch: Branch, year: int, text: str) -> WorkPlanItem:
    """Adds a point at the end of the branch's plan for the year."""
    _require_edit(actor, branch.pk)
    last = WorkPlanItem.objects.filter(branch=branch, year=year).aggregate(last=Max("order"))["last"]
    item = WorkPlanItem(branch=branch, year=year, order=(last or 0) + 1, text=text.strip())
    item.full_clean()
    item.save()
    return item


@transaction.atomic
def work_plan_item_update(*, actor, item: WorkPlanItem, text: str) -> WorkPlanItem:
    _require_edit(actor, item.branch_id)
    item.text = text.strip()
    item.full_clean()
    item.save(update_fields=["text"])
    return item


@transaction.atomic
def work_plan_item_move(*, actor, item: WorkPlanItem, up: bool) -> WorkPlanItem:
    """Swaps the item with its neighbour above (or below); at either end nothing changes."""
    _require_edit(actor, item.branch_id)
    siblings = WorkPlanItem.objects.filter(branch_id=item.branch_id, year=item.year)
    neighbour = (
        siblings.filter(order__lt=item.order).order_by("-order", "-pk").first()
        if up
        else siblings.filter(order__gt=item.order).order_by("order", "pk").first()
    )
    if neighbour is not None:
        item.order, neighbour.order = neighbour.order, item.order
        item.save(update_fields=["order"])
        neighbour.save(update_fields=["order"])
    return item


@transaction.atomic
def work_plan_item_delete(*, actor, item: WorkPlanItem) -> None:
    _require_edit(actor, item.branch_id)
    item.delete()
