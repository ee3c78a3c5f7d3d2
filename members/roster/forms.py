"""Forms of the roster import: the upload form, and the form that validates one spreadsheet row.

A row's cells arrive as text (or as dates, from Excel date cells); each field parses the
ways people actually write them in a Chinese roster and says in plain words what is wrong.
"""

import datetime
import re

import phonenumbers
from django import forms
from django.core.validators import FileExtensionValidator
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from org.models import Branch

from ..models import ContactGroup, HealthRecord, Member
from ..validators import validate_birth_date, validate_no_control_characters
from .reading import MAX_FILE_BYTES, too_large_message

FULL_DATE_FORMATS = ["%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y年%m月%d日", "%Y%m%d"]
MONTH_FORMATS = ["%Y-%m", "%Y/%m", "%Y.%m", "%Y年%m月"]
YES = {"是", "y", "yes", "true", "1", "√", "✓"}
NO = {"否", "n", "no", "false", "0", "×", "✗", ""}
MOBILE_TYPES = {phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE}
REQUIRED = {"required": _("This cell must not be empty.")}


class RosterUploadForm(forms.Form):
    file = forms.FileField(
        label=_("Roster file (.xlsx or .csv)"),
        validators=[FileExtensionValidator(["xlsx", "csv"], message=_("Upload an .xlsx or .csv file."))],
    )
    branch = forms.ModelChoiceField(label=_("Import into branch"), queryset=Branch.objects.none())

    def __init__(self, *args, branches, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["branch"].queryset = branches
        if len(branches) == 1:
            # One branch: nothing to choose.
            del self.fields["branch"]
            self.only_branch = branches[0]

    def clean(self):
        cleaned = super().clean()
        if "branch" not in self.fields:
            cleaned["branch"] = self.only_branch
        return cleaned

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_FILE_BYTES:
            raise forms.ValidationError(too_large_message(), code="too_large")
        return upload


class RosterDateField(forms.DateField):
    """A date as 1945-03-02, 1945/3/2, 1945.3.2, 1945年3月2日, 19450302 or an Excel date cell.

    With `month_ok`, a year and month alone (1968年7月) stands for the first of the month,
    as cadre records often give only the month one joined the Party or started work.
    `range_rule`, the member services' own validator for the column, replaces the general
    checks (not in the future, not before 1900), so the preview says what confirming would.
    """

    def __init__(self, *, month_ok: bool = False, past_only: bool = True, range_rule=None, **kwargs):
        self.past_only = past_only
        self.general_range = range_rule is None
        formats = FULL_DATE_FORMATS + (MONTH_FORMATS if month_ok else [])
        validators = [range_rule] if range_rule else []
        super().__init__(input_formats=formats, error_messages=REQUIRED, validators=validators, **kwargs)

    def to_python(self, value):
        if isinstance(value, str):
            value = value.strip().replace(" ", "")
            if value.isdigit() and len(value) != 8:
                raise forms.ValidationError(self.bad_date(value), code="invalid")
        try:
            day = super().to_python(value)
        except forms.ValidationError:
            raise forms.ValidationError(self.bad_date(value), code="invalid") from None
        if not (day and self.general_range):
            return day
        if self.past_only and day > timezone.localdate():
            raise forms.ValidationError(
                _("The date %(value)s is in the future."), code="future", params={"value": day.isoformat()}
            )
        if day.year < 1900:
            raise forms.ValidationError(
                _("The date %(value)s is too early."), code="early", params={"value": day.isoformat()}
            )
        return day

    @staticmethod
    def bad_date(value) -> str:
        return _("“%(value)s” is not a date. Write it like 1945-03-02, 1945/3/2 or 1945年3月2日.") % {
            "value": value
        }


class RosterPhoneField(forms.CharField):
    """A Chinese phone number, returned in E.164; `mobile` refuses landlines."""

    def __init__(self, *, mobile: bool, **kwargs):
        self.mobile = mobile
        super().__init__(required=False, **kwargs)

    def clean(self, value):
        value = super().clean(value)
        if not value:
            return ""
        try:
            number = phonenumbers.parse(value, "CN")
        except phonenumbers.NumberParseException:
            number = None
        if number is None or not phonenumbers.is_valid_number(number):
            raise forms.ValidationError(self.bad_number(value), code="invalid")
        if self.mobile and phonenumbers.number_type(number) not in MOBILE_TYPES:
            raise forms.ValidationError(self.bad_number(value), code="not_mobile")
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)

    def bad_number(self, value) -> str:
        if self.mobile:
            return _("“%(value)s” is not a mobile number: write its 11 digits, e.g. 13912345678.") % {
                "value": value
            }
        return _(
            "“%(value)s” is not a phone number: write a mobile (11 digits) "
            "or a landline with its area code, e.g. 010-66123456."
        ) % {"value": value}


