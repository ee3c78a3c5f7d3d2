"""Forms of the dues ledger: they validate and normalise; the services decide and write."""

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from members.models import Member
from visits.models import BirthdayCelebration

from .models import Expenditure, WorkPlanItem


class MonthField(forms.DateField):
    """A month picked with <input type="month"> ("2026-03"), cleaned to its first day."""

    widget = forms.DateInput(attrs={"type": "month"}, format="%Y-%m")
    input_formats = ["%Y-%m", "%Y-%m-%d"]
    default_error_messages = {"invalid": _("Enter a month as year and month, e.g. 2026-03.")}

    def to_python(self, value):
        day = super().to_python(value)
        return day.replace(day=1) if day else day


class DateField(forms.DateField):
    widget = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def yuan_field(label, *, required=True, help_text="") -> forms.DecimalField:
    return forms.DecimalField(
        label=label,
        required=required,
        max_digits=10,
        decimal_places=2,
        min_value=Decimal("0.00"),
        help_text=help_text,
        widget=forms.NumberInput(attrs={"step": "0.01", "inputmode": "decimal"}),
    )


class MemberChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Member) -> str:
        return obj.name


class PaymentForm(forms.Form):
    member = MemberChoiceField(label=_("Member"), queryset=Member.objects.none())
    first_month = MonthField(label=_("First month paid"))
    last_month = MonthField(label=_("Last month paid"), help_text=_("The same month for one month's dues."))
    amount = yuan_field(_("Amount (yuan)"))
    paid_on = DateField(label=_("Paid on"))
    amount_differs = forms.BooleanField(
        label=_("The amount differs from the dues owed"),
        required=False,
        help_text=_("E.g. a special voluntary payment; say why in the note."),
    )
    note = forms.CharField(label=_("Note"), max_length=200, required=False)

    def __init__(self, *args, branch, **kwargs):
        kwargs.setdefault("prefix", "payment")
        super().__init__(*args, **kwargs)
        self.fields["member"].queryset = Member.objects.in_branch(branch).active()

    def clean(self):
        data = super().clean()
        first, last = data.get("first_month"), data.get("last_month")
        if first and last and last < first:
            self.add_error("last_month", _("The last month must not be before the first month."))
        return data


class ExpenditureForm(forms.Form):
    spent_on = DateField(label=_("Date"))
    amount = yuan_field(_("Amount (yuan)"))
    purpose = forms.ChoiceField(label=_("Purpose"), choices=Expenditure.Purpose.choices)
    approver = forms.ModelChoiceField(label=_("Approved by"), queryset=None)
    note = forms.CharField(label=_("Note"), max_length=200, required=False)
    # Set by "take up the gifts" of a collective birthday celebration; refused once they are taken up.
    celebration = forms.ModelChoiceField(
        queryset=BirthdayCelebration.objects.none(),
        required=False,
        widget=forms.HiddenInput,
        error_messages={"invalid_choice": _("The gifts of this celebration are already in the ledger.")},
    )

    def __init__(self, *args, approvers, branch, **kwargs):
        kwargs.setdefault("prefix", "expenditure")
        super().__init__(*args, **kwargs)
        self.fields["approver"].queryset = approvers
        pending = BirthdayCelebration.objects.filter(branch=branch, expenditure__isnull=True)
        self.fields["celebration"].queryset = pending

    def clean(self):
        # A hidden field's error would be shown nowhere: it is the form's.
        for message in self.errors.pop("celebration", []):
            self.add_error(None, message)
        return super().clean()


class RateForm(forms.Form):
    member = MemberChoiceField(label=_("Member"), queryset=Member.objects.none())
    valid_from = MonthField(label=_("From month"))
    monthly_pension = yuan_field(_("Monthly pension (yuan)"))
    override_amount = yuan_field(
        _("Agreed monthly dues (yuan)"),
        required=False,
        help_text=_(
            "Leave empty to use the rule: 0.5 per cent of a pension up to 5,000 yuan, 1 per cent above."
        ),
    )
    override_reason = forms.CharField(label=_("Reason for the agreed amount"), max_length=200, required=False)

    def __init__(self, *args, branch, **kwargs):
        kwargs.setdefault("prefix", "rate")
        super().__init__(*args, **kwargs)
        self.fields["member"].queryset = Member.objects.in_branch(branch).active()

    def clean(self):
        data = super().clean()
        if data.get("override_amount") is not None and not data.get("override_reason", "").strip():
            self.add_error("override_reason", _("Give the reason for the agreed amount."))
        return data


class WorkPlanItemForm(forms.ModelForm):
    class Meta:
        model = WorkPlanItem
        fields = ["text"]
        labels = {"text": _("Work plan item")}
        widgets = {"text": forms.Textarea(attrs={"rows": 2})}


def choices_from(field: forms.ModelChoiceField, members: list[Member]) -> None:
    """Offers members the page has already read, instead of the field reading its queryset again.

    Validation still goes through the field's queryset, so a member outside it is refused as before.
    """
    choices = [(member.pk, field.label_from_instance(member)) for member in members]
    field.choices = choices if field.empty_label is None else [("", field.empty_label), *choices]
