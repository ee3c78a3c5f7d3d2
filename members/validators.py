"""Validation of members' data shared by the forms and the roster import."""

import datetime

import phonenumbers
from django.core.exceptions import ValidationError
from django.forms import CharField
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

# Ages outside 0–126 are typing errors, and break whatever groups members by age (the dashboard's bands).
EARLIEST_BIRTH = datetime.date(1900, 1, 1)
MOBILE_TYPES = {phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE}


def validate_cn_mobile(value) -> None:
    """A valid mainland-China mobile number (notices go out by SMS, so a landline will not do)."""
    if not value:
        return
    number = value if isinstance(value, phonenumbers.PhoneNumber) else phonenumbers.parse(str(value), "CN")
    if (
        number.country_code != 86
        or not phonenumbers.is_valid_number(number)
        or phonenumbers.number_type(number) not in MOBILE_TYPES
    ):
        raise ValidationError(
            _("Enter a mainland China mobile number of 11 digits, e.g. 139 1234 5678."), code="not_cn_mobile"
        )


def validate_birth_date(value: datetime.date | None) -> None:
    """A date of birth between 1 January 1900 and today: the member services and the roster preview."""
    if value and not EARLIEST_BIRTH <= value <= timezone.localdate():
        raise ValidationError(
            _("Enter a date of birth between 1 January 1900 and today."), code="birth_date_range"
        )


def validate_no_control_characters(value) -> None:
    """Text without the invisible control characters that come with a paste from another program
    (tabs and line breaks are fine): no .xlsx cell may hold them, so the roster import refuses them too."""
    # NUL has Django's own check and message (ProhibitNullCharactersValidator, forms and models).
    if isinstance(value, str) and ILLEGAL_CHARACTERS_RE.search(value.replace("\x00", "")):
        raise ValidationError(
            _("This text holds invisible control characters. Type it again."), code="control_characters"
        )


def text_errors(values: dict) -> dict:
    """{name: error} for each text among `values` that holds control characters (the services' check)."""
    errors = {}
    for name, value in values.items():
        try:
            validate_no_control_characters(value)
        except ValidationError as error:
            errors[name] = error
    return errors


def refuse_control_characters(form) -> None:
    """Adds the control-character check to every text field of the form."""
    for field in form.fields.values():
        if isinstance(field, CharField):
            field.validators.append(validate_no_control_characters)
