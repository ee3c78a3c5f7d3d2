"""Forms for members and contact groups: they validate and normalise; the services write."""

from crispy_forms.helper import FormHelper
from crispy_forms.layout import HTML, Div, Fieldset, Layout, Submit
from django import forms
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from accounts.permissions import branch_ids
from org.models import Branch

from . import selectors
from .models import ContactGroup, FamilyProxy, HealthRecord, Member
from .validators import refuse_control_characters, validate_cn_mobile

DATE_FIELDS = ["birth_date", "party_joined_on", "work_started_on", "retired_on", "status_changed_on"]
MOBILE_FIELDS = ["phone", "notice_phone", "emergency_phone_1", "emergency_phone_2"]
FIELDSETS = [
    (
        _("Basic information"),
        [
            "branch",
            "name",
            "gender",
            "birth_date",
            "lunar_birthday",
            "native_place",
            "status",
            "status_changed_on",
        ],
    ),
    (
        _("Party and work"),
        ["party_joined_on", "work_started_on", "retirement_kind", "retired_on", "former_unit", "former_post"],
    ),
    (
        _("Contact"),
        ["phone", "phone_alt", "notice_phone", "needs_call", "address", "district", "contact_group"],
    ),
    (_("Living and health"), ["living_situation", "condition", "health_place", "mobility", "health_note"]),
    (
        _("Emergency contacts"),
        [
            "emergency_name_1",
            "emergency_relation_1",
            "emergency_phone_1",
            "emergency_name_2",
            "emergency_relation_2",
            "emergency_phone_2",
        ],
    ),
    (_("Notes"), ["notes"]),
]


HEALTH_FIELDS = ["condition", "health_place", "mobility", "health_note"]
# The model's fields the form edits, in the fieldsets' order: all but the branch and the health record's,
# which the form declares itself (they live on other models).
MODEL_FIELDS = [
    name for _legend, names in FIELDSETS for name in names if name not in ["branch", *HEALTH_FIELDS]
]


