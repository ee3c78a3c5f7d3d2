import phonenumbers
from django import forms
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm, PasswordChangeForm
from django.utils.translation import gettext_lazy as _

from .models import User


class LoginForm(AuthenticationForm):
    error_messages = {
        "invalid_login": _(
            "The user name or password is not right. Please try again; after 5 failed "
            "attempts the account is locked for 30 minutes."
        ),
        "inactive": _("This account is switched off. Please ask the branch secretary."),
    }


class PortalPasswordChangeForm(PasswordChangeForm):
    pass


class TextSizeForm(forms.Form):
    text_size = forms.ChoiceField(choices=User.TextSize.choices)


def _mobile(value: str) -> str:
    """The number in E.164 if it is a valid mobile number (mainland unless +country given), else ""."""
    try:
        parsed = phonenumbers.parse(value.strip(), settings.PHONENUMBER_DEFAULT_REGION)
    except phonenumbers.NumberParseException:
        return ""
    mobile = phonenumbers.number_type(parsed) in (
        phonenumbers.PhoneNumberType.MOBILE,
        phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
    )
    if not (phonenumbers.is_valid_number(parsed) and mobile):
        return ""
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


class CodeRequestForm(forms.Form):
    """Asks for a login code: the mobile number, normalised to E.164."""

    phone = forms.CharField(
        label=_("Mobile number"),
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
        error_messages={"required": _("Please enter your mobile number.")},
    )

    def clean_phone(self) -> str:
        phone = _mobile(self.cleaned_data["phone"])
        if not phone:
            raise forms.ValidationError(
                _("Please enter an 11-digit mobile number, e.g. 139 1234 5678."), code="invalid"
            )
        return phone


class CodeLoginForm(CodeRequestForm):
    """Logs in with the number and the six-digit code sent to it."""

    code = forms.CharField(
        label=_("Code from the SMS"),
        max_length=6,
        min_length=6,
        widget=forms.TextInput(
            attrs={"inputmode": "numeric", "autocomplete": "one-time-code", "pattern": "[0-9]*"}
        ),
        error_messages={
            "required": _("Please enter the 6 digits from the SMS."),
            "min_length": _("The code has 6 digits."),
            "max_length": _("The code has 6 digits."),
        },
    )

    def clean_code(self) -> str:
        code = self.cleaned_data["code"].strip()
        if not code.isascii() or not code.isdigit():
            raise forms.ValidationError(_("The code has 6 digits."), code="invalid")
        return code
