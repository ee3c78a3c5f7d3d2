from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.permissions import branch_ids
from members.models import ContactGroup, Member
from members.validators import refuse_control_characters
from org.models import Branch

from . import selectors
from .models import (
    DEFAULT_FREQUENCIES,
    MEETING_KINDS,
    Attendance,
    Contribution,
    Frequency,
    InterestGroup,
    StudyActivity,
    StudyMaterial,
    StudyPlan,
)
from .uploads import check_upload

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
TIME = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")


class ActivityForm(forms.ModelForm):
    organiser = forms.ModelChoiceField(queryset=Branch.objects.none(), label=_("Organising branch"))
    other_branches = forms.ModelMultipleChoiceField(
        queryset=Branch.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label=_("Other branches taking part"),
        help_text=_("For a joint activity: it will show for their members too."),
    )

    class Meta:
        model = StudyActivity
        fields = [
            "organiser", "kind", "contact_group", "theme", "date", "starts_at", "ends_at", "place", "speaker",
            "chair", "recorder", "interest_group", "description", "summary",
        ]  # fmt: skip
        widgets = {"date": DATE, "starts_at": TIME, "ends_at": TIME, "description": forms.Textarea(
            attrs={"rows": 3}), "summary": forms.Textarea(attrs={"rows": 5})}  # fmt: skip

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        managed = Branch.objects.filter(pk__in=branch_ids(user, "manage_study"))
        self.fields["organiser"].queryset = managed
        bureaus = managed.values("bureau_id")
        self.fields["other_branches"].queryset = Branch.objects.filter(bureau_id__in=bureaus)
        self.fields["interest_group"].queryset = InterestGroup.objects.filter(branch__in=managed)
        self.fields["contact_group"].queryset = ContactGroup.objects.filter(branch__in=managed)
        if not branch_ids(user, "record_meetings"):
            # Meetings (三会一课) are the committee's to record; the liaison manages study activities.
            kinds = self.fields["kind"].choices
            self.fields["kind"].choices = [(k, label) for k, label in kinds if k not in MEETING_KINDS]
        if self.instance.pk:
            # The organiser is fixed once the activity exists; its other branches can change.
            del self.fields["organiser"]
            self.initial["other_branches"] = [
                b.pk for b in self.instance.branches.all() if b.pk != self.instance.organiser_id
            ]
        elif len(managed) == 1:
            self.initial["organiser"] = managed[0].pk
        refuse_control_characters(self)

    def clean(self):
        data = super().clean()
        if data.get("kind") != StudyActivity.Kind.GROUP_MEETING:
            data["contact_group"] = None  # chosen, then the kind changed: only a party-group meeting has one
        return data


class MaterialForm(forms.ModelForm):
    url = forms.URLField(label=_("Link"), required=False, assume_scheme="https")

    class Meta:
        model = StudyMaterial
        fields = ["kind", "title", "file", "url"]

    def clean(self):
        data = super().clean()
        kind, upload, url = data.get("kind"), data.get("file"), data.get("url")
        if kind == StudyMaterial.Kind.LINK:
            if not url:
                self.add_error("url", _("Enter the address of the link."))
            data["file"] = None
        elif not upload:
            self.add_error("file", _("Choose a file to upload."))
        else:
            try:
                check_upload(upload, image_only=kind == StudyMaterial.Kind.PHOTO)
            except forms.ValidationError as error:
                self.add_error("file", error)
            data["url"] = ""
        return data

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        refuse_control_characters(self)