class MemberForm(forms.ModelForm):
    """A member's profile; `branch` only shows to users of several branches.

    A new member's health is entered here. An existing member's health record is shown and changed
    only on the health page (HealthForm), where every opening is logged: this form never reads it.
    """

    branch = forms.ModelChoiceField(label=_("Branch"), queryset=Branch.objects.none())
    condition = forms.ChoiceField(label=_("Health"), choices=HealthRecord.Condition.choices)
    mobility = forms.ChoiceField(label=_("Mobility"), choices=HealthRecord.Mobility.choices)
    health_place = forms.CharField(
        label=_("Where (hospital, ward)"),
        max_length=100,
        required=False,
        help_text=_("While in hospital: the hospital and ward, so that carers know where to go."),
    )
    health_note = forms.CharField(
        label=_("Health note"),
        max_length=200,
        required=False,
        help_text=_("Seen only by the committee, the liaison officer and the bureau."),
    )

    class Meta:
        model = Member
        fields = MODEL_FIELDS
        widgets = {
            **{name: forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d") for name in DATE_FIELDS},
            "notes": forms.Textarea(attrs={"rows": 4}),
        }

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        editable = branch_ids(user, "edit_members")
        self.fields["contact_group"].queryset = selectors.contact_groups(user=user, capability="edit_members")
        self.fields["status_changed_on"].help_text = _("Needed when the member has died or transferred out.")
        if self.instance.pk:
            del self.fields["branch"]
            for name in HEALTH_FIELDS:
                del self.fields[name]
        else:
            self.fields["branch"].queryset = Branch.objects.filter(pk__in=editable)
            if len(editable) == 1:
                self.fields["branch"].initial = editable[0]
                self.fields["branch"].widget = forms.HiddenInput()
        for name in MOBILE_FIELDS:
            self.fields[name].validators.append(validate_cn_mobile)
        refuse_control_characters(self)
        self.helper = FormHelper()
        self.helper.layout = Layout(
            *[Fieldset(legend, Div(*self._columns(names), css_class="row")) for legend, names in FIELDSETS],
            Div(Submit("save", _("Save"), css_class="btn-lg"), css_class="mt-3"),
        )

    def _columns(self, names: list[str]) -> list:
        wide = {"notes", "address"}
        columns = [
            Div(name, css_class="col-12" if name in wide else "col-12 col-md-6 col-xl-4")
            for name in names
            if name in self.fields
        ]
        if self.instance.pk and "condition" in names:
            columns.append(HTML(self._health_link()))
        return columns

    def _health_link(self) -> str:
        return format_html(
            '<p class="col-12 form-text">{} <a href="{}">{}</a></p>',
            _("Health is changed on the health record page, where every opening is recorded."),
            reverse("members:health", args=[self.instance.pk]),
            _("Open the health record"),
        )

    def clean(self):
        data = super().clean()
        if "branch" in self.errors and self.fields["branch"].widget.is_hidden:
            # Crispy shows no errors of a hidden field: say it above the form instead.
            self.add_error(None, _("The form came back without a branch you may edit. Reload the page."))
        status = data.get("status")
        if status and status != Member.Status.ACTIVE and not data.get("status_changed_on"):
            self.add_error("status_changed_on", _("Enter the date the member died or was transferred out."))
        group = data.get("contact_group")
        branch = data.get("branch") or getattr(self.instance, "branch", None)
        if group and branch and group.branch_id != branch.pk:
            self.add_error("contact_group", _("Choose a contact group of the member's own branch."))
        return data

    def _post_clean(self):
        # Set the branch before the model validates the instance, so that creating a member works.
        if "branch" in self.cleaned_data:
            self.instance.branch = self.cleaned_data["branch"]
        super()._post_clean()

    def service_fields(self) -> dict:
        """The cleaned data as keyword arguments of members.services.member_create / member_update."""
        return dict(self.cleaned_data)


class HealthForm(forms.Form):
    """A member's health record, on the logged health page only."""

    condition = forms.ChoiceField(
        label=_("Health"), choices=HealthRecord.Condition.choices, initial=HealthRecord.Condition.GOOD
    )
    mobility = forms.ChoiceField(
        label=_("Mobility"), choices=HealthRecord.Mobility.choices, initial=HealthRecord.Mobility.INDEPENDENT
    )
    place = forms.CharField(
        label=_("Where (hospital, ward)"),
        max_length=100,
        required=False,
        help_text=_("While in hospital: the hospital and ward, so that carers know where to go."),
    )
    note = forms.CharField(
        label=_("Health note"),
        max_length=200,
        required=False,
        help_text=_("Seen only by the committee, the liaison officer and the bureau."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        refuse_control_characters(self)
        self.helper = FormHelper()
        self.helper.form_id = "health-form"
        self.helper.layout = Layout(
            Div(*[Div(name, css_class="col-12 col-md-6 col-xl-4") for name in self.fields], css_class="row"),
            Submit("save", _("Save the health record"), css_class="btn-lg"),
        )

    @classmethod
    def for_record(cls, health: HealthRecord | None) -> "HealthForm":
        """The form filled in with the record (the defaults for a member without one)."""
        if health is None:
            return cls()
        return cls(
            initial={
                "condition": health.condition,
                "mobility": health.mobility,
                "note": health.note,
                "place": health.place,
            }
        )


class ContactGroupForm(forms.ModelForm):
    class Meta:
        model = ContactGroup
        fields = ["name", "leader", "deputy", "leader_away"]
        labels = {"name": _("Group name")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        refuse_control_characters(self)
        candidates = selectors.group_leader_candidates(self.instance.branch_id)
        self.fields["leader"].queryset = candidates
        self.fields["deputy"].queryset = candidates
        self.fields["deputy"].empty_label = _("(none)")
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True


class ProxyForm(forms.ModelForm):
    """A family member (家属) who reads the portal for the member and logs in by a code sent by SMS."""

    class Meta:
        model = FamilyProxy
        fields = ["name", "relation", "phone", "notices"]
        widgets = {"phone": forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, prefix="proxy", **kwargs)
        self.fields["phone"].validators.append(validate_cn_mobile)
