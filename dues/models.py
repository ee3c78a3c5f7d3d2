"""Party dues (党费): each member's monthly rate, the payments, what the branch spends, next year's plan.

Amounts are Decimal yuan with two places (fen), never float; see money.py for rounding.
Months are stored as the first day of the month.
"""

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from members.models import Member
from org.models import Branch

from .money import month_count

POSITIVE = [MinValueValidator(Decimal("0.01"))]
NON_NEGATIVE = [MinValueValidator(Decimal("0.00"))]


def validate_first_of_month(value) -> None:
    if value is not None and value.day != 1:
        raise ValidationError(_("Give a month: the first day of the month."), code="not_month")


class DuesRate(models.Model):
    """A member's monthly dues from a month on; the rate in force is the latest valid_from ≤ the month."""

    branch = models.ForeignKey(
        Branch, on_delete=models.CASCADE, related_name="dues_rates", verbose_name=_("branch")
    )
    member = models.ForeignKey(
        Member, on_delete=models.CASCADE, related_name="dues_rates", verbose_name=_("member")
    )
    valid_from = models.DateField(_("valid from (month)"), validators=[validate_first_of_month])
    monthly_pension = models.DecimalField(
        _("monthly pension (yuan)"), max_digits=10, decimal_places=2, validators=NON_NEGATIVE
    )
    rule_amount = models.DecimalField(
        _("dues by the rule (yuan)"), max_digits=8, decimal_places=2, validators=NON_NEGATIVE
    )
    override_amount = models.DecimalField(
        _("agreed amount (yuan)"),
        max_digits=8,
        decimal_places=2,
        null=True,
        blank=True,
        validators=NON_NEGATIVE,
        help_text=_("Only when the member pays other than the rule, e.g. voluntarily more."),
    )
    override_reason = models.CharField(_("reason for the agreed amount"), max_length=200, blank=True)
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("dues rate")
        verbose_name_plural = _("dues rates")
        ordering = ["member", "-valid_from"]
        constraints = [
            models.UniqueConstraint(fields=["member", "valid_from"], name="one_dues_rate_per_member_month"),
            models.CheckConstraint(
                condition=Q(override_amount__isnull=True) | ~Q(override_reason=""),
                name="dues_override_has_reason",
                violation_error_message=_("Give the reason for the agreed amount."),
            ),
        ]
        indexes = [
            # Arrears and the ledger: a branch's rates, member by member in month order.
            models.Index(fields=["branch", "member", "valid_from"], name="dues_rate_branch_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.member} · {self.valid_from:%Y-%m} · {self.monthly_dues}"

    @property
    def monthly_dues(self) -> Decimal:
        """What the member owes each month: the agreed amount if there is one, else the rule."""
        return self.override_amount if self.override_amount is not None else self.rule_amount


def receipt(year: int, number: int) -> str:
    """A receipt as written on it and in the ledger: 2026-0007."""
    return f"{year}-{number:04d}"


class Payment(models.Model):
    """Dues paid for one or more consecutive months, with a receipt numbered per branch and year."""

    branch = models.ForeignKey(
        Branch, on_delete=models.PROTECT, related_name="dues_payments", verbose_name=_("branch")
    )
    member = models.ForeignKey(
        Member, on_delete=models.PROTECT, related_name="dues_payments", verbose_name=_("member")
    )
    first_month = models.DateField(_("first month paid"), validators=[validate_first_of_month])
    last_month = models.DateField(_("last month paid"), validators=[validate_first_of_month])
    amount = models.DecimalField(_("amount (yuan)"), max_digits=10, decimal_places=2, validators=POSITIVE)
    amount_differs = models.BooleanField(
        _("amount differs from the dues owed"),
        default=False,
        help_text=_("Tick only when the member knowingly pays another amount; say why in the note."),
    )
    paid_on = models.DateField(_("paid on"))
    received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="dues_received",
        verbose_name=_("received by"),
    )
    # The receipt year is the year of paid_on; numbers run 1, 2, 3 … in each branch and year, without gaps.
    year = models.PositiveSmallIntegerField(_("receipt year"), editable=False)
    receipt_no = models.PositiveIntegerField(_("receipt number"), editable=False)
    note = models.CharField(_("note"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("dues payment")
        verbose_name_plural = _("dues payments")
        ordering = ["-paid_on", "-receipt_no"]
        constraints = [
            models.UniqueConstraint(fields=["branch", "year", "receipt_no"], name="unique_dues_receipt_no"),
            models.CheckConstraint(
                condition=Q(last_month__gte=F("first_month")),
                name="dues_payment_months_in_order",
                violation_error_message=_("The last month must not be before the first month."),
            ),
            models.CheckConstraint(condition=Q(amount__gt=0), name="dues_payment_amount_positive"),
        ]
        indexes = [
            # The ledger and the report: a branch's payments of a year, by date.
            models.Index(fields=["branch", "paid_on"], name="dues_payment_paid_idx"),
            # Arrears and the months-already-paid check: a member's payments by month.
            models.Index(fields=["member", "first_month"], name="dues_payment_member_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.receipt} · {self.member} · {self.amount}"

    @property
    def receipt(self) -> str:
        return receipt(self.year, self.receipt_no)

    @property
    def month_count(self) -> int:
        return month_count(self.first_month, self.last_month)


class Expenditure(models.Model):
    """Money the branch spent from its share of the dues, or remitted to the higher organisation."""

    class Purpose(models.TextChoices):
        VISITS = "visits", _("Visits to members in difficulty")
        STUDY = "study", _("Study materials")
        ACTIVITIES = "activities", _("Activities")
        REMITTANCE = "remittance", _("Remittance to the higher Party organisation")
        OTHER = "other", _("Other")

    branch = models.ForeignKey(
        Branch, on_delete=models.PROTECT, related_name="dues_expenditures", verbose_name=_("branch")
    )
    spent_on = models.DateField(_("date"))
    amount = models.DecimalField(_("amount (yuan)"), max_digits=10, decimal_places=2, validators=POSITIVE)
    purpose = models.CharField(_("purpose"), max_length=20, choices=Purpose.choices)
    approver = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="dues_approved",
        verbose_name=_("approved by"),
    )
    note = models.CharField(_("note"), max_length=200, blank=True)
    # The gifts of a collective birthday celebration, taken up once as one expenditure.
    celebration = models.OneToOneField(
        "visits.BirthdayCelebration",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="expenditure",
        verbose_name=_("collective birthday celebration"),
        error_messages={"unique": _("The gifts of this celebration are already in the ledger.")},
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("expenditure")
        verbose_name_plural = _("expenditures")
        ordering = ["-spent_on", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="dues_expenditure_amount_positive"),
        ]
        indexes = [
            # The ledger and the report: a branch's spending of a year, by date.
            models.Index(fields=["branch", "spent_on"], name="dues_expenditure_date_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.spent_on} · {self.get_purpose_display()} · {self.amount}"


class WorkPlanItem(models.Model):
    """One point of the branch's work plan for a year, presented with the annual report."""

    branch = models.ForeignKey(
        Branch, on_delete=models.CASCADE, related_name="work_plan_items", verbose_name=_("branch")
    )
    year = models.PositiveSmallIntegerField(_("year"))
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    text = models.TextField(_("text"), max_length=1000)

    class Meta:
        verbose_name = _("work plan item")
        verbose_name_plural = _("work plan items")
        ordering = ["branch", "year", "order", "pk"]
        indexes = [
            # The report: the plan of a branch and year, in order.
            models.Index(fields=["branch", "year", "order"], name="dues_workplan_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.year} · {self.order} · {self.text[:30]}"