class AttendanceMarkForm(forms.Form):
    status = forms.ChoiceField(choices=Attendance.Status.choices)
    reason = forms.CharField(max_length=200, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        refuse_control_characters(self)


class MakeupForm(forms.Form):
    makeup_on = forms.DateField(label=_("Make-up study on"), widget=DATE)
    makeup_note = forms.CharField(
        label=_("Note"),
        max_length=200,
        required=False,
        help_text=_("e.g. studied the materials at a home visit"),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        refuse_control_characters(self)


class PlanForm(forms.ModelForm):
    class Meta:
        model = StudyPlan
        fields = ["week", "weekday", "starts_at", "ends_at", "place"]
        widgets = {"starts_at": TIME, "ends_at": TIME}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        themes = {m.month: m.theme for m in self.instance.months.all()} if self.instance.pk else {}
        for month in range(1, 13):
            self.fields[f"theme_{month}"] = forms.CharField(
                label=_("Theme for month %(month)d") % {"month": month},
                max_length=200,
                required=False,
                initial=themes.get(month, ""),
            )
        refuse_control_characters(self)

    def _post_clean(self):
        # The plan is saved by services.plan_save; its branch and year are not form fields.
        pass

    @property
    def themes(self) -> dict[int, str]:
        return {month: self.cleaned_data.get(f"theme_{month}", "") for month in range(1, 13)}

    @property
    def rule(self) -> dict:
        return {name: self.cleaned_data[name] for name in self._meta.fields}


class MinutesForm(forms.Form):
    chair = forms.CharField(label=_("Chair"), max_length=100, required=False)
    recorder = forms.CharField(label=_("Recorder"), max_length=100, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        refuse_control_characters(self)


class AgendaItemForm(forms.Form):
    title = forms.CharField(
        label=_("Agenda item"), max_length=200, required=False, help_text=_("Clear it to remove the item.")
    )
    discussion = forms.CharField(
        label=_("Discussion"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    decision = forms.CharField(label=_("Decision"), widget=forms.Textarea(attrs={"rows": 2}), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        refuse_control_characters(self)


class ResolutionForm(forms.Form):
    text = forms.CharField(label=_("Resolution"), max_length=300, required=False)
    owner = forms.ModelChoiceField(queryset=None, label=_("Owner"), required=False)
    due_on = forms.DateField(label=_("Due on"), widget=DATE, required=False)

    def __init__(self, *args, branch_id: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = selectors.resolution_owners(branch_id)
        refuse_control_characters(self)

    def clean(self):
        data = super().clean()
        if data.get("text"):
            if not data.get("owner"):
                self.add_error("owner", _("Name who carries out the resolution."))
            if not data.get("due_on"):
                self.add_error("due_on", _("Give the date the resolution is due."))
        return data


AgendaItemFormSet = forms.formset_factory(AgendaItemForm, extra=3, max_num=50)
ResolutionFormSet = forms.formset_factory(ResolutionForm, extra=2, max_num=20)


class FrequencyForm(forms.Form):
    """The branch's expected frequency of each kind of meeting."""

    def __init__(self, *args, current: dict[str, int], **kwargs):
        super().__init__(*args, **kwargs)
        labels = dict(StudyActivity.Kind.choices)
        for kind in DEFAULT_FREQUENCIES:
            self.fields[kind] = forms.TypedChoiceField(
                label=labels[kind], choices=Frequency.choices, coerce=int, initial=current[kind]
            )


class InterestGroupForm(forms.ModelForm):
    class Meta:
        model = InterestGroup
        fields = ["name", "description", "organiser", "members"]
        widgets = {"description": forms.Textarea(attrs={"rows": 3}), "members": forms.CheckboxSelectMultiple}

    def __init__(self, *args, branch, **kwargs):
        super().__init__(*args, **kwargs)
        people = branch.members.active().order_by("name_pinyin")
        self.fields["organiser"].queryset = people
        self.fields["members"].queryset = people
        self.instance.branch = branch
        refuse_control_characters(self)


class YearForm(forms.Form):
    year = forms.IntegerField(min_value=2000, max_value=2100, required=False)


class ContributionForm(forms.ModelForm):
    class Meta:
        model = Contribution
        fields = ["kind", "author", "title", "text", "file"]
        widgets = {"text": forms.Textarea(attrs={"rows": 4})}
        help_texts = {"file": _("PDF, Word, Excel, PowerPoint, JPEG or PNG, at most 20 MB.")}

    def __init__(self, *args, activity, **kwargs):
        super().__init__(*args, **kwargs)
        branches = [b.pk for b in activity.branches.all()]
        self.fields["author"].queryset = Member.objects.active().in_branches(branches).order_by("name_pinyin")
        refuse_control_characters(self)

    def clean_file(self):
        upload = self.cleaned_data.get("file")
        if upload:
            check_upload(upload)
        return upload

    def _post_clean(self):
        # Saved by services.contribution_add, which checks the author against the activity.
        pass
