from django import forms
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