class LabelChoiceField(forms.Field):
    """A choice written as its Chinese label (男, 退休, 独居…); the English label and the code also work."""

    def __init__(self, choices: type, *, default: str | None = None, **kwargs):
        self.choices_class = choices
        self.default = default
        super().__init__(required=default is None, error_messages=REQUIRED, **kwargs)

    def lookup(self) -> dict[str, str]:
        table = {value.lower(): value for value in self.choices_class.values}
        for language in ("en", "zh-hans"):
            with translation.override(language):
                table.update({str(label).lower(): value for value, label in self.choices_class.choices})
        return table

    def clean(self, value):
        text = _text(value)
        if not text:
            if self.default is not None:
                return self.default
            super().validate("")
        found = self.lookup().get(text.lower())
        if found is None:
            # The file is written in Chinese whatever the page's language: name the Chinese labels.
            with translation.override("zh-hans"):
                labels = "、".join(str(label) for label in self.choices_class.labels)
            raise forms.ValidationError(
                _("“%(value)s” is not one of: %(choices)s."),
                code="invalid_choice",
                params={"value": text, "choices": labels},
            )
        return found


class YesNoField(forms.Field):
    def clean(self, value):
        text = _text(value).lower()
        if text in YES:
            return True
        if text in NO:
            return False
        raise forms.ValidationError(
            _("“%(value)s” is neither yes nor no: write 是 or 否."), code="invalid", params={"value": value}
        )


class ContactGroupField(forms.Field):
    """A contact group of the branch, by number (3) or by name (第三联络小组)."""

    def __init__(self, groups: list[ContactGroup], **kwargs):
        self.groups = groups
        super().__init__(required=False, **kwargs)

    def clean(self, value):
        text = re.sub(r"\s+", "", _text(value))
        if not text:
            return None
        by_number = [g for g in self.groups if str(g.number) == text]
        by_name = [g for g in self.groups if g.name == text]
        if len(by_number) == 1 or len(by_name) == 1:
            return (by_number or by_name)[0]
        numbers = "、".join(str(g.number) for g in self.groups) or "—"
        raise forms.ValidationError(
            _(
                "There is no contact group “%(value)s” in this branch. "
                "Write a group number (%(numbers)s) or a group name."
            ),
            code="unknown_group",
            params={"value": text, "numbers": numbers},
        )


def _text(value) -> str:
    """A cell as text: an Excel date cell in a text column reads as 1945-03-02."""
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value or "").strip()


def text(max_length: int, **kwargs) -> forms.CharField:
    return forms.CharField(max_length=max_length, required=False, **kwargs)


class RosterRowForm(forms.Form):
    """One row of the roster. Only the columns the file has are validated and later written."""

    name = forms.CharField(max_length=50, error_messages=REQUIRED)
    gender = LabelChoiceField(Member.Gender)
    birth_date = RosterDateField(range_rule=validate_birth_date)
    lunar_birthday = YesNoField(required=False)
    native_place = text(100)
    party_joined_on = RosterDateField(month_ok=True, required=False)
    work_started_on = RosterDateField(month_ok=True, required=False)
    retirement_kind = LabelChoiceField(Member.RetirementKind, default="")
    # A retirement date may be recorded ahead of the day.
    retired_on = RosterDateField(month_ok=True, past_only=False, required=False)
    former_unit = text(100)
    former_post = text(100)
    phone = RosterPhoneField(mobile=True)
    phone_alt = RosterPhoneField(mobile=False)
    notice_phone = RosterPhoneField(mobile=True)
    address = text(200)
    district = text(50)
    living_situation = LabelChoiceField(Member.LivingSituation, default=Member.LivingSituation.WITH_FAMILY)
    emergency_name_1 = text(50)
    emergency_relation_1 = text(20)
    emergency_phone_1 = RosterPhoneField(mobile=False)
    emergency_name_2 = text(50)
    emergency_relation_2 = text(20)
    emergency_phone_2 = RosterPhoneField(mobile=False)
    contact_group = forms.Field(required=False)  # replaced per branch in __init__
    status = LabelChoiceField(Member.Status, default=Member.Status.ACTIVE)
    status_changed_on = RosterDateField(required=False)
    notes = forms.CharField(required=False)
    # Empty: the health record is left as it is (importing.py drops the empty health cells).
    condition = LabelChoiceField(HealthRecord.Condition, default="")
    health_place = text(100, validators=[validate_no_control_characters])

    def __init__(self, data: dict, *, groups: list[ContactGroup]):
        super().__init__(data)
        self.fields["contact_group"] = ContactGroupField(groups)
        for name in list(self.fields):
            if name not in data:
                del self.fields[name]

    def clean(self):
        cleaned = super().clean()
        birth = cleaned.get("birth_date")
        for name in ("party_joined_on", "work_started_on", "retired_on", "status_changed_on"):
            day = cleaned.get(name)
            if birth and day and day < birth:
                self.add_error(name, _("This date is before the date of birth."))
        return cleaned
