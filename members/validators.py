"""Validation of members' data shared by the forms and the roster import."""

import phonenumbers
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

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
