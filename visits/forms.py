from django import forms
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from accounts.permissions import CARERS
from lib.fields import BoundedModelMultipleChoiceField
from members.models import CareCategory, Member

from .lunar import Festival
from .models import Concern, PlannedVisit, Visit, VisitPolicy


class VisitForm(forms.ModelForm):
    """The bedside form: few fields, big choices; a concern raised at the visit can be noted at once."""

    planned = forms.ModelChoiceField(
        label=_("Planned visit this fulfils"),
        queryset=PlannedVisit.objects.none(),
        required=False,
        empty_label=_("Match automatically"),
    )
    concern_category = forms.ChoiceField(
        label=_("Concern raised (optional)"), choices=[("", "—"), *Concern.Category.choices], required=False
    )
    concern_text = forms.CharField(
        label=_("What the member asked for"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )

    class Meta:
        model = Visit
        fields = ["kind", "date", "mode", "visitors", "health", "amount", "notes", "follow_up"]
        widgets = {
            "kind": forms.RadioSelect(attrs={"class": "btn-check"}),
            "mode": forms.RadioSelect(attrs={"class": "btn-check"}),
            "date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "visitors": forms.CheckboxSelectMultiple(attrs={"class": "btn-check"}),
            "health": forms.RadioSelect(attrs={"class": "btn-check"}),
            "notes": forms.Textarea(attrs={"rows": 3}),
            "amount": forms.NumberInput(attrs={"inputmode": "decimal", "step": "0.01", "min": "0"}),
        }
        field_classes = {"visitors": BoundedModelMultipleChoiceField}

    def __init__(self, *args, branch, due=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["planned"].queryset = due if due is not None else PlannedVisit.objects.none()
        self.fields["planned"].label_from_instance = lambda p: " · ".join(
            str(part) for part in (p.get_kind_display(), p.occasion_label, p.due_by) if part
        )
        self.fields["visitors"].queryset = (
            User.objects.filter(branch_roles__branch=branch, branch_roles__role__in=CARERS)
            .distinct()
            .order_by("id")
        )
        self.fields["health"].choices = [("", _("Not noted")), *self.fields["health"].choices[1:]]
        self.fields["health"].required = False
        self.fields["kind"].choices = PlannedVisit.Kind.choices  # no empty choice among the big buttons
        self.fields["amount"].required = False

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("concern_text", "").strip() and not cleaned.get("concern_category"):
            self.add_error("concern_category", _("Choose what the concern is about."))
        return cleaned


class ConcernForm(forms.ModelForm):
    class Meta:
        model = Concern
        fields = ["member", "category", "raised_via", "text"]
        widgets = {"text": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, members, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["member"].queryset = members


class TransitionForm(forms.Form):
    to_state = forms.ChoiceField(choices=Concern.State.choices, widget=forms.HiddenInput)
    comment = forms.CharField(
        label=_("Comment"),
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": _("Write a comment: what was answered, decided or asked.")},
    )


class CancelForm(forms.Form):
    reason = forms.CharField(label=_("Reason for cancelling"), max_length=200)


class MilestonesField(forms.CharField):
    """ "70, 75, 80" ⇄ [70, 75, 80]."""

    def prepare_value(self, value):
        return ", ".join(str(v) for v in value) if isinstance(value, list) else value

    def to_python(self, value):
        text = super().to_python(value).replace("，", ",")
        try:
            ages = sorted({int(part) for part in text.split(",") if part.strip()})
        except ValueError as error:
            raise forms.ValidationError(
                _("Write ages as numbers separated by commas, e.g. 70, 80, 90."), code="invalid"
            ) from error
        if any(not 50 <= age <= 120 for age in ages):
            raise forms.ValidationError(_("Ages must be between 50 and 120."), code="range")
        return ages


class VisitPolicyForm(forms.ModelForm):
    festivals = forms.MultipleChoiceField(
        label=_("Festivals visited"),
        choices=Festival.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    festival_categories = forms.MultipleChoiceField(
        label=_("Festival visits for"),
        choices=CareCategory.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    milestone_ages = MilestonesField(label=_("Milestone birthdays"), required=False)

    class Meta:
        model = VisitPolicy
        fields = [
            "critical_days",
            "hospitalised_days",
            "seriously_ill_days",
            "elderly_days",
            "alone_days",
            "no_family_days",
            "frail_days",
            "empty_nest_days",
            "other_days",
            "festivals",
            "festival_categories",
            "festival_window_days",
            "birthday_from_age",
            "milestone_ages",
            "birthday_window_days",
            "hospital_visit_days",
            "escalate_secretary_days",
            "escalate_liaison_days",
        ]


class CelebrationForm(forms.Form):
    """A collective birthday celebration: the members to choose from are the year's round birthdays."""

    date = forms.DateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}))
    place = forms.CharField(label=_("Place"), max_length=100)
    attendees = forms.ModelMultipleChoiceField(
        label=_("Members celebrated"), queryset=None, required=False, widget=forms.CheckboxSelectMultiple
    )
    notes = forms.CharField(label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, celebrants: dict[int, SafeString], **kwargs):
        """`celebrants`: member id → its label (visits.celebrations.celebrant_labels), in that order."""
        super().__init__(*args, **kwargs)
        attendees = self.fields["attendees"]
        attendees.queryset = Member.objects.filter(pk__in=celebrants)
        attendees.choices = list(celebrants.items())


class GiftForm(forms.Form):
    item = forms.CharField(label=_("What it is"), max_length=100, required=False)
    cost = forms.DecimalField(
        label=_("Cost (yuan)"), max_digits=9, decimal_places=2, min_value=0, required=False
    )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("cost") is not None and not cleaned.get("item", "").strip():
            self.add_error("item", _("Say what the gift was."))
        if cleaned.get("item", "").strip() and cleaned.get("cost") is None:
            self.add_error("cost", _("Enter what the gift cost."))
        return cleaned


GiftFormSet = forms.formset_factory(GiftForm, extra=3)
